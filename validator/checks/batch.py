"""Checks over all the exchanges of one step together: latency distributions."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from validator.checks.base import CheckContext, Issue
from validator.model import Exchange, FindingKind

DEFAULT_LATENCY_BUDGET_MS = 100.0


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: a reported p99 is a latency that really happened)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def distribution(values: Sequence[float]) -> str:
    """p50/p90/p99/max of a list of milliseconds, as text."""
    return (
        f"n={len(values)} p50={percentile(values, 50):.1f} ms p90={percentile(values, 90):.1f} ms "
        f"p99={percentile(values, 99):.1f} ms max={max(values):.1f} ms"
    )


def check_latency_budget(pairs: Sequence[tuple[Exchange, CheckContext]]) -> Iterable[Issue] | None:
    """The step's p99 latency is under the budget; when it is not, the validator's own overhead decides
    whether the target is to blame (a violation) or the measurement is not trustworthy (an error)."""
    if not pairs:
        return None
    ctx = pairs[0][1]
    budget = float(ctx.extra.get("latency_budget_ms", DEFAULT_LATENCY_BUDGET_MS))
    answered = [ex for ex, _ in pairs if ex.response is not None]
    issues: list[Issue] = []
    if len(answered) < len(pairs):
        for rid in ctx.judges:
            issues.append(
                Issue(
                    requirement_id=rid,
                    message=f"{len(pairs) - len(answered)} of {len(pairs)} requests got no answer",
                    expected="an answer to every request",
                    actual=f"{len(answered)} answers",
                )
            )
    if not answered:
        return issues
    latencies = [ex.elapsed_ms for ex in answered]
    wire = [ex.wire_ms for ex in answered if ex.wire_ms is not None]
    overhead = [ex.elapsed_ms - ex.wire_ms for ex in answered if ex.wire_ms is not None]
    lag = [ex.lag_ms for ex in answered]
    p99 = percentile(latencies, 99)
    summary = f"latency {distribution(latencies)}"
    client = ""
    if wire:
        client = (
            f"on the wire p99={percentile(wire, 99):.1f} ms, validator overhead "
            f"p99={percentile(overhead, 99):.2f} ms, send lag p99={percentile(lag, 99):.2f} ms"
        )
    for rid in ctx.judges:
        issues.append(
            Issue(
                requirement_id=rid,
                kind=FindingKind.NOTE,
                message=f"{summary}; {client}".rstrip("; "),
                expected=f"p99 < {budget:g} ms",
                actual=f"p99 = {p99:.1f} ms",
            )
        )
        if p99 < budget:
            continue
        # The time between the request being sent and the response headers arriving is the target's (and the
        # network's) alone: when that is within budget, the rest of the latency was spent in the validator.
        if wire and percentile(wire, 99) < budget:
            issues.append(
                Issue(
                    requirement_id=rid,
                    kind=FindingKind.ERROR,
                    message=f"p99 {p99:.1f} ms is over budget, but the target answered within budget "
                    f"once each request was on the wire ({client}): the validator was the bottleneck; "
                    "not judged — rerun on a quieter machine",
                    expected=f"p99 < {budget:g} ms",
                    actual=f"p99 = {p99:.1f} ms",
                )
            )
        else:
            issues.append(
                Issue(
                    requirement_id=rid,
                    message=f"p99 latency {p99:.1f} ms is over the budget ({summary})",
                    expected=f"p99 < {budget:g} ms",
                    actual=f"p99 = {p99:.1f} ms",
                )
            )
    return issues
