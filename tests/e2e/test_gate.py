"""The CI gate through the real CLI: known failures ratchet, stale and expired entries, selection,
fail-on levels, config precedence, determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import cli

pytestmark = pytest.mark.e2e
MUTANT = "builtin:mutant/timeout-unchecked"  # fails BP-CS-05 (MUST) only


def run(tmp_path: Path, *args: str, cwd: Path | None = None) -> tuple[int, str, dict]:  # type: ignore[type-arg]
    report = tmp_path / "report.json"
    proc = cli("run", "--report-json", str(report), *args, cwd=cwd)
    assert "Traceback" not in proc.stderr + proc.stdout
    data = json.loads(report.read_text()) if report.exists() else {}
    return proc.returncode, proc.stdout + proc.stderr, data


def known(tmp_path: Path, text: str) -> str:
    path = tmp_path / "known.txt"
    path.write_text(text)
    return str(path)


def test_listed_failure_does_not_fail_the_gate_but_stays_visible(tmp_path: Path) -> None:
    code, out, report = run(
        tmp_path,
        "-t",
        MUTANT,
        "--known-failures",
        known(tmp_path, "# ours\nBP-CS-05   # accepted until the validator migration\n"),
    )
    assert code == 0
    assert "known failure BP-CS-05" in out
    assert report["gate"]["known"][0]["id"] == "BP-CS-05"
    assert "accepted until the validator migration" in report["gate"]["known"][0]["entry"]
    assert {r["id"]: r["status"] for r in report["requirements"]}["BP-CS-05"] == "fail"


def test_unexpected_pass_fails_the_run(tmp_path: Path) -> None:
    path = known(tmp_path, "BP-CS-05  # should be fixed by now\n")
    code, out, report = run(tmp_path, "--known-failures", path)
    assert code == 1
    assert "BP-CS-05 passes but is listed as a known failure" in out
    assert "remove it from the list" in out
    assert report["gate"]["unexpected_passes"] == [{"id": "BP-CS-05", "entry": f"{path}:1"}]


def test_stale_pattern_is_an_error(tmp_path: Path) -> None:
    path = known(tmp_path, "BP-CS-05 # real\n\nBP-NOPE-*   # gone\n")
    code, out, _ = run(tmp_path, "-t", MUTANT, "--known-failures", path)
    assert code == 2
    assert f"{path}:3: pattern 'BP-NOPE-*' matches no requirement id" in out


def test_expired_entry_fails_the_gate(tmp_path: Path) -> None:
    code, out, report = run(
        tmp_path, "-t", MUTANT, "--known-failures", known(tmp_path, "BP-CS-05 2020-01-31 # temporary\n")
    )
    assert code == 1
    assert "expired on 2020-01-31" in out
    assert report["gate"]["expired"][0]["pattern"] == "BP-CS-05"
    future = known(tmp_path, "BP-CS-05 2999-01-31 # temporary\n")
    assert run(tmp_path, "-t", MUTANT, "--known-failures", future)[0] == 0


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("BP-CS-05\n", ":1: entry 'BP-CS-05' gives no reason"),
        ("BP-CS-05 2027-13-45 # x\n", ":1: invalid expiry date"),
        ("BP-CS-05 tomorrow # x\n", ":1: expected 'PATTERN [YYYY-MM-DD] # reason'"),
    ],
)
def test_malformed_known_failures_file(tmp_path: Path, text: str, needle: str) -> None:
    code, out, _ = run(tmp_path, "--known-failures", known(tmp_path, text))
    assert code == 2
    assert needle in out


def test_known_failures_from_report_round_trip(tmp_path: Path) -> None:
    code, _, _ = run(tmp_path, "-t", MUTANT)
    assert code == 1
    proc = cli("known-failures", "--from", str(tmp_path / "report.json"), "-o", str(tmp_path / "start.txt"))
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "start.txt").read_text()
    assert text.count("BP-") == 1 and "BP-CS-05" in text
    code, _, _ = run(tmp_path, "-t", MUTANT, "--known-failures", str(tmp_path / "start.txt"))
    assert code == 0


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ((), 0),  # BP-ENV-04 is a SHOULD: below the default gate
        (("--fail-on", "should"), 1),
        (("--strict",), 1),
        (("--fail-on", "may"), 1),
    ],
)
def test_fail_on_levels(tmp_path: Path, args: tuple[str, ...], code: int) -> None:
    assert run(tmp_path, "-t", "builtin:mutant/timestamp-seconds", *args)[0] == code


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (
            "area:ALG",
            {
                "backpressure/algorithm/tier-boundaries",
                "backpressure/algorithm/rounding",
                "backpressure/algorithm/zero-capacity",
                "backpressure/flowcontrol/fresh-consumer",
                "backpressure/algorithm/adjustment-time",
            },
        ),
        (
            "level:MAY",
            {
                "backpressure/capacity/either/omitted-fields",
                "backpressure/http/health",
                "backpressure/auth/missing-token",
                "backpressure/auth/wrong-token",
                "backpressure/rate-limits/signals",
                "backpressure/rate-limits/window-resets",
                "backpressure/fairness/priority",
            },
        ),
        (
            "backpressure/metrics/*",
            {
                "backpressure/metrics/valid",
                "backpressure/metrics/invalid-ids",
                "backpressure/metrics/invalid-counters",
                "backpressure/metrics/either/integral-floats",
            },
        ),
    ],
)
def test_selection_forms(tmp_path: Path, pattern: str, expected: set[str]) -> None:
    code, _, report = run(tmp_path, "--select", pattern)
    assert code == 0
    assert {s["id"] for s in report["scenarios"]} == expected


@pytest.mark.parametrize(
    "args",
    [("--select", "tag:nothing-tagged-so"), ("--select", "role:P"), ("--select", "BP-CS-*", "--deselect", "BP-CS-*")],
)
def test_empty_selection_is_exit_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    code, out, report = run(tmp_path, *args)
    assert code == 2
    assert "matches no scenario" in out
    assert report == {}


def test_config_file_and_precedence(tmp_path: Path) -> None:
    (tmp_path / "nexus-validate.toml").write_text(
        f'target = "{MUTANT}"\nfail-on = "should"\nreport-json = "out/from-config.json"\n'
        '[paths]\ncapacity = "/capacity"\n'
    )
    proc = cli("run", cwd=tmp_path)
    assert proc.returncode == 1  # the mutant from the config file, gated at should
    report = json.loads((tmp_path / "out" / "from-config.json").read_text())
    assert report["target"] == MUTANT
    assert report["gate"]["fail_on"] == "SHOULD"
    proc = cli("run", "--target", "builtin:reference", cwd=tmp_path)  # a flag beats the file
    assert proc.returncode == 0
    proc = cli("config", "--fail-on", "may", cwd=tmp_path)
    assert proc.returncode == 0
    lines = {line.split("│")[1].strip(): line for line in proc.stdout.splitlines() if line.startswith("│ --")}
    assert f"{tmp_path / 'nexus-validate.toml'}:1" in lines["--target"]
    assert "command line" in lines["--fail-on"]
    assert "default" in lines["--timeout"]


def test_pyproject_table_is_read(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.nexus-validate]\ntarget = "builtin:mutant/timeout-unchecked"\n'
    )
    proc = cli("run", "--report-json", "r.json", cwd=tmp_path)
    assert proc.returncode == 1
    proc = cli("config", cwd=tmp_path)
    assert f"{tmp_path / 'pyproject.toml'}:5" in proc.stdout


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('target = "x"\ncolour = "blue"\n', "nexus-validate.toml:2: unknown setting 'colour'"),
        ('timeout = "fast"\n', "nexus-validate.toml:1: timeout must be a number"),
        ("select = [1, 2]\n", "nexus-validate.toml:1: select must be a list of strings"),
        ("target = \n", "nexus-validate.toml:1: invalid TOML"),
    ],
)
def test_bad_config_is_exit_2_with_file_and_line(tmp_path: Path, text: str, needle: str) -> None:
    (tmp_path / "nexus-validate.toml").write_text(text)
    proc = cli("run", cwd=tmp_path)
    assert proc.returncode == 2
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr


def test_same_seed_same_order_and_verdicts(tmp_path: Path) -> None:
    orders, verdicts = [], []
    for seed in ("7", "7", "8"):
        _, _, report = run(tmp_path, "-t", MUTANT, "--seed", seed)
        orders.append([s["id"] for s in report["scenarios"]])
        verdicts.append({r["id"]: r["status"] for r in report["requirements"]})
        assert any(f"--seed {seed}" in n for n in report["notes"])
    assert orders[0] == orders[1]
    assert verdicts[0] == verdicts[1] == verdicts[2]
    assert orders[0] != orders[2]
    assert sorted(orders[0]) == sorted(orders[2])


def test_ci_integration_files_are_well_formed() -> None:
    import yaml

    root = Path(__file__).resolve().parents[2]
    action = yaml.safe_load((root / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    assert {"target", "args", "reports-dir"} <= set(action["inputs"])
    script = next(step["run"] for step in action["runs"]["steps"] if step.get("id") == "validate")
    assert "--junit" in script and "${{" not in script  # inputs reach the shell only through env
    for name in ("github-workflow.yml", "gitlab-ci.yml"):
        assert yaml.safe_load((root / "docs" / "ci" / name).read_text())
