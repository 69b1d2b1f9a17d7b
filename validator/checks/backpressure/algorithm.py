"""Checks of the rate algorithm (BP-ALG-01 … BP-ALG-04), passive and through the state hook."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from validator.checks.base import CheckContext, Issue, json_int, received_message
from validator.model import Exchange


def tier_rate(load: int, capacity: int) -> int:
    """The rate the tiered algorithm gives for a load (percent) and capacity; division rounds down."""
    if load < 50:
        return capacity
    if load < 80:
        return capacity // 2
    if load < 95:
        return capacity // 4
    return 0


def _load_cap_rate(exchange: Exchange, ctx: CheckContext) -> tuple[int, int, int] | None:
    msg = received_message(exchange, ctx)
    if msg is None:
        return None
    load, cap, rate = (json_int(msg.get(k)) for k in ("current_load", "max_capacity", "recommended_rate"))
    if load is None or cap is None or rate is None or not 0 <= load <= 100 or cap < 0:
        return None  # domain errors are judged by the FlowControl checks
    return load, cap, rate


def check_ceiling(exchange: Exchange, ctx: CheckContext) -> Iterable[Issue] | None:
    """recommended_rate is never above the tiered value for the message's own load and capacity."""
    values = _load_cap_rate(exchange, ctx)
    if values is None:
        return None
    load, cap, rate = values
    limit = tier_rate(load, cap)
    if rate > limit:
        return [
            Issue(
                requirement_id="BP-ALG-01",
                message=f"rate {rate} is more permissive than the algorithm allows at load {load}% of {cap}",
                expected=f"≤ {limit}",
                actual=str(rate),
            )
        ]
    return []


def check_exact(exchange: Exchange, ctx: CheckContext) -> Iterable[Issue] | None:
    """For a single producer on a fresh consumer, recommended_rate equals the tiered value."""
    if not ctx.sole_producer:
        return None
    values = _load_cap_rate(exchange, ctx)
    if values is None:
        return None
    load, cap, rate = values
    want = tier_rate(load, cap)
    if rate != want:
        return [
            Issue(
                requirement_id="BP-ALG-02",
                message=f"sole producer got rate {rate}; the algorithm gives {want} at load {load}% of {cap}",
                expected=str(want),
                actual=str(rate),
            )
        ]
    return []


def _level_bounds(load: int) -> tuple[int, int]:
    if load < 50:
        return 0, 0
    if load >= 95:
        return 2, 2
    return 0, 2


def check_level(exchange: Exchange, ctx: CheckContext) -> Iterable[Issue] | None:
    """backpressure_level is 0 below 50 % load and 2 from 95 %."""
    msg = received_message(exchange, ctx)
    values = _load_cap_rate(exchange, ctx)
    if msg is None or values is None:
        return None
    level = json_int(msg.get("backpressure_level"))
    if level not in (0, 1, 2):
        return None  # judged by flowcontrol-level-range
    low, high = _level_bounds(values[0])
    if not low <= level <= high:
        want = str(low) if low == high else f"{low}..{high}"
        return [
            Issue(
                requirement_id="BP-ALG-03",
                message=f"level {level} at load {values[0]}%",
                expected=want,
                actual=str(level),
            )
        ]
    return []


def check_tier(exchange: Exchange, ctx: CheckContext) -> Iterable[Issue] | None:
    """After the state hook set load and capacity, the rate is the tiered value for that state."""
    if ctx.consumer_state is None:
        return None
    msg = received_message(exchange, ctx)
    if msg is None:
        return [
            Issue(
                requirement_id="BP-ALG-04",
                message="no FlowControl to judge after setting consumer state",
                expected="200 FlowControl",
                actual=str(exchange.response.status if exchange.response else exchange.error),
            )
        ]
    load, cap = ctx.consumer_state
    want = tier_rate(load, cap)
    rate = json_int(msg.get("recommended_rate"))
    if rate is None:
        return None  # a rate that is not an integer is judged by the FlowControl checks
    if rate != want:
        return [
            Issue(
                requirement_id="BP-ALG-04",
                message=f"state load {load}% of {cap} gave rate {msg.get('recommended_rate')!r}",
                expected=str(want),
                actual=repr(msg.get("recommended_rate")),
            )
        ]
    return []


def check_level_monotonic(pairs: Sequence[tuple[Exchange, CheckContext]]) -> Iterable[Issue] | None:
    """Across a scenario, backpressure_level never falls as current_load rises."""
    points: list[tuple[int, int]] = []
    for exchange, ctx in pairs:
        msg = received_message(exchange, ctx)
        if msg is None:
            continue
        load, level = json_int(msg.get("current_load")), json_int(msg.get("backpressure_level"))
        if load is not None and level in (0, 1, 2):
            points.append((load, level))
    if len({load for load, _ in points}) < 2:
        return None
    points.sort()
    issues = []
    highest = points[0]
    for load, level in points[1:]:
        if level < highest[1] and load > highest[0]:
            issues.append(
                Issue(
                    requirement_id="BP-ALG-03",
                    message=f"level fell from {highest[1]} at load {highest[0]}% to {level} at load {load}%",
                    expected=f"≥ {highest[1]}",
                    actual=str(level),
                )
            )
        if level >= highest[1]:
            highest = (load, level)
    return issues
