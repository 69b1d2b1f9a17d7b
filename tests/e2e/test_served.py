"""Real HTTP on loopback: the reference and broken variants served in their own processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import cli
from validator.reference.mutants import MUTANTS

pytestmark = pytest.mark.e2e

# Each breaks one named requirement in a realistic way; a served run must fail exactly these ids.
SERVED_MUTANTS = [
    "timeout-unchecked",
    "metrics-unvalidated",
    "timestamp-seconds",
    "ids-not-echoed",
    "500-on-bad-json",
    "plain-text-errors",
    "booleans-as-integers",
    "broken-after-bad-json",
    "inverted-level",
    "greedy",
    "404-for-other-methods",
    "no-body-limit",
    "fails-under-concurrency",
    "state-hook-ignored",
]


def run_against(url: str, tmp_path: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[int, dict]:  # type: ignore[type-arg]
    report = tmp_path / "report.json"
    proc = cli("run", "--target", url, "--report-json", str(report), *extra, env=env)
    assert "Traceback" not in proc.stderr + proc.stdout
    return proc.returncode, json.loads(report.read_text())


def failing(report: dict) -> set[str]:  # type: ignore[type-arg]
    return {r["id"] for r in report["requirements"] if r["status"] == "fail"}


def test_served_reference_passes(serve: type, tmp_path: Path) -> None:
    target = serve()
    code, report = run_against(target.url, tmp_path)
    assert code == 0, failing(report)
    assert failing(report) == set()
    assert "state-hook" in report["capabilities"]
    status = {r["id"]: r["status"] for r in report["requirements"]}
    assert status["BP-HTTP-05"] == "pass"  # the 1 MiB body really crossed the socket
    assert status["BP-ROB-02"] == "pass"


@pytest.mark.parametrize("name", SERVED_MUTANTS)
def test_served_mutant_fails_exactly_its_ids(serve: type, tmp_path: Path, name: str) -> None:
    target = serve("--mutant", name)
    code, report = run_against(target.url, tmp_path)
    assert failing(report) == set(MUTANTS[name].breaks)
    assert code == (1 if any(r["level"] == "MUST" and r["status"] == "fail" for r in report["requirements"]) else 0)


def test_served_with_token(serve: type, tmp_path: Path) -> None:
    env = {"NV_TOKEN": "tok-123"}
    target = serve("--token-env", "NV_TOKEN", env=env)
    code, report = run_against(target.url, tmp_path, "--token-env", "NV_TOKEN", env=env)
    assert code == 0
    status = {r["id"]: r["status"] for r in report["requirements"]}
    assert status["BP-AUTH-01"] == status["BP-AUTH-02"] == "pass"
    # Without the token every message path answers 401: the run fails loudly instead of passing.
    code, report = run_against(target.url, tmp_path)
    assert code == 1
    assert "BP-CS-01" in failing(report)


def test_custom_paths(serve: type, tmp_path: Path) -> None:
    target = serve()
    code, report = run_against(target.url, tmp_path, "--path", "capacity=/nope", "--select", "BP-CS-05")
    assert code == 1
    assert "BP-CS-05" in failing(report)
    code, report = run_against(target.url, tmp_path, "--path", "capacity=/capacity", "--select", "BP-CS-05")
    assert code == 0


def test_target_dying_mid_run_becomes_error_not_crash(tmp_path: Path) -> None:
    """A target that dies after 40 requests: the run still ends, with errors and a full report."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("dying_target.py")), "40"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip().rsplit(" ", 1)[-1]
        code, report = run_against(url, tmp_path, "--timeout", "2")
    finally:
        server.kill()
        server.wait()
        if server.stdout is not None:
            server.stdout.close()
    assert code == 1
    statuses = {r["status"] for r in report["requirements"]}
    assert "error" in statuses
    errored = [s for s in report["scenarios"] if s["status"] == "error"]
    assert errored, "scenarios after the death must be errors"
    assert any("stopped accepting connections" in s["skip_reason"] for s in errored)
