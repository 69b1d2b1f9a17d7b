"""selftest proves every check can fail: exact mutants, 100 % mutation score, gaps reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import cli
from validator.resources import protocol_dir
from validator.selftest import SelftestCase, run_selftest

pytestmark = pytest.mark.e2e


def test_selftest_passes_with_full_score() -> None:
    proc = cli("selftest", env={"COLUMNS": "250"}, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "mutation score: 100.0%" in proc.stdout
    assert "timeout-unchecked" in proc.stdout
    assert "survived" not in proc.stdout
    assert "producer/ignores-pause" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_new_requirement_without_mutant_is_reported_unkilled(tmp_path: Path) -> None:
    extra = tmp_path / "extra.yaml"
    extra.write_text(
        "scenarios:\n  - id: backpressure/rate-limits/served-again\n    title: a fresh producer is served\n"
        "    covers: [BP-RL-06]\n    steps:\n"
        "      - {send: capacity, message: CapacitySignal, expect: accept, judges: [BP-RL-06]}\n"
    )
    proc = cli(
        "selftest",
        "--role",
        "controller",
        "--scenarios",
        str(protocol_dir("backpressure")),
        "--scenarios",
        str(extra),
        env={"COLUMNS": "250"},
    )
    assert proc.returncode == 1
    assert "no mutant kills: BP-RL-06" in proc.stdout
    assert "mutation score: 98.1%" in proc.stdout


def test_wrong_declaration_is_a_mismatch_both_ways() -> None:
    wrong = SelftestCase(name="timeout-unchecked", profile="default", expected=frozenset({"BP-CS-04"}), token=False)
    reference = SelftestCase(name="reference", profile="default", expected=frozenset(), token=True)
    result = run_selftest(jobs=1, cases=[reference, wrong])
    outcome = result.outcomes[1]
    assert not outcome.ok
    assert outcome.missed == {"BP-CS-04"}
    assert outcome.unexpected == {"BP-CS-05"}
    assert not result.ok


def test_broken_scenario_file_is_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenarios: [\n")
    proc = cli("selftest", "--scenarios", str(bad))
    assert proc.returncode == 2
    assert f"{bad}:" in proc.stderr
