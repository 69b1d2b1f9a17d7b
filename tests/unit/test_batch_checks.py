"""Checks over a step's exchanges together: latency budget and fairness, each passing and failing."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tests.unit.exchanges import context, exchange, flow_control
from validator.checks import BATCH_CHECKS
from validator.checks.batch import percentile
from validator.model import FindingKind


def timed(latencies: list[float], wire_share: float = 0.99, lag: float = 0.0) -> list[Any]:
    pairs = []
    for ms in latencies:
        ex = replace(exchange(body=flow_control()), elapsed_ms=ms, wire_ms=ms * wire_share, lag_ms=lag)
        pairs.append((ex, context(ex, judges=("BP-RSP-01",))))
    return pairs


def judged(result: Any) -> list[Any]:
    assert result is not None, "the check judged nothing"
    return list(result)


def kinds(issues: Any) -> dict[FindingKind, set[str]]:
    out: dict[FindingKind, set[str]] = {}
    for issue in issues:
        out.setdefault(issue.kind, set()).add(issue.requirement_id)
    return out


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile([5.0], 99) == 5


def test_latency_within_budget_passes_with_the_distribution_noted() -> None:
    issues = list(BATCH_CHECKS["latency-budget"].func(timed([2.0] * 59 + [40.0])) or [])
    assert kinds(issues) == {FindingKind.NOTE: {"BP-RSP-01"}}
    assert "p99=40.0 ms" in issues[0].message


def test_slow_target_is_a_violation() -> None:
    issues = BATCH_CHECKS["latency-budget"].func(timed([2.0] * 50 + [150.0] * 10)) or []
    assert kinds(issues)[FindingKind.VIOLATION] == {"BP-RSP-01"}


def test_slow_target_stays_a_violation_even_when_the_validator_queued() -> None:
    # Slow answers pile up requests in the validator too, but the wire time alone is over budget.
    issues = BATCH_CHECKS["latency-budget"].func(timed([300.0] * 60, wire_share=0.5)) or []
    assert kinds(issues)[FindingKind.VIOLATION] == {"BP-RSP-01"}


def test_slow_validator_is_an_error_not_a_verdict() -> None:
    # The target answered in 45 ms once each request was on the wire; the rest was the validator's own delay.
    issues = BATCH_CHECKS["latency-budget"].func(timed([150.0] * 60, wire_share=0.3)) or []
    got = kinds(issues)
    assert got[FindingKind.ERROR] == {"BP-RSP-01"}
    assert FindingKind.VIOLATION not in got


def test_unanswered_requests_fail_the_latency_budget() -> None:
    pairs = timed([2.0] * 10)
    ex = exchange(status=None)
    pairs.append((ex, context(ex, judges=("BP-RSP-01",))))
    assert kinds(BATCH_CHECKS["latency-budget"].func(pairs) or [])[FindingKind.VIOLATION] == {"BP-RSP-01"}


def fair(rates: list[tuple[int, int, int]], capacity: int = 1000) -> list[Any]:
    """(requested, priority, granted) per producer."""
    pairs = []
    for n, (requested, priority, granted) in enumerate(rates):
        sent = {"producer_id": f"p{n}", "consumer_id": "c1", "requested_rate": requested, "priority_level": priority}
        ex = exchange(
            body=flow_control(producer_id=f"p{n}", recommended_rate=granted, max_capacity=capacity), sent=sent
        )
        pairs.append((ex, context(ex, sole_producer=False)))
    return pairs


def test_fair_sum() -> None:
    assert judged(BATCH_CHECKS["fair-sum"].func(fair([(100, 0, 100), (300, 0, 300), (600, 0, 600)]))) == []
    issues = list(BATCH_CHECKS["fair-sum"].func(fair([(100, 0, 1000), (300, 0, 1000)])) or [])
    assert {i.requirement_id for i in issues} == {"BP-FAIR-01"}


def test_fair_proportional() -> None:
    good = fair([(100, 0, 100), (300, 0, 305), (600, 0, 595)])
    assert judged(BATCH_CHECKS["fair-proportional"].func(good)) == []
    equal = fair([(100, 0, 333), (300, 0, 333), (600, 0, 333)])
    issues = list(BATCH_CHECKS["fair-proportional"].func(equal) or [])
    assert {i.requirement_id for i in issues} == {"BP-FAIR-02"}
    mixed_priorities = fair([(100, 0, 500), (300, 2, 500)])
    assert BATCH_CHECKS["fair-proportional"].func(mixed_priorities) is None


def test_fair_priority() -> None:
    assert judged(BATCH_CHECKS["fair-priority"].func(fair([(500, 0, 400), (500, 2, 600)]))) == []
    issues = list(BATCH_CHECKS["fair-priority"].func(fair([(500, 0, 600), (500, 2, 400)])) or [])
    assert {i.requirement_id for i in issues} == {"BP-FAIR-03"}
    assert BATCH_CHECKS["fair-priority"].func(fair([(100, 0, 100), (300, 2, 300)])) is None
