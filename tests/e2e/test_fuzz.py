"""Fuzzing: nothing on the reference, every generator-only bug found and shrunk with a working curl,
same seed same findings, replay."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import cli
from validator.adapters import AdapterOptions, build_adapter
from validator.fuzz import backpressure
from validator.fuzz.engine import curl_command, fuzz
from validator.protocol import load_protocol
from validator.reference.mutants import MUTANTS

pytestmark = pytest.mark.e2e
FUZZ_MUTANTS = sorted(name for name, m in MUTANTS.items() if m.fuzz_only)


def run_fuzz(target: str, examples: int, seed: int) -> object:
    protocol = load_protocol()
    adapter = build_adapter(target, protocol, AdapterOptions())
    try:
        return fuzz(adapter, protocol, max_examples=examples, seed=seed)
    finally:
        adapter.close()


def test_reference_survives_2000_examples() -> None:
    report = run_fuzz("builtin:reference", 2000, seed=20261204)
    assert report.failures == []  # type: ignore[attr-defined]
    assert report.examples >= 2000  # type: ignore[attr-defined]
    judged = report.judged  # type: ignore[attr-defined]
    assert {"BP-CS-01", "BP-CS-02", "BP-CS-03", "BP-CS-05", "BP-CS-06", "BP-CS-07", "BP-MR-02", "BP-ERR-02"} <= judged


def test_fuzz_only_mutants_pass_the_scripted_scenarios() -> None:
    assert len(FUZZ_MUTANTS) >= 3
    for name in FUZZ_MUTANTS:
        proc = cli("run", "--target", f"builtin:mutant/{name}", "--fuzz-examples", "0", "--report-json", "-")
        assert proc.returncode == 0, name
        assert json.loads(proc.stdout)["summary"]["fail"] == 0, name


@pytest.mark.parametrize("name", FUZZ_MUTANTS)
def test_default_fuzz_finds_shrinks_and_reproduces(serve: type, tmp_path: Path, name: str) -> None:
    target = serve("--mutant", name)
    saved = tmp_path / "failures.json"
    proc = cli("fuzz", "--target", target.url, "--seed", "1", "--save", str(saved), env={"COLUMNS": "400"})
    assert proc.returncode == 1, proc.stdout
    failures = json.loads(saved.read_text())["failures"]
    assert {f["requirement_id"] for f in failures} == set(MUTANTS[name].breaks)
    for failure in failures:
        assert failure["seed"] == 1
        assert len(failure["curl"]) < 700  # shrunk: a minimal message, not a 256-character id
        reproduced = subprocess.run(["bash", "-c", failure["curl"]], capture_output=True, text=True, timeout=30)
        assert reproduced.stdout.startswith(f"HTTP/1.1 {failure['status']}"), reproduced.stdout[:200]
    replay = cli("fuzz", "--target", target.url, "--replay", str(saved))
    assert replay.returncode == 1 and "still fails" in replay.stdout
    fixed = serve()
    replay = cli("fuzz", "--target", fixed.url, "--replay", str(saved))
    assert replay.returncode == 0 and "fixed" in replay.stdout


def test_same_seed_same_findings() -> None:
    def signature(report: object) -> list[tuple[str, str, object]]:
        # the same minimal case; only the timestamp (the validator's clock) differs between runs
        return [
            (f.issue.requirement_id, f.case.label, {**(f.case.message or {}), "timestamp": 0}) for f in report.failures
        ]  # type: ignore[attr-defined]

    first = run_fuzz("builtin:mutant/int32-rate", 300, seed=7)
    second = run_fuzz("builtin:mutant/int32-rate", 300, seed=7)
    assert signature(first) and signature(first) == signature(second)


def test_run_includes_a_seeded_fuzz_stage() -> None:
    proc = cli("run", "--target", "builtin:mutant/counter-overflow", "--report-json", "-")
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    fuzz_scenario = next(s for s in report["scenarios"] if s["id"] == "backpressure/fuzz/generated")
    assert fuzz_scenario["status"] == "fail"
    finding = next(f for r in report["requirements"] if r["id"] == "BP-MR-01" for f in r["findings"])
    assert finding["check"].startswith("fuzz:") and "curl" in finding["message"] and "seed 0" in finding["message"]


def test_every_generated_case_names_known_requirements() -> None:
    from hypothesis import given, settings

    ids = set(load_protocol().catalog.ids)

    @settings(max_examples=300, database=None, deadline=None)
    @given(backpressure.cases())
    def check(case: object) -> None:
        assert set(case.judges) <= ids  # type: ignore[attr-defined]
        assert case.expect in ("accept", "reject", "either")  # type: ignore[attr-defined]
        assert case.body()  # type: ignore[attr-defined]

    check()


def test_curl_for_binary_and_deep_bodies() -> None:
    binary = curl_command("http://h/capacity", "POST", b'{"x":"\xff"}', ())
    assert binary.startswith("printf '") and "\\xff" in binary
    deep = curl_command("http://h/capacity", "POST", b"[" * 5000 + b"]" * 5000, ())
    assert "python3 -c" in deep and len(deep) < 300
    token = curl_command("http://h/capacity", "POST", b"{}", (("Authorization", "[redacted]"),))
    assert "$NEXUS_TOKEN" in token
