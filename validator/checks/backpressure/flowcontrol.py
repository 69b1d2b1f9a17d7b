"""Checks of FlowControl content (BP-FC-02 … BP-FC-08)."""

from __future__ import annotations

from collections.abc import Iterable

from validator.checks.base import CheckContext, Issue, describe, json_int, received_message
from validator.model import Exchange


def _field_issue(rid: str, name: str, expected: str, value: object) -> list[Issue]:
    return [
        Issue(requirement_id=rid, message=f"{name} is out of its domain", expected=expected, actual=describe(value))
    ]


def check_echoes_ids(exchange: Exchange, ctx: CheckContext) -> Iterable[Issue] | None:
    """producer_id and consumer_id equal those of the signal answered."""
    msg = received_message(exchange, ctx)
    sent = exchange.message_sent
    if msg is None or not isinstance(sent, dict):
        return None
    issues = []
    for key in ("producer_id", "consumer_id"):
        if key in sent and msg.get(key) != sent[key]:
            issues.append(
                Issue(
                    requirement_id="BP-FC-02",
                    message=f"{key} is not the one signalled",
                    expected=describe(sent[key]),
                    actual=describe(msg.get(key, "(missing)")),
                )
            )
    return issues


def check_load_range(exchange: Exchange, ctx: CheckContext) -> Iterable[Issue] | None:
    """current_load is an integer percentage 0–100."""
    msg = received_message(exchange, ctx)
    if msg is None:
        return None
    load = json_int(msg.get("current_load"))
    if load is None or not 0 <= load <= 100:
        return _field_issue("BP-FC-03", "current_load", "integer 0..100", msg.get("current_load", "(missing)"))
    return []


def check_level_range(exchange: Exchange, ctx: CheckContext) -> Iterable[Issue] | None:
    """backpressure_level is 0, 1 or 2."""
    msg = received_message(exchange, ctx)
    if msg is None:
        return None
    level = json_int(msg.get("backpressure_level"))
    if level not in (0, 1, 2):
        return _field_issue("BP-FC-04", "backpressure_level", "0, 1 or 2", msg.get("backpressure_level", "(missing)"))
    return []


def check_rate_bounds(exchange: Exchange, ctx: CheckContext) -> Iterable[Issue] | None:
    """0 ≤ recommended_rate ≤ max_capacity."""
    msg = received_message(exchange, ctx)
    if msg is None:
        return None
    rate = json_int(msg.get("recommended_rate"))
    cap = json_int(msg.get("max_capacity"))
    if rate is None:
        return _field_issue("BP-FC-05", "recommended_rate", "integer ≥ 0", msg.get("recommended_rate", "(missing)"))
    if rate < 0 or (cap is not None and rate > cap):
        return [
            Issue(
                requirement_id="BP-FC-05",
                message="recommended_rate outside 0..max_capacity",
                expected=f"0..{cap}",
                actual=str(rate),
            )
        ]
    return []


def check_capacity(exchange: Exchange, ctx: CheckContext) -> Iterable[Issue] | None:
    """max_capacity is an integer ≥ 0."""
    msg = received_message(exchange, ctx)
    if msg is None:
        return None
    cap = json_int(msg.get("max_capacity"))
    if cap is None or cap < 0:
        return _field_issue("BP-FC-06", "max_capacity", "integer ≥ 0", msg.get("max_capacity", "(missing)"))
    return []


def check_reason(exchange: Exchange, ctx: CheckContext) -> Iterable[Issue] | None:
    """reason is a non-empty string of at most 256 characters."""
    msg = received_message(exchange, ctx)
    if msg is None:
        return None
    reason = msg.get("reason")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 256:
        return _field_issue(
            "BP-FC-07", "reason", "non-empty string ≤ 256 characters", reason if "reason" in msg else "(missing)"
        )
    return []


def check_apply_immediately(exchange: Exchange, ctx: CheckContext) -> Iterable[Issue] | None:
    """apply_immediately is a JSON boolean."""
    msg = received_message(exchange, ctx)
    if msg is None:
        return None
    value = msg.get("apply_immediately")
    if not isinstance(value, bool):
        return _field_issue(
            "BP-FC-08", "apply_immediately", "true or false", value if "apply_immediately" in msg else "(missing)"
        )
    return []
