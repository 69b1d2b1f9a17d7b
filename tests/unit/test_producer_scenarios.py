"""Producer scenarios: the validator's scripted answers conform themselves; broken files are file:line errors."""

from __future__ import annotations

from pathlib import Path

from validator.checks.backpressure.algorithm import tier_rate
from validator.loader import load_scenarios
from validator.model import Scenario
from validator.producer.harness import Harness, Scripted
from validator.protocol import Protocol
from validator.schemas import message_validator

SIGNAL = {"producer_id": "p-1", "consumer_id": "c-1"}


def test_every_scripted_flowcontrol_conforms(protocol: Protocol, scenarios: tuple[Scenario, ...]) -> None:
    harness = Harness(protocol)
    try:
        validator = message_validator(protocol.schemas_dir, "FlowControl")
        seen = 0
        for scenario in (s for s in scenarios if s.role == "producer"):
            for step in scenario.steps:
                if step.action != "answer" or step.answer.get("status", 200) != 200:
                    continue
                harness.script(step.endpoint, Scripted(set_fields=dict(step.answer.get("set", {}))))
                status, _, body = harness.answer(step.endpoint, SIGNAL)
                where = f"{scenario.source}:{step.line}"
                assert status == 200
                assert list(validator.iter_errors(body)) == [], where
                load, cap = body["current_load"], body["max_capacity"]
                assert body["recommended_rate"] == tier_rate(load, cap), where
                if load < 50:
                    assert body["backpressure_level"] == 0, where
                if load >= 95:
                    assert body["backpressure_level"] == 2, where
                assert (body["producer_id"], body["consumer_id"]) == ("p-1", "c-1")
                seen += 1
        assert seen >= 5
    finally:
        harness.server.server_close()


def _errors(tmp_path: Path, protocol: Protocol, text: str) -> list[str]:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return [str(e) for e in load_scenarios(protocol, [path]).errors]


HEAD = "scenarios:\n  - id: backpressure/producer/x\n    title: t\n"


def test_unknown_producer_check_is_named_with_its_line(tmp_path: Path, protocol: Protocol) -> None:
    errors = _errors(
        tmp_path,
        protocol,
        HEAD + "    role: producer\n    covers: [BP-PR-04]\n    checks: [producer-psychic]\n"
        "    steps:\n      - {answer: capacity, for: 1}\n",
    )
    assert any("p.yaml:6" in e and "unknown producer check 'producer-psychic'" in e for e in errors), errors


def test_producer_scenario_covering_what_nothing_judges(tmp_path: Path, protocol: Protocol) -> None:
    errors = _errors(
        tmp_path,
        protocol,
        HEAD + "    role: producer\n    covers: [BP-PR-08]\n    steps:\n      - {answer: capacity, for: 1}\n",
    )
    assert any("covers BP-PR-08 but no check of the producer scenario judges it" in e for e in errors), errors


def test_send_steps_in_a_producer_scenario_and_answers_in_a_controller_one(tmp_path: Path, protocol: Protocol) -> None:
    send = _errors(
        tmp_path,
        protocol,
        HEAD + "    role: producer\n    covers: [BP-PR-01]\n    steps:\n"
        "      - {send: capacity, message: CapacitySignal, expect: accept}\n",
    )
    assert any("p.yaml:7" in e and "only answer and wait steps" in e for e in send), send
    answer = _errors(
        tmp_path, protocol, HEAD + "    covers: [BP-CS-01]\n    steps:\n      - {answer: capacity, for: 1}\n"
    )
    assert any("p.yaml:6" in e and "answer steps belong to producer scenarios" in e for e in answer), answer


def test_answer_for_an_endpoint_the_validator_does_not_serve(tmp_path: Path, protocol: Protocol) -> None:
    errors = _errors(
        tmp_path,
        protocol,
        HEAD + "    role: producer\n    covers: [BP-PR-01]\n    steps:\n      - {answer: health, for: 1}\n",
    )
    assert any("does not answer 'health'" in e for e in errors), errors


def test_answer_without_duration_is_a_schema_error(tmp_path: Path, protocol: Protocol) -> None:
    errors = _errors(
        tmp_path,
        protocol,
        HEAD + "    role: producer\n    covers: [BP-PR-01]\n    steps:\n      - {answer: capacity}\n",
    )
    assert errors and "p.yaml:" in errors[0]
