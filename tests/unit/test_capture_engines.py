"""Differential test: every engine of ``check`` gives the same verdict on every message.

The corpus is generated (valid messages and messages broken in many ways) plus hand-picked
edge cases. Engines: ``msgspec`` (fast path in C), ``python`` (compiled closures), ``jsonschema``
(no fast path). They must agree on the set of violated requirement ids for every message; the
closure-compiled schemas must find exactly the errors ``jsonschema`` finds; and schema validity
must match the naive loop (plain ``jsonschema`` per message) except where the naive loop is
wrong by the spec, each such case named below.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from benchmarks.capture_corpus import lines
from validator.offline.engine import make_judge
from validator.offline.judge import MessageJudge
from validator.protocol import Protocol
from validator.schemas import message_schema, message_validator

BASE = {
    "action": "CapacitySignal",
    "version": "1.0",
    "producer_id": "p-1",
    "consumer_id": "c_1",
    "requested_rate": 100,
    "priority_level": 0,
    "timeout_ms": 5000,
    "timestamp": 1_764_800_000_000,
}
FC = {
    "action": "FlowControl",
    "version": "1.0",
    "producer_id": "p-1",
    "consumer_id": "c_1",
    "recommended_rate": 500,
    "current_load": 60,
    "max_capacity": 1000,
    "backpressure_level": 1,
    "reason": "busy",
    "apply_immediately": False,
    "timestamp": 1_764_800_000_000,
}


def _edge_cases() -> list[str]:
    def with_(base: dict[str, Any], **changes: Any) -> str:
        return json.dumps({**base, **changes})

    raw = [
        with_(BASE, producer_id="abc\n"),  # Python's $ passes it; the spec's alphabet has no newline
        with_(BASE, producer_id="abc\r"),
        with_(BASE, producer_id="x" * 256),
        with_(BASE, producer_id="x" * 257),
        with_(BASE, producer_id=""),
        with_(BASE, producer_id="ünïcode"),
        with_(BASE, requested_rate=5.0),  # an integer to JSON Schema, with a note
        with_(BASE, requested_rate=1e3),
        with_(BASE, requested_rate=2**70),  # beyond 64 bits
        with_(BASE, requested_rate=-(2**70)),
        with_(BASE, timestamp=2**64),
        with_(BASE, timestamp=99_999_999_999),  # just below milliseconds
        with_(BASE, timestamp=100_000_000_000),
        with_(BASE, timestamp=99_999_999_999_999),
        with_(BASE, timestamp=100_000_000_000_000),
        with_(BASE, priority_level=True),
        with_(BASE, priority_level=1.0),
        with_(BASE, priority_level=None),
        with_(BASE, timeout_ms=100),
        with_(BASE, timeout_ms=30000),
        with_(BASE, timeout_ms=30001),
        with_(BASE, extra={"nested": [1, 2]}),
        with_(BASE, version=1.0),
        with_(FC, recommended_rate=1000, current_load=49, backpressure_level=0),
        with_(FC, recommended_rate=1000, current_load=50, backpressure_level=0),
        with_(FC, recommended_rate=0, current_load=95, backpressure_level=1),
        with_(FC, recommended_rate=0, current_load=100, backpressure_level=2, apply_immediately=True),
        with_(FC, max_capacity=0, recommended_rate=0, current_load=0, backpressure_level=0),
        with_(FC, reason="r" * 257),
        with_(FC, current_load=-0.0),
        '{"action": "CapacitySignal", "version": "1.0", "version": "2.0"}',  # duplicate keys: the last wins
        '{"action": "FlowControl", "timestamp": NaN}',
        '{"action": "FlowControl", "timestamp": Infinity}',
        "",
        "   ",
        "null",
        '"CapacitySignal"',
        "{",
        '{"action": "CapacitySignal"} trailing',
        b'{"action": "Capacity\xffSignal"}'.decode("latin-1"),
    ]
    return raw


CORPUS = [*_edge_cases(), *lines(6000, invalid_share=0.4, seed=7)]


def _verdict(judge: MessageJudge, raw: bytes) -> frozenset[str] | None:
    """None for a message the fast path called clean, else the violated ids."""
    if judge.clean_bytes(raw) is not None:
        return None
    if not raw.strip():
        return frozenset({"(blank)"})
    return judge.judge_bytes(raw).violated


@pytest.fixture(scope="module")
def judges(protocol: Protocol) -> dict[str, MessageJudge]:
    out = {"python": make_judge(protocol, "python"), "jsonschema": make_judge(protocol, "jsonschema")}
    try:
        import msgspec  # noqa: F401
    except ImportError:
        return out
    out["msgspec"] = make_judge(protocol, "msgspec")
    assert out["msgspec"].engine == "msgspec"
    return out


def test_engines_give_identical_verdicts(judges: dict[str, MessageJudge]) -> None:
    reference = judges["jsonschema"]
    disagreements = []
    clean = {name: 0 for name in judges}
    for text in CORPUS:
        raw = text.encode("utf-8", errors="surrogateescape") if isinstance(text, str) else text
        want = _verdict(reference, raw) or frozenset()
        for name, judge in judges.items():
            got = _verdict(judge, raw)
            if got is None:
                clean[name] += 1
                got = frozenset()
            if got != want:
                disagreements.append((name, text[:120], sorted(got), sorted(want)))
    assert disagreements == []
    # the fast paths really take most valid messages (a fast path that never says clean would pass too)
    for name in ("python", "msgspec"):
        if name in judges:
            assert clean[name] > len(CORPUS) * 0.4, (name, clean[name])


def test_fast_clean_means_no_finding_at_all(judges: dict[str, MessageJudge]) -> None:
    """What a fast path calls clean has no violation and no note under the full checks."""
    for name in ("python", "msgspec"):
        judge = judges.get(name)
        if judge is None:
            continue
        for text in CORPUS:
            raw = text.encode()
            if judge.clean_bytes(raw) is not None:
                assert judge.judge_bytes(raw).issues == (), (name, text)


def test_compiled_schemas_find_exactly_the_jsonschema_errors(protocol: Protocol) -> None:
    for text in CORPUS:
        try:
            value = json.loads(text)
        except ValueError:
            continue
        if not isinstance(value, dict) or value.get("action") not in ("CapacitySignal", "FlowControl", "MetricsReport"):
            continue
        kind = value["action"]
        fast = message_validator(protocol.schemas_dir, kind, "compiled")
        exact = message_validator(protocol.schemas_dir, kind, "jsonschema")
        got = sorted((e.validator, tuple(map(str, e.path))) for e in fast.iter_errors(value))
        want = sorted((e.validator, tuple(map(str, e.path))) for e in exact.iter_errors(value))
        assert got == want, text


# Where the naive loop (jsonschema as shipped, Python regular expressions) is wrong by the spec.
def _naive_is_wrong(value: dict[str, Any]) -> str | None:
    for key in ("producer_id", "consumer_id", "flow_name"):
        item = value.get(key)
        if isinstance(item, str) and item.endswith("\n") and "\n" not in item[:-1]:
            return "trailing newline passes '$' under Python's re"
    return None


def test_schema_validity_matches_the_naive_loop_except_named_cases(protocol: Protocol) -> None:
    naive = {
        kind: Draft202012Validator(message_schema(protocol.schemas_dir, kind))
        for kind in ("CapacitySignal", "FlowControl", "MetricsReport")
    }
    named: dict[str, int] = {}
    for text in CORPUS:
        try:
            value = json.loads(text)
        except ValueError:
            continue
        if not isinstance(value, dict) or value.get("action") not in naive:
            continue
        kind = value["action"]
        ours = message_validator(protocol.schemas_dir, kind, "compiled").is_valid(value)
        theirs = naive[kind].is_valid(value)
        if ours != theirs:
            why = _naive_is_wrong(value)
            assert why is not None and theirs and not ours, text
            named[why] = named.get(why, 0) + 1
    assert named.get("trailing newline passes '$' under Python's re", 0) >= 1


def test_without_the_msgspec_wheel_auto_falls_back_to_python() -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = (
        "import sys\n"
        "sys.modules['msgspec'] = None  # as if the wheel were missing\n"
        "from validator.offline.judge import available_engine\n"
        "from validator.offline.engine import make_judge\n"
        "from validator.protocol import load_protocol\n"
        "print(available_engine('auto'), make_judge(load_protocol(), 'auto').engine)\n"
        "try:\n    available_engine('msgspec')\nexcept ValueError as exc:\n    print(exc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    first, second = proc.stdout.splitlines()
    assert first == "python python"
    assert "needs the msgspec package" in second


def test_written_out_flowcontrol_rule_agrees_with_the_algorithm() -> None:
    from validator.checks.backpressure.algorithm import tier_rate
    from validator.checks.backpressure.capture import flowcontrol_clean

    for load in range(101):
        for capacity in (0, 1, 3, 7, 100, 1001):
            for rate in {0, 1, capacity // 4, capacity // 2, capacity, capacity + 1}:
                for level in (0, 1, 2):
                    want = rate <= capacity and rate <= tier_rate(load, capacity)
                    want = want and (level == 0 if load < 50 else level == 2 if load >= 95 else True)
                    assert flowcontrol_clean(load, capacity, rate, level) == want, (load, capacity, rate, level)
