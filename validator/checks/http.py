"""Checks of the HTTP binding that do not depend on message content."""

from __future__ import annotations

from collections.abc import Iterable

from validator.checks.base import CheckContext, Issue, is_json_content_type, status_class
from validator.model import Exchange


def check_success_is_json(exchange: Exchange, ctx: CheckContext) -> Iterable[Issue] | None:
    """Successful answers on message paths are labelled application/json."""
    if status_class(exchange) != 2 or exchange.response is None:
        return None
    if exchange.response.status == 204:
        return None
    ctype = exchange.response.header("content-type")
    if is_json_content_type(ctype):
        return []
    return [
        Issue(
            requirement_id="BP-HTTP-02",
            message=f"success response on {ctx.endpoint} is not labelled JSON",
            expected="Content-Type: application/json",
            actual=f"Content-Type: {ctype or '(none)'}",
        )
    ]


def check_health_body(exchange: Exchange, ctx: CheckContext) -> Iterable[Issue] | None:
    """The health path answers 200 with a JSON object carrying a string ``status``."""
    if exchange.response is None:
        return [
            Issue(
                requirement_id="BP-HTTP-04",
                message=f"health path gave no answer: {exchange.error}",
                expected="200 JSON with status",
                actual="no response",
            )
        ]
    if exchange.response.status != 200:
        return [
            Issue(
                requirement_id="BP-HTTP-04",
                message="health path did not answer 200",
                expected="200",
                actual=str(exchange.response.status),
            )
        ]
    body = ctx.body
    if not isinstance(body, dict) or not isinstance(body.get("status"), str) or not body["status"]:
        return [
            Issue(
                requirement_id="BP-HTTP-04",
                message="health answer has no status string",
                expected='JSON object with a non-empty "status"',
                actual=exchange.response.body[:120].decode("utf-8", errors="backslashreplace"),
            )
        ]
    return []


def check_rate_limit_response(exchange: Exchange, ctx: CheckContext) -> Iterable[Issue] | None:
    """A rate-limit rejection is a 429 with a Retry-After header (seconds or an HTTP date)."""
    if status_class(exchange) != 4 or exchange.response is None:
        return None
    status = exchange.response.status
    retry_after = exchange.response.header("retry-after")
    if status != 429:
        return [
            Issue(
                requirement_id="BP-RL-05",
                message=f"rate-limit rejection used status {status}",
                expected="429 with Retry-After",
                actual=str(status),
            )
        ]
    if not retry_after or not (retry_after.strip().isdigit() or "GMT" in retry_after):
        return [
            Issue(
                requirement_id="BP-RL-05",
                message="429 without a usable Retry-After header",
                expected="Retry-After: <seconds>",
                actual=f"Retry-After: {retry_after or '(none)'}",
            )
        ]
    return []
