"""The wheel carries scenarios and schemas and works from any directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (built,) = out.glob("nexus_validate-*.whl")
    return built


def test_wheel_contains_data_and_entry_point(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "validator/_data/scenarios/backpressure/requirements.yaml" in names
    assert "validator/_data/scenarios/backpressure/protocol.yaml" in names
    assert "validator/_data/schemas/scenario.schema.json" in names
    assert "validator/_data/schemas/backpressure/FlowControl.schema.json" in names
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "nexus-validate = validator.cli:run_main" in zipfile.ZipFile(wheel).read(entry).decode()


def test_installed_wheel_runs_from_another_directory(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    proc = subprocess.run(
        [sys.executable, "-P", "-c", "import validator.resources as r; print(r.data_dir('scenarios'))"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert str(site) in proc.stdout, proc.stderr
    proc = subprocess.run(
        [sys.executable, "-P", "-m", "validator", "run"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads((elsewhere / "reports" / "nexus-validate.json").read_text())
    assert report["summary"]["fail"] == 0
