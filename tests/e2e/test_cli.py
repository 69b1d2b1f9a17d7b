"""The real CLI in a subprocess: exit codes, messages, reports, no tracebacks."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.conftest import cli

pytestmark = pytest.mark.e2e


def no_traceback(proc: object) -> None:
    assert "Traceback" not in proc.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in proc.stdout  # type: ignore[attr-defined]


def test_run_without_arguments_validates_the_reference(tmp_path: Path) -> None:
    proc = cli("run", cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "verdict: PASS" in proc.stdout
    report = json.loads((tmp_path / "reports" / "nexus-validate.json").read_text())
    assert report["target"] == "builtin:reference"
    assert report["summary"]["fail"] == 0
    assert len(report["requirements"]) == 62


def test_failing_mutant_exits_1_and_names_the_requirement(tmp_path: Path) -> None:
    proc = cli("run", "--target", "builtin:mutant/timeout-unchecked", "--report-json", str(tmp_path / "r.json"))
    no_traceback(proc)
    assert proc.returncode == 1
    assert "BP-CS-05" in proc.stdout
    assert "timeout_ms=99" in proc.stdout
    report = json.loads((tmp_path / "r.json").read_text())
    assert [r["id"] for r in report["requirements"] if r["status"] == "fail"] == ["BP-CS-05"]


def test_fail_on_level_gates_should_failures(tmp_path: Path) -> None:
    args = ("run", "--target", "builtin:mutant/timestamp-seconds", "--report-json", str(tmp_path / "r.json"))
    assert cli(*args).returncode == 0  # BP-ENV-04 is a SHOULD
    assert cli(*args, "--fail-on", "should").returncode == 1
    assert cli(*args, "--fail-on", "may").returncode == 1


def test_unreachable_target_exits_3(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = cli(
        "run", "--target", f"http://127.0.0.1:{port}", "--timeout", "1", "--report-json", str(tmp_path / "r.json")
    )
    no_traceback(proc)
    assert proc.returncode == 3
    assert "unreachable" in proc.stdout
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["incomplete"] is True
    assert report["summary"]["pass"] == 0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--target", "ftp://example"), "cannot use target"),
        (("--target", "builtin:mutant/nope"), "unknown mutant"),
        (("--select", "no-such-scenario*"), "matches no scenario"),
        (("--deselect", "*"), "matches no scenario"),
        (("--path", "nowhere=/x"), "unknown endpoint"),
        (("--header", "novalue"), "NAME=VALUE"),
        (("--token-env", "NEXUS_TEST_UNSET_VARIABLE"), "not set"),
        (("--profile", "lax"), "Invalid value"),
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: tuple[str, ...], needle: str) -> None:
    proc = cli("run", *args, "--report-json", str(tmp_path / "r.json"))
    no_traceback(proc)
    assert proc.returncode == 2
    assert needle in proc.stderr


def test_broken_scenario_file_exits_2_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "scenarios:\n  - id: backpressure/x/y\n    title: t\n    covers: [BP-NOPE-01]\n"
        "    steps:\n      - {send: capacity, message: CapacitySignal, expect: accept}\n"
    )
    proc = cli("run", "--scenarios", str(bad), "--report-json", str(tmp_path / "r.json"))
    no_traceback(proc)
    assert proc.returncode == 2
    assert f"{bad}:4: unknown requirement id 'BP-NOPE-01'" in proc.stderr
    assert not (tmp_path / "r.json").exists()


def test_selection_runs_only_matching_scenarios(tmp_path: Path) -> None:
    proc = cli("run", "--select", "BP-CS-05", "--report-json", str(tmp_path / "r.json"))
    assert proc.returncode == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert {s["id"] for s in report["scenarios"]} == {"backpressure/capacity/invalid/timeout"}
    status = {r["id"]: r["status"] for r in report["requirements"]}
    assert status["BP-CS-05"] == "pass"
    assert status["BP-MR-01"] == "untested"


def test_token_enables_auth_scenarios(tmp_path: Path) -> None:
    proc = cli(
        "run",
        "--token-env",
        "NV_TOKEN",
        "--report-json",
        str(tmp_path / "r.json"),
        env={"NV_TOKEN": "super-secret-value"},
    )
    assert proc.returncode == 0, proc.stdout
    text = (tmp_path / "r.json").read_text()
    status = {r["id"]: r["status"] for r in json.loads(text)["requirements"]}
    assert status["BP-AUTH-01"] == status["BP-AUTH-02"] == "pass"
    assert "super-secret-value" not in text
    assert "super-secret-value" not in proc.stdout + proc.stderr


def test_report_to_stdout_is_pure_json(tmp_path: Path) -> None:
    proc = cli("run", "--report-json", "-", "--select", "backpressure/http/*")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["tool"]["name"] == "nexus-validate"


def test_list_shows_every_id_with_coverage() -> None:
    proc = cli("list")
    assert proc.returncode == 0
    for rid in ("BP-ENV-01", "BP-CS-09", "BP-ALG-05", "BP-PR-08"):
        assert rid in proc.stdout


def test_list_mutants() -> None:
    proc = cli("list", "--mutants")
    assert proc.returncode == 0
    assert "timeout-unchecked" in proc.stdout
    assert "BP-CS-05" in proc.stdout
    assert "producer/ignores-pause" in proc.stdout


def test_explain_shows_requirement_checks_and_scenarios() -> None:
    proc = cli("explain", "bp-fc-02")
    assert proc.returncode == 0
    assert "BP-FC-02" in proc.stdout
    assert "flowcontrol-echoes-ids" in proc.stdout
    assert "backpressure/flowcontrol/shape" in proc.stdout
    assert "flowcontrol.yaml:" in proc.stdout


def test_explain_unknown_id_exits_2() -> None:
    proc = cli("explain", "BP-XX-99")
    assert proc.returncode == 2
    assert "unknown requirement id" in proc.stderr


def test_producer_requirement_explained_with_its_session_check() -> None:
    proc = cli("explain", "BP-PR-03")
    assert proc.returncode == 0
    assert "role P" in proc.stdout
    assert "producer-rate" in proc.stdout
    assert "backpressure/producer/follows-rate" in proc.stdout


def test_version_and_help() -> None:
    assert cli("--version").stdout.startswith("nexus-validate")
    help_text = cli("run", "--help").stdout
    for option in ("--target", "--fail-on", "--profile", "--timeout", "--token-env", "--report-json"):
        assert option in help_text
