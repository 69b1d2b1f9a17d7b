"""Fairness between producers on one consumer (BP-FAIR-*), judged over one step's answers."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from validator.checks.base import CheckContext, Issue, json_int, received_message
from validator.model import Exchange

DEFAULT_TOLERANCE_PCT = 10.0


def _shares(pairs: Sequence[tuple[Exchange, CheckContext]]) -> list[tuple[dict[str, Any], dict[str, Any]]] | None:
    """(signal sent, FlowControl received) for every answered exchange, if all answered with integer rates."""
    out = []
    for exchange, ctx in pairs:
        msg = received_message(exchange, ctx)
        sent = exchange.message_sent
        if msg is None or not isinstance(sent, dict) or json_int(msg.get("recommended_rate")) is None:
            return None
        out.append((sent, msg))
    return out if len(out) >= 2 else None


def check_sum_within_capacity(pairs: Sequence[tuple[Exchange, CheckContext]]) -> Iterable[Issue] | None:
    """The rates given to the producers of one consumer add up to no more than its max_capacity."""
    shares = _shares(pairs)
    if shares is None:
        return None
    total = sum(json_int(fc["recommended_rate"]) or 0 for _, fc in shares)
    capacity = min(json_int(fc.get("max_capacity")) or 0 for _, fc in shares)
    if total > capacity:
        detail = ", ".join(f"{s['producer_id']}={fc['recommended_rate']}" for s, fc in shares)
        return [
            Issue(
                requirement_id="BP-FAIR-01",
                message=f"{len(shares)} active producers were given {total} items/s in all ({detail})",
                expected=f"≤ max_capacity {capacity}",
                actual=str(total),
            )
        ]
    return []


def check_proportional(pairs: Sequence[tuple[Exchange, CheckContext]]) -> Iterable[Issue] | None:
    """Equal-priority producers get rates proportional to their requested_rate (within the tolerance)."""
    shares = _shares(pairs)
    if shares is None or len({s.get("priority_level") for s, _ in shares}) != 1:
        return None
    tolerance = float(pairs[0][1].extra.get("fair_tolerance_pct", DEFAULT_TOLERANCE_PCT)) / 100
    total_rate = sum(json_int(fc["recommended_rate"]) or 0 for _, fc in shares)
    total_req = sum(int(s["requested_rate"]) for s, _ in shares)
    issues = []
    for sent, fc in shares:
        want = total_rate * int(sent["requested_rate"]) / total_req
        got = json_int(fc["recommended_rate"]) or 0
        if abs(got - want) > max(tolerance * want, 1):
            issues.append(
                Issue(
                    requirement_id="BP-FAIR-02",
                    message=f"{sent['producer_id']} asked for "
                    f"{sent['requested_rate']} of {total_req} requested and got {got} of {total_rate} given",
                    expected=f"{want:.0f} ± {max(tolerance * want, 1):.0f}",
                    actual=str(got),
                )
            )
    return issues


def check_priority_order(pairs: Sequence[tuple[Exchange, CheckContext]]) -> Iterable[Issue] | None:
    """For equal requests, a higher priority_level never gets less than a lower one."""
    shares = _shares(pairs)
    if shares is None or len({int(s["requested_rate"]) for s, _ in shares}) != 1:
        return None
    ranked = sorted(shares, key=lambda pair: int(pair[0].get("priority_level", 0)))
    issues = []
    for (low, low_fc), (high, high_fc) in itertools.pairwise(ranked):
        if high.get("priority_level") == low.get("priority_level"):
            continue
        if (json_int(high_fc["recommended_rate"]) or 0) < (json_int(low_fc["recommended_rate"]) or 0):
            issues.append(
                Issue(
                    requirement_id="BP-FAIR-03",
                    message=f"priority {high['priority_level']} got "
                    f"{high_fc['recommended_rate']}, less than priority {low['priority_level']} "
                    f"({low_fc['recommended_rate']}) for the same request",
                    expected=f"≥ {low_fc['recommended_rate']}",
                    actual=str(high_fc["recommended_rate"]),
                )
            )
    return issues
