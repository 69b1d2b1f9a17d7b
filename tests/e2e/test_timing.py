"""Rate limits, responsiveness, fairness and adjustment time: stable on the reference, caught on mutants."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import cli
from validator.loader import load_scenarios
from validator.model import Status
from validator.protocol import load_protocol
from validator.reference.mutants import MUTANTS
from validator.runner import validate
from validator.selection import select_scenarios

pytestmark = pytest.mark.e2e
TIMED = ("area:RL", "area:RSP", "area:FAIR", "BP-ALG-05")
TIMED_IDS = {
    "BP-RL-01",
    "BP-RL-02",
    "BP-RL-03",
    "BP-RL-04",
    "BP-RL-05",
    "BP-RSP-01",
    "BP-RSP-02",
    "BP-FAIR-01",
    "BP-FAIR-02",
    "BP-FAIR-03",
    "BP-ALG-05",
}


def timed_scenarios() -> tuple:  # type: ignore[type-arg]
    protocol = load_protocol()
    chosen, _ = select_scenarios(load_scenarios(protocol).scenarios, protocol.catalog, TIMED)
    return chosen


def test_reference_passes_timing_requirements_20_times_over_loopback(serve: type) -> None:
    target = serve()
    scenarios = timed_scenarios()
    for attempt in range(20):
        result = validate(target.url, scenarios=scenarios)
        status = {rr.requirement.id: rr.status for rr in result.requirements}
        bad = {rid: status[rid] for rid in TIMED_IDS if status[rid] is not Status.PASS}
        assert bad == {}, f"run {attempt + 1}: {bad}"


@pytest.mark.parametrize(
    "name",
    [
        "periodic-stall",
        "slow-fan-in",
        "per-consumer-limit",
        "greedy-shares",
        "priority-inverted",
        "cached-state",
        "400-for-rate-limit",
    ],
)
def test_timing_mutants_over_loopback(serve: type, tmp_path: Path, name: str) -> None:
    target = serve("--mutant", name)
    report = tmp_path / "r.json"
    proc = cli("run", "--target", target.url, "--report-json", str(report))
    assert "Traceback" not in proc.stderr
    data = json.loads(report.read_text())
    assert {r["id"] for r in data["requirements"] if r["status"] == "fail"} == set(MUTANTS[name].breaks)


def test_latency_distribution_is_reported(tmp_path: Path, serve: type) -> None:
    target = serve()
    report = tmp_path / "r.json"
    assert cli("run", "--target", target.url, "--select", "area:RSP", "--report-json", str(report)).returncode == 0
    data = json.loads(report.read_text())
    rsp = {r["id"]: r for r in data["requirements"]}["BP-RSP-02"]
    note = rsp["findings"][0]["message"]
    assert "p50=" in note and "p99=" in note and "on the wire p99=" in note and "validator overhead p99=" in note


def test_timing_slack_widens_the_adjustment_window(tmp_path: Path) -> None:
    args = (
        "run",
        "--target",
        "builtin:mutant/cached-state",
        "--select",
        "BP-ALG-05",
        "--fail-on",
        "should",
        "--report-json",
        str(tmp_path / "r.json"),
    )
    assert cli(*args).returncode == 1
    alg05 = {r["id"]: r for r in json.loads((tmp_path / "r.json").read_text())["requirements"]}["BP-ALG-05"]
    assert alg05["status"] == "fail"
    assert any("still not so after" in f["message"] for f in alg05["findings"])
    assert cli(*args, "--timing-slack", "1.0").returncode == 0


def test_latency_budget_flag(tmp_path: Path) -> None:
    args = (
        "run",
        "--target",
        "builtin:mutant/periodic-stall",
        "--select",
        "area:RSP",
        "--fail-on",
        "should",
        "--report-json",
        str(tmp_path / "r.json"),
    )
    assert cli(*args).returncode == 1
    assert cli(*args, "--latency-budget-ms", "500").returncode == 0


@pytest.mark.slow
def test_rate_limit_window_resets(tmp_path: Path) -> None:
    """The slow scenario: a limited producer is served again after the minute (about 62 s)."""
    report = tmp_path / "r.json"
    proc = cli("run", "--select", "tag:slow", "--report-json", str(report), timeout=180)
    assert proc.returncode == 0, proc.stdout[-2000:]
    status = {r["id"]: r["status"] for r in json.loads(report.read_text())["requirements"]}
    assert status["BP-RL-06"] == "pass"
    skipped = cli("run", "--select", "area:RL", "--report-json", str(report))
    assert skipped.returncode == 0
    assert {r["id"]: r["status"] for r in json.loads(report.read_text())["requirements"]}["BP-RL-06"] == "skip"


def test_bench_prints_figures_for_two_targets(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = cli(
        "bench",
        "-t",
        "builtin:reference",
        "-t",
        "builtin:mutant/periodic-stall",
        "-d",
        "0.5",
        "-c",
        "4",
        "--json",
        str(out),
        env={"COLUMNS": "200"},
    )
    assert proc.returncode == 0, proc.stderr
    for label in ("requests/s", "latency p50", "latency p90", "latency p99", "latency max", "errors"):
        assert label in proc.stdout
    assert "latency histogram — builtin:mutant/periodic-stall" in proc.stdout
    figures = json.loads(out.read_text())["bench"]
    assert [f["target"] for f in figures] == ["builtin:reference", "builtin:mutant/periodic-stall"]
    assert all(f["requests"] > 0 and f["errors"] == 0 for f in figures)
    assert figures[1]["latency_ms"]["max"] >= 100  # the stalls show


def test_bench_against_nothing_fails_cleanly() -> None:
    proc = cli("bench", "-t", "http://127.0.0.1:9", "-d", "0.3", "-c", "1", "--timeout", "0.5")
    assert proc.returncode == 1
    assert "answered no request" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_never_forgiving_rate_limit_is_caught_by_the_slow_scenario(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    proc = cli(
        "run",
        "--target",
        "builtin:mutant/never-forgives",
        "--select",
        "tag:slow",
        "--report-json",
        str(report),
        timeout=180,
    )
    assert proc.returncode == 0  # BP-RL-06 is a MAY
    status = {r["id"]: r["status"] for r in json.loads(report.read_text())["requirements"]}
    assert {rid for rid, st in status.items() if st == "fail"} == set(MUTANTS["never-forgives"].breaks)
