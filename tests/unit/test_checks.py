"""Every check passes on a conforming exchange and fails on a broken one (table-driven)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.exchanges import DROP, JSON_HEADERS, NOW_MS, context, exchange, flow_control
from validator.checks import EXCHANGE_CHECKS, SCENARIO_CHECKS
from validator.checks.backpressure.algorithm import tier_rate
from validator.model import FindingKind

TEXT = (("Content-Type", "text/plain"),)
ERR = {"error": "timeout_ms must be an integer from 100 to 30000"}
REJECT = {"expect": "reject", "judges": ("BP-CS-05",)}

# (check, case, exchange kwargs, context kwargs, violated ids; None = the check judged nothing)
CASES: list[tuple[str, str, dict[str, Any], dict[str, Any], set[str] | None]] = [
    ("expectation", "accept-200", {"body": flow_control()}, {}, set()),
    ("expectation", "accept-400", {"status": 400, "body": ERR}, {}, {"BP-CS-01"}),
    ("expectation", "accept-no-answer", {"status": None}, {}, {"BP-CS-01"}),
    ("expectation", "reject-400", {"status": 400, "body": ERR}, REJECT, set()),
    ("expectation", "reject-429", {"status": 429, "body": ERR}, REJECT, set()),
    ("expectation", "reject-got-200", {"body": flow_control()}, REJECT, {"BP-CS-05"}),
    ("expectation", "reject-got-500", {"status": 500, "body": ERR}, REJECT, {"BP-CS-05"}),
    ("expectation", "reject-got-404", {"status": 404, "body": {"error": "no such path"}}, REJECT, {"BP-CS-05"}),
    ("expectation", "reject-got-405", {"status": 405, "body": {"error": "use POST"}}, REJECT, {"BP-CS-05"}),
    ("expectation", "reject-hang", {"status": None}, REJECT, {"BP-CS-05"}),
    ("expectation", "reject-dropped", {"status": None, "error_kind": "dropped"}, REJECT, {"BP-CS-05"}),
    ("expectation", "either-200", {"body": flow_control()}, {"expect": "either", "judges": ("BP-CS-09",)}, set()),
    ("expectation", "either-400", {"status": 400, "body": ERR}, {"expect": "either", "judges": ("BP-CS-09",)}, set()),
    (
        "expectation",
        "either-503",
        {"status": 503, "body": ERR},
        {"expect": "either", "judges": ("BP-CS-09",)},
        {"BP-CS-09"},
    ),
    (
        "expectation",
        "status-405",
        {"status": 405, "body": ERR},
        {"expect": "status", "statuses": ("405",), "judges": ("BP-HTTP-03",)},
        set(),
    ),
    (
        "expectation",
        "status-404",
        {"status": 404, "body": ERR},
        {"expect": "status", "statuses": ("405",), "judges": ("BP-HTTP-03",)},
        {"BP-HTTP-03"},
    ),
    (
        "expectation",
        "status-class-4xx",
        {"status": 400, "body": ERR},
        {"expect": "status", "statuses": ("4xx",), "prefer": 413, "judges": ("BP-HTTP-05",)},
        set(),
    ),
    (
        "expectation",
        "status-class-2xx",
        {"body": flow_control()},
        {"expect": "status", "statuses": ("4xx",), "judges": ("BP-HTTP-05",)},
        {"BP-HTTP-05"},
    ),
    ("expectation", "no-expectation", {"body": flow_control()}, {"expect": None}, None),
    ("rejection-has-reason", "error", {"status": 400, "body": ERR}, REJECT, set()),
    ("rejection-has-reason", "reason", {"status": 400, "body": {"reason": "bad"}}, REJECT, set()),
    ("rejection-has-reason", "empty", {"status": 400, "body": {"error": "  "}}, REJECT, {"BP-ERR-01"}),
    (
        "rejection-has-reason",
        "not-json",
        {"status": 400, "raw": b"bad request", "headers": TEXT},
        REJECT,
        {"BP-ERR-01"},
    ),
    ("rejection-has-reason", "non-string", {"status": 400, "body": {"error": 42}}, REJECT, {"BP-ERR-01"}),
    ("rejection-has-reason", "not-a-rejection", {"body": flow_control()}, REJECT, None),
    ("rejection-is-json", "json", {"status": 400, "body": ERR}, REJECT, set()),
    (
        "rejection-is-json",
        "charset-param",
        {"status": 400, "body": ERR, "headers": (("Content-Type", "application/json; charset=utf-8"),)},
        REJECT,
        set(),
    ),
    ("rejection-is-json", "text-plain", {"status": 400, "raw": b"error", "headers": TEXT}, REJECT, {"BP-ERR-03"}),
    ("rejection-is-json", "labelled-but-broken", {"status": 400, "raw": b"{error"}, REJECT, {"BP-ERR-03"}),
    ("success-is-json", "json", {"body": flow_control()}, {}, set()),
    ("success-is-json", "text", {"raw": b"{}", "headers": TEXT}, {}, {"BP-HTTP-02"}),
    ("success-is-json", "no-content-type", {"raw": b"{}", "headers": ()}, {}, {"BP-HTTP-02"}),
    ("success-is-json", "error-not-judged", {"status": 400, "body": ERR}, {}, None),
    ("health-body", "healthy", {"body": {"status": "healthy", "uptime": 3}}, {"response_type": None}, set()),
    ("health-body", "404", {"status": 404, "body": ERR}, {"response_type": None}, {"BP-HTTP-04"}),
    ("health-body", "no-status", {"body": {"ok": True}}, {"response_type": None}, {"BP-HTTP-04"}),
    ("health-body", "no-answer", {"status": None}, {"response_type": None}, {"BP-HTTP-04"}),
    ("message-schema", "complete", {"body": flow_control()}, {}, set()),
    ("message-schema", "missing-reason", {"body": flow_control(reason=DROP)}, {}, {"BP-ENV-05", "BP-FC-01"}),
    ("message-schema", "string-rate", {"body": flow_control(recommended_rate="1000")}, {}, {"BP-ENV-05", "BP-FC-01"}),
    ("message-schema", "bool-load", {"body": flow_control(current_load=True)}, {}, {"BP-ENV-05", "BP-FC-01"}),
    ("message-schema", "fraction", {"body": flow_control(max_capacity=1000.5)}, {}, {"BP-ENV-05", "BP-FC-01"}),
    ("message-schema", "rejection-not-judged", {"status": 400, "body": ERR}, {}, None),
    ("message-valid", "complete", {"body": flow_control()}, {"judges": ("BP-PR-01",)}, set()),
    (
        "message-valid",
        "out-of-range",
        {"body": flow_control(current_load=101)},
        {"judges": ("BP-PR-01",)},
        {"BP-PR-01"},
    ),
    (
        "metrics-latency-order",
        "ordered",
        {"body": {"latency_p50_ms": 3, "latency_p99_ms": 30}},
        {"response_type": "MetricsReport"},
        set(),
    ),
    (
        "metrics-latency-order",
        "inverted",
        {"body": {"latency_p50_ms": 30, "latency_p99_ms": 3}},
        {"response_type": "MetricsReport"},
        {"BP-PR-07"},
    ),
    ("metrics-latency-order", "not-metrics", {"body": flow_control()}, {}, None),
    ("message-valid", "nothing-to-judge", {"body": flow_control()}, {"judges": ()}, None),
    ("envelope-action", "ok", {"body": flow_control()}, {}, set()),
    ("envelope-action", "wrong-case", {"body": flow_control(action="flowcontrol")}, {}, {"BP-ENV-01"}),
    ("envelope-action", "missing", {"body": flow_control(action=DROP)}, {}, {"BP-ENV-01"}),
    (
        "envelope-action",
        "html",
        {"raw": b"<html>ok</html>", "headers": (("Content-Type", "text/html"),)},
        {},
        {"BP-ENV-01"},
    ),
    ("envelope-action", "array", {"body": [flow_control()]}, {}, {"BP-ENV-01"}),
    ("envelope-version", "ok", {"body": flow_control()}, {}, set()),
    ("envelope-version", "number", {"body": flow_control(version=1.0)}, {}, {"BP-ENV-02"}),
    ("envelope-version", "other", {"body": flow_control(version="1.1")}, {}, {"BP-ENV-02"}),
    ("envelope-timestamp", "ok", {"body": flow_control()}, {}, set()),
    ("envelope-timestamp", "iso", {"body": flow_control(timestamp="2025-10-15T12:00:00Z")}, {}, {"BP-ENV-03"}),
    ("envelope-timestamp", "negative", {"body": flow_control(timestamp=-1)}, {}, {"BP-ENV-03"}),
    ("envelope-timestamp", "bool", {"body": flow_control(timestamp=True)}, {}, {"BP-ENV-03"}),
    ("envelope-timestamp", "missing", {"body": flow_control(timestamp=DROP)}, {}, {"BP-ENV-03"}),
    ("timestamp-plausible", "ok", {"body": flow_control()}, {}, set()),
    ("timestamp-plausible", "within-skew", {"body": flow_control(timestamp=NOW_MS - 200_000)}, {}, set()),
    ("timestamp-plausible", "seconds", {"body": flow_control(timestamp=NOW_MS // 1000)}, {}, {"BP-ENV-04"}),
    ("timestamp-plausible", "microseconds", {"body": flow_control(timestamp=NOW_MS * 1000)}, {}, {"BP-ENV-04"}),
    ("timestamp-plausible", "skewed", {"body": flow_control(timestamp=NOW_MS + 400_000)}, {}, {"BP-ENV-04"}),
    (
        "timestamp-plausible",
        "skew-widened",
        {"body": flow_control(timestamp=NOW_MS + 400_000)},
        {"skew_ms": 600_000},
        set(),
    ),
    ("id-alphabet", "ok", {"body": flow_control(producer_id="A-z_09")}, {}, set()),
    ("id-alphabet", "256", {"body": flow_control(producer_id="p" * 256)}, {}, set()),
    ("id-alphabet", "257", {"body": flow_control(producer_id="p" * 257)}, {}, {"BP-ENV-06"}),
    ("id-alphabet", "space", {"body": flow_control(consumer_id="c 1")}, {}, {"BP-ENV-06"}),
    ("id-alphabet", "trailing-newline", {"body": flow_control(consumer_id="c1\n")}, {}, {"BP-ENV-06"}),
    ("id-alphabet", "empty", {"body": flow_control(consumer_id="")}, {}, {"BP-ENV-06"}),
    ("flowcontrol-echoes-ids", "ok", {"body": flow_control()}, {}, set()),
    ("flowcontrol-echoes-ids", "other-producer", {"body": flow_control(producer_id="controller")}, {}, {"BP-FC-02"}),
    ("flowcontrol-echoes-ids", "missing-consumer", {"body": flow_control(consumer_id=DROP)}, {}, {"BP-FC-02"}),
    (
        "flowcontrol-load-range",
        "100",
        {"body": flow_control(current_load=100, recommended_rate=0, backpressure_level=2)},
        {},
        set(),
    ),
    ("flowcontrol-load-range", "101", {"body": flow_control(current_load=101)}, {}, {"BP-FC-03"}),
    ("flowcontrol-load-range", "negative", {"body": flow_control(current_load=-1)}, {}, {"BP-FC-03"}),
    ("flowcontrol-load-range", "string", {"body": flow_control(current_load="50")}, {}, {"BP-FC-03"}),
    ("flowcontrol-level-range", "2", {"body": flow_control(backpressure_level=2)}, {}, set()),
    ("flowcontrol-level-range", "3", {"body": flow_control(backpressure_level=3)}, {}, {"BP-FC-04"}),
    ("flowcontrol-level-range", "bool", {"body": flow_control(backpressure_level=True)}, {}, {"BP-FC-04"}),
    ("flowcontrol-rate-bounds", "equal", {"body": flow_control(recommended_rate=1000)}, {}, set()),
    ("flowcontrol-rate-bounds", "zero", {"body": flow_control(recommended_rate=0)}, {}, set()),
    ("flowcontrol-rate-bounds", "above", {"body": flow_control(recommended_rate=1001)}, {}, {"BP-FC-05"}),
    ("flowcontrol-rate-bounds", "negative", {"body": flow_control(recommended_rate=-1)}, {}, {"BP-FC-05"}),
    ("flowcontrol-capacity", "zero", {"body": flow_control(max_capacity=0, recommended_rate=0)}, {}, set()),
    ("flowcontrol-capacity", "negative", {"body": flow_control(max_capacity=-1)}, {}, {"BP-FC-06"}),
    ("flowcontrol-capacity", "fraction", {"body": flow_control(max_capacity=10.5)}, {}, {"BP-FC-06"}),
    ("flowcontrol-reason", "ok", {"body": flow_control()}, {}, set()),
    ("flowcontrol-reason", "empty", {"body": flow_control(reason="")}, {}, {"BP-FC-07"}),
    ("flowcontrol-reason", "too-long", {"body": flow_control(reason="r" * 257)}, {}, {"BP-FC-07"}),
    ("flowcontrol-reason", "missing", {"body": flow_control(reason=DROP)}, {}, {"BP-FC-07"}),
    ("flowcontrol-apply-immediately", "true", {"body": flow_control(apply_immediately=True)}, {}, set()),
    ("flowcontrol-apply-immediately", "string", {"body": flow_control(apply_immediately="true")}, {}, {"BP-FC-08"}),
    ("flowcontrol-apply-immediately", "int", {"body": flow_control(apply_immediately=1)}, {}, {"BP-FC-08"}),
    ("algorithm-ceiling", "tier", {"body": flow_control(current_load=60, recommended_rate=500)}, {}, set()),
    ("algorithm-ceiling", "conservative", {"body": flow_control(current_load=60, recommended_rate=100)}, {}, set()),
    ("algorithm-ceiling", "over", {"body": flow_control(current_load=60, recommended_rate=501)}, {}, {"BP-ALG-01"}),
    ("algorithm-ceiling", "not-paused", {"body": flow_control(current_load=95, recommended_rate=1)}, {}, {"BP-ALG-01"}),
    ("algorithm-exact", "tier", {"body": flow_control(current_load=80, recommended_rate=250)}, {}, set()),
    ("algorithm-exact", "lower", {"body": flow_control(current_load=80, recommended_rate=200)}, {}, {"BP-ALG-02"}),
    (
        "algorithm-exact",
        "shared-consumer",
        {"body": flow_control(current_load=80, recommended_rate=200)},
        {"sole_producer": False},
        None,
    ),
    ("algorithm-level", "low", {"body": flow_control(current_load=10, backpressure_level=0)}, {}, set()),
    ("algorithm-level", "middle-any", {"body": flow_control(current_load=60, backpressure_level=1)}, {}, set()),
    ("algorithm-level", "low-alert", {"body": flow_control(current_load=10, backpressure_level=1)}, {}, {"BP-ALG-03"}),
    (
        "algorithm-level",
        "full-not-critical",
        {"body": flow_control(current_load=95, backpressure_level=1, recommended_rate=0)},
        {},
        {"BP-ALG-03"},
    ),
    (
        "algorithm-tier",
        "tier",
        {"body": flow_control(current_load=79, recommended_rate=500)},
        {"state": (79, 1000)},
        set(),
    ),
    ("algorithm-tier", "ignored-state", {"body": flow_control()}, {"state": (79, 1000)}, {"BP-ALG-04"}),
    ("algorithm-tier", "rejected", {"status": 400, "body": ERR}, {"state": (79, 1000)}, {"BP-ALG-04"}),
    ("algorithm-tier", "no-state", {"body": flow_control()}, {}, None),
    (
        "rate-limit-response",
        "429-retry-after",
        {"status": 429, "body": ERR, "headers": (*JSON_HEADERS, ("Retry-After", "42"))},
        REJECT,
        set(),
    ),
    ("rate-limit-response", "429-no-retry-after", {"status": 429, "body": ERR}, REJECT, {"BP-RL-05"}),
    ("rate-limit-response", "400", {"status": 400, "body": ERR}, REJECT, {"BP-RL-05"}),
    ("rate-limit-response", "not-limited", {"body": flow_control()}, REJECT, None),
]


@pytest.mark.parametrize(
    ("check", "case", "ex_kwargs", "ctx_kwargs", "violated"), CASES, ids=[f"{c[0]}/{c[1]}" for c in CASES]
)
def test_check(
    check: str, case: str, ex_kwargs: dict[str, Any], ctx_kwargs: dict[str, Any], violated: set[str] | None
) -> None:
    ex = exchange(**ex_kwargs)
    result = EXCHANGE_CHECKS[check].func(ex, context(ex, **ctx_kwargs))
    if violated is None:
        assert result is None
        return
    assert result is not None
    issues = list(result)
    got = {i.requirement_id for i in issues if i.kind is FindingKind.VIOLATION}
    assert got == violated, [i.message for i in issues]
    for issue in issues:
        assert issue.message


def test_every_check_has_a_passing_and_a_failing_case() -> None:
    for name in EXCHANGE_CHECKS:
        outcomes = [c[4] for c in CASES if c[0] == name]
        assert any(o == set() for o in outcomes), f"{name} has no passing case"
        assert any(o for o in outcomes), f"{name} has no failing case"


def test_either_records_which_way_the_target_went() -> None:
    for status, word in ((200, "accepted"), (400, "rejected")):
        ex = exchange(status=status, body=ERR)
        issues = list(EXCHANGE_CHECKS["expectation"].func(ex, context(ex, expect="either", judges=("BP-CS-09",))) or [])
        assert [i.kind for i in issues] == [FindingKind.NOTE]
        assert word in issues[0].message


def test_every_producer_check_has_a_passing_and_a_failing_trace() -> None:
    """The producer checks are held to the same rule, in tests/unit/test_producer_checks.py."""
    from validator.checks import PRODUCER_CHECKS

    source = (Path(__file__).parent / "test_producer_checks.py").read_text()
    for name in PRODUCER_CHECKS:
        assert source.count(f'"{name}"') >= 2, f"{name} needs a passing and a failing trace"


def test_integral_float_in_emitted_message_passes_with_a_note() -> None:
    ex = exchange(body=flow_control(recommended_rate=1000.0))
    issues = list(EXCHANGE_CHECKS["message-schema"].func(ex, context(ex)) or [])
    assert [i.kind for i in issues] == [FindingKind.NOTE]
    assert "recommended_rate" in issues[0].message


def test_preferred_status_noted_when_another_is_allowed() -> None:
    ex = exchange(status=400, body=ERR)
    issues = list(
        EXCHANGE_CHECKS["expectation"].func(
            ex, context(ex, expect="status", statuses=("4xx",), prefer=413, judges=("BP-HTTP-05",))
        )
        or []
    )
    assert [(i.kind, i.expected) for i in issues] == [(FindingKind.NOTE, "413")]


@pytest.mark.parametrize(
    ("load", "capacity", "rate"),
    [
        (0, 1000, 1000),
        (49, 1000, 1000),
        (50, 1000, 500),
        (79, 1000, 500),
        (80, 1000, 250),
        (94, 1000, 250),
        (95, 1000, 0),
        (100, 1000, 0),
        (60, 1003, 501),
        (90, 1003, 250),
        (10, 0, 0),
    ],
)
def test_tier_rate(load: int, capacity: int, rate: int) -> None:
    assert tier_rate(load, capacity) == rate


def _pairs(points: list[tuple[int, int]]) -> list[Any]:
    out = []
    for load, level in points:
        ex = exchange(body=flow_control(current_load=load, backpressure_level=level, recommended_rate=0))
        out.append((ex, context(ex)))
    return out


def test_level_monotonic_passes_on_rising_levels() -> None:
    check = SCENARIO_CHECKS["algorithm-level-monotonic"]
    result = check.func(_pairs([(0, 0), (60, 0), (80, 1), (94, 1), (95, 2)]))
    assert result is not None
    assert list(result) == []


def test_level_monotonic_fails_when_level_falls() -> None:
    check = SCENARIO_CHECKS["algorithm-level-monotonic"]
    issues = list(check.func(_pairs([(0, 0), (60, 2), (80, 1)])) or [])
    assert {i.requirement_id for i in issues} == {"BP-ALG-03"}
    assert "fell from 2" in issues[0].message


def test_level_monotonic_needs_two_loads() -> None:
    assert SCENARIO_CHECKS["algorithm-level-monotonic"].func(_pairs([(10, 0), (10, 0)])) is None
