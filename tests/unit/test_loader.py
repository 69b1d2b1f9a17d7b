"""Broken scenario files are reported as file:line: message, never as a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from validator.loader import load_scenarios
from validator.protocol import Protocol

GOOD = """\
scenarios:
  - id: backpressure/custom/ok
    title: fine
    covers: [BP-CS-05]
    steps:
      - {send: capacity, message: CapacitySignal, set: {timeout_ms: 99}, expect: reject}
"""


def _errors(tmp_path: Path, protocol: Protocol, text: str, name: str = "s.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return [str(e) for e in load_scenarios(protocol, [path]).errors]


def test_good_file_loads(tmp_path: Path, protocol: Protocol) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(GOOD)
    loaded = load_scenarios(protocol, [path])
    assert loaded.errors == ()
    (scenario,) = loaded.scenarios
    assert scenario.line == 2
    assert scenario.steps[0].judges == ("BP-CS-05",)
    assert scenario.steps[0].probe_after is True


def test_shipped_scenarios_load_cleanly(protocol: Protocol) -> None:
    loaded = load_scenarios(protocol)
    assert loaded.errors == ()
    assert len(loaded.scenarios) >= 30


def test_bad_yaml_names_file_and_line(tmp_path: Path, protocol: Protocol) -> None:
    errors = _errors(tmp_path, protocol, GOOD.replace("title: fine", "title: [unclosed"))
    assert len(errors) == 1
    assert f"{tmp_path / 's.yaml'}:" in errors[0]
    assert "invalid YAML" in errors[0]
    line = int(errors[0].split(":")[1])
    assert 3 <= line <= 5


def test_schema_violation_names_the_line_of_the_bad_key(tmp_path: Path, protocol: Protocol) -> None:
    text = GOOD.replace("    title: fine\n", "    title: fine\n    colour: blue\n")
    (error,) = _errors(tmp_path, protocol, text)
    assert error.startswith(f"{tmp_path / 's.yaml'}:")
    assert "colour" in error


def test_wrong_type_in_step_points_at_step(tmp_path: Path, protocol: Protocol) -> None:
    text = GOOD.replace("expect: reject}", "expect: reject, repeat: many}")
    (error,) = _errors(tmp_path, protocol, text)
    assert f"{tmp_path / 's.yaml'}:6:" in error


def test_unknown_requirement_id(tmp_path: Path, protocol: Protocol) -> None:
    (error,) = _errors(tmp_path, protocol, GOOD.replace("covers: [BP-CS-05]", "covers: [BP-CS-99]"))
    assert f"{tmp_path / 's.yaml'}:4: unknown requirement id 'BP-CS-99'" in error


def test_unknown_endpoint_template_and_check(tmp_path: Path, protocol: Protocol) -> None:
    text = GOOD.replace(
        "send: capacity, message: CapacitySignal,", "send: nowhere, message: Nothing, checks: [no-such-check],"
    )
    errors = _errors(tmp_path, protocol, text)
    joined = "\n".join(errors)
    assert "unknown endpoint 'nowhere'" in joined
    assert "unknown message template 'Nothing'" in joined
    assert "unknown check 'no-such-check'" in joined
    assert all(e.startswith(f"{tmp_path / 's.yaml'}:6:") for e in errors)


def test_covered_id_nothing_judges(tmp_path: Path, protocol: Protocol) -> None:
    text = GOOD.replace("covers: [BP-CS-05]", "covers: [BP-CS-05, BP-RL-02]").replace(
        "expect: reject}", "expect: reject, judges: [BP-CS-05]}"
    )
    (error,) = _errors(tmp_path, protocol, text)
    assert ":4: covers BP-RL-02 but no step or check of the scenario judges it" in error


def test_duplicate_scenario_id(tmp_path: Path, protocol: Protocol) -> None:
    body = GOOD.split("scenarios:\n", 1)[1]
    (error,) = _errors(tmp_path, protocol, "scenarios:\n" + body + body)
    assert "also defined at" in error
    assert ":7:" in error


def test_duplicate_key(tmp_path: Path, protocol: Protocol) -> None:
    (error,) = _errors(tmp_path, protocol, GOOD.replace("    title: fine\n", "    title: fine\n    title: again\n"))
    assert "duplicate key 'title'" in error
    assert ":4" in error


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "file is empty"),
        ("- just\n- a list\n", "is not of type 'object'"),
        ("scenarios: []\n", "should be non-empty"),
    ],
)
def test_degenerate_files(tmp_path: Path, protocol: Protocol, text: str, needle: str) -> None:
    (error,) = _errors(tmp_path, protocol, text)
    assert needle in error
    assert str(tmp_path / "s.yaml") in error


def test_invalid_base64(tmp_path: Path, protocol: Protocol) -> None:
    text = GOOD.replace("message: CapacitySignal, set: {timeout_ms: 99},", 'raw_base64: "***",')
    (error,) = _errors(tmp_path, protocol, text)
    assert "raw_base64 is not valid base64" in error


def test_not_utf8(tmp_path: Path, protocol: Protocol) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(b"scenarios: \xff\xfe\n")
    (error,) = [str(e) for e in load_scenarios(protocol, [path]).errors]
    assert "not UTF-8" in error


def test_step_judging_nothing_must_name_its_ids(tmp_path: Path, protocol: Protocol) -> None:
    text = GOOD.replace("covers: [BP-CS-05]", "covers: [BP-HTTP-02]").replace(
        "set: {timeout_ms: 99}, expect: reject", "expect: accept"
    )
    (error,) = _errors(tmp_path, protocol, text)
    assert "judges nothing" in error


def test_one_bad_file_does_not_hide_the_good_one(tmp_path: Path, protocol: Protocol) -> None:
    good, bad = tmp_path / "a.yaml", tmp_path / "b.yaml"
    good.write_text(GOOD)
    bad.write_text("scenarios: [")
    loaded = load_scenarios(protocol, [good, bad])
    assert len(loaded.scenarios) == 1
    assert len(loaded.errors) == 1
