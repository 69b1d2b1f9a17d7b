"""Checks of emitted messages' structure and envelope (BP-ENV-*, BP-FC-01)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from validator.checks.base import NO_JSON, CheckContext, Issue, describe, json_int, received_message, status_class
from validator.model import Exchange, FindingKind
from validator.schemas import message_validator

ID_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
ID_FIELDS = ("producer_id", "consumer_id", "flow_name")
MS_FLOOR = 10**11  # 1973 in ms; a seconds count is far below this
MS_CEILING = 10**14  # year 5138 in ms; a microseconds count is far above this


def schema_errors(ctx: CheckContext, message_type: str, message: Any) -> list[Any]:
    """Every schema error of a message, computed once per context (several checks read them)."""
    key = ("schema-errors", message_type, id(message))
    cached = ctx.extra.get(key)
    if cached is None:
        validator = message_validator(ctx.schemas_dir, message_type, ctx.extra.get("schema_engine", "jsonschema"))
        cached = sorted(validator.iter_errors(message), key=lambda e: [str(p) for p in e.path])
        ctx.extra[key] = cached
    return list(cached)


def schema_issue(rid: str, label: str, error: Any, event: Any = None) -> Issue:
    """One schema error as an issue of ``rid``: where it is, what the schema wants, what was there."""
    where = "/".join(str(p) for p in error.path) or "(message)"
    return Issue(
        requirement_id=rid,
        message=f"{label} {where}: {error.message}",
        expected=f"{error.validator} {describe(error.validator_value)}",
        actual=describe(error.instance),
        event=event,
    )


def _structural(error: Any) -> bool:
    return error.validator in ("required", "type") or (error.validator == "const" and not error.path)


def check_message_schema(exchange: Exchange, ctx: CheckContext) -> Iterable[Issue] | None:
    """Every field of the emitted message is present with its JSON type."""
    if ctx.response_type is None or status_class(exchange) != 2:
        return None
    if not isinstance(ctx.body, dict):
        return None  # judged by envelope-action
    issues: list[Issue] = []
    for error in schema_errors(ctx, ctx.response_type, ctx.body):
        if not _structural(error):
            continue
        for rid in ("BP-ENV-05", "BP-FC-01") if ctx.response_type == "FlowControl" else ("BP-ENV-05",):
            issues.append(schema_issue(rid, ctx.response_type, error))
    for key, value in ctx.body.items():
        if isinstance(value, float) and value.is_integer():
            issues.append(
                Issue(
                    requirement_id="BP-ENV-05",
                    kind=FindingKind.NOTE,
                    message=f"{key} is written {value!r}; it passes as an integer, though typed decoders may refuse it",
                    expected="an integer literal",
                    actual=repr(value),
                )
            )
    return issues


def check_envelope_action(exchange: Exchange, ctx: CheckContext) -> Iterable[Issue] | None:
    """The emitted message is a JSON object whose ``action`` names its type."""
    if ctx.response_type is None or status_class(exchange) != 2:
        return None
    if ctx.body is NO_JSON or not isinstance(ctx.body, dict):
        return [
            Issue(
                requirement_id="BP-ENV-01",
                message="answer is not a JSON object",
                expected=f"a {ctx.response_type} object",
                actual=describe(ctx.body),
            )
        ]
    if ctx.body.get("action") != ctx.response_type:
        return [
            Issue(
                requirement_id="BP-ENV-01",
                message="action does not name the message type",
                expected=f'"{ctx.response_type}"',
                actual=describe(ctx.body.get("action", "(missing)")),
            )
        ]
    return []


def check_envelope_version(exchange: Exchange, ctx: CheckContext) -> Iterable[Issue] | None:
    """``version`` is exactly the string "1.0"."""
    msg = received_message(exchange, ctx)
    if msg is None:
        return None
    if msg.get("version") != "1.0":
        return [
            Issue(
                requirement_id="BP-ENV-02",
                message='version is not "1.0"',
                expected='"1.0"',
                actual=describe(msg.get("version", "(missing)")),
            )
        ]
    return []


def check_envelope_timestamp(exchange: Exchange, ctx: CheckContext) -> Iterable[Issue] | None:
    """``timestamp`` is present as a non-negative integer."""
    msg = received_message(exchange, ctx)
    if msg is None:
        return None
    value = json_int(msg.get("timestamp"))
    if value is None or value < 0:
        return [
            Issue(
                requirement_id="BP-ENV-03",
                message="timestamp is missing or not a non-negative integer",
                expected="integer epoch milliseconds",
                actual=describe(msg.get("timestamp", "(missing)")),
            )
        ]
    return []


def check_timestamp_plausible(exchange: Exchange, ctx: CheckContext) -> Iterable[Issue] | None:
    """``timestamp`` looks like epoch milliseconds and agrees with the validator's clock."""
    msg = received_message(exchange, ctx)
    if msg is None:
        return None
    value = json_int(msg.get("timestamp"))
    if value is None:
        return None  # judged by envelope-timestamp
    if value < MS_FLOOR:
        unit = "seconds" if value > 10**8 else "an unknown unit"
        return [
            Issue(
                requirement_id="BP-ENV-04",
                message=f"timestamp looks like {unit}, not milliseconds",
                expected=f"about {ctx.clock_ms}",
                actual=str(value),
            )
        ]
    if value >= MS_CEILING:
        return [
            Issue(
                requirement_id="BP-ENV-04",
                message="timestamp looks like microseconds or nanoseconds",
                expected=f"about {ctx.clock_ms}",
                actual=str(value),
            )
        ]
    skew = value - ctx.clock_ms
    if abs(skew) > ctx.skew_ms:
        return [
            Issue(
                requirement_id="BP-ENV-04",
                message=f"timestamp is {skew / 1000:+.1f} s from the validator's clock "
                f"(allowed ±{ctx.skew_ms / 1000:g} s)",
                expected=f"{ctx.clock_ms} ± {ctx.skew_ms}",
                actual=str(value),
            )
        ]
    return []


def check_id_alphabet(exchange: Exchange, ctx: CheckContext) -> Iterable[Issue] | None:
    """Ids in the emitted message are 1–256 characters of letters, digits, ``_`` and ``-``."""
    msg = received_message(exchange, ctx)
    if msg is None:
        return None
    issues = []
    for key in ID_FIELDS:
        if key not in msg:
            continue
        value = msg[key]
        if not isinstance(value, str) or ID_RE.fullmatch(value) is None:
            issues.append(
                Issue(
                    requirement_id="BP-ENV-06",
                    message=f"{key} is not a valid id",
                    expected="1-256 characters of [A-Za-z0-9_-]",
                    actual=describe(value),
                )
            )
    return issues


def check_message_valid(exchange: Exchange, ctx: CheckContext) -> Iterable[Issue] | None:
    """The emitted message validates against its schema in full; every error counts against the judged ids."""
    msg = received_message(exchange, ctx)
    if msg is None or ctx.response_type is None or not ctx.judges:
        return None
    return [
        schema_issue(rid, ctx.response_type, e)
        for e in schema_errors(ctx, ctx.response_type, msg)
        for rid in ctx.judges
    ]
