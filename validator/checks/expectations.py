"""Checks of what a step expects back: acceptance, rejection, a status, or either.

A rejection is any 4xx; a 2xx, a 5xx, a hang or a dropped connection in answer
to invalid input is a violation. These checks judge the ids the step names.
"""

from __future__ import annotations

from collections.abc import Iterable

from validator.checks.base import NO_JSON, CheckContext, Issue, is_json_content_type, status_class
from validator.model import Exchange, FindingKind

# Statuses that reject the request line, not the message: they cannot count as rejecting invalid input.
NOT_A_REJECTION = frozenset({404, 405, 501})


def _no_answer(exchange: Exchange) -> str:
    return f"no answer: {exchange.error or 'transport failure'}"


def _status_matches(status: int, patterns: tuple[str, ...]) -> bool:
    for pattern in patterns:
        if pattern.endswith("xx") and status // 100 == int(pattern[0]):
            return True
        if pattern.isdigit() and status == int(pattern):
            return True
    return False


def check_expectation(exchange: Exchange, ctx: CheckContext) -> Iterable[Issue] | None:
    """Judge the step's ids by whether the answer is what the step expects."""
    exp = ctx.expectation
    if exp is None:
        return None
    issues: list[Issue] = []
    status = exchange.response.status if exchange.response is not None else None
    what = f"{exchange.method} {ctx.endpoint}"
    for rid in ctx.judges:
        if status is None:
            issues.append(
                Issue(
                    requirement_id=rid,
                    message=f"{what}: {_no_answer(exchange)}",
                    expected=_expected_text(exp.kind, exp.statuses),
                    actual=exchange.error or "no response",
                )
            )
            continue
        if exp.kind == "accept" and status // 100 != 2:
            issues.append(
                Issue(
                    requirement_id=rid,
                    message=f"{what}: valid input was not accepted",
                    expected="2xx",
                    actual=str(status),
                )
            )
        elif exp.kind == "reject" and status in NOT_A_REJECTION:
            issues.append(
                Issue(
                    requirement_id=rid,
                    message=f"{what}: answered {status}, which says the path or method is not served, "
                    "not that the input is invalid (check --path)",
                    expected="4xx rejection of the input",
                    actual=str(status),
                )
            )
        elif exp.kind == "reject" and status // 100 != 4:
            verb = "accepted" if status // 100 == 2 else "answered with a server error" if status >= 500 else "answered"
            issues.append(
                Issue(
                    requirement_id=rid,
                    message=f"{what}: invalid input was {verb} instead of rejected",
                    expected="4xx with a reason",
                    actual=str(status),
                )
            )
        elif exp.kind == "either":
            if status // 100 in (2, 4):
                verdict = "accepted" if status // 100 == 2 else "rejected"
                issues.append(
                    Issue(
                        requirement_id=rid,
                        kind=FindingKind.NOTE,
                        message=f"{what}: the target {verdict} it (either is allowed)",
                        expected="2xx or 4xx",
                        actual=str(status),
                    )
                )
            else:
                issues.append(
                    Issue(
                        requirement_id=rid,
                        message=f"{what}: neither accepted nor rejected",
                        expected="2xx or 4xx",
                        actual=str(status),
                    )
                )
        elif exp.kind == "status":
            if not _status_matches(status, exp.statuses):
                issues.append(
                    Issue(
                        requirement_id=rid,
                        message=f"{what}: unexpected status",
                        expected=" or ".join(exp.statuses),
                        actual=str(status),
                    )
                )
            elif exp.prefer is not None and status != exp.prefer:
                issues.append(
                    Issue(
                        requirement_id=rid,
                        kind=FindingKind.NOTE,
                        message=f"{what}: allowed status, though {exp.prefer} is preferred",
                        expected=str(exp.prefer),
                        actual=str(status),
                    )
                )
    return issues


def _expected_text(kind: str, statuses: tuple[str, ...]) -> str:
    return {"accept": "2xx", "reject": "4xx with a reason", "either": "2xx or 4xx"}.get(kind, " or ".join(statuses))


def _rejected(exchange: Exchange, ctx: CheckContext) -> bool:
    return ctx.expectation is not None and ctx.expectation.kind in ("reject", "either") and status_class(exchange) == 4


def check_rejection_has_reason(exchange: Exchange, ctx: CheckContext) -> Iterable[Issue] | None:
    """A rejection names its reason in a non-empty ``error`` or ``reason`` string."""
    if not _rejected(exchange, ctx):
        return None
    body = ctx.body
    if isinstance(body, dict):
        for key in ("error", "reason"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return []
    return [
        Issue(
            requirement_id="BP-ERR-01",
            message="rejection gives no reason",
            expected='JSON object with a non-empty "error" or "reason" string',
            actual=_body_summary(exchange),
        )
    ]


def check_rejection_is_json(exchange: Exchange, ctx: CheckContext) -> Iterable[Issue] | None:
    """A rejection's body is JSON and says so in Content-Type."""
    if not _rejected(exchange, ctx):
        return None
    assert exchange.response is not None
    ctype = exchange.response.header("content-type")
    if not is_json_content_type(ctype):
        return [
            Issue(
                requirement_id="BP-ERR-03",
                message="error body is not labelled as JSON",
                expected="Content-Type: application/json",
                actual=f"Content-Type: {ctype or '(none)'}",
            )
        ]
    if ctx.body is NO_JSON:
        return [
            Issue(
                requirement_id="BP-ERR-03",
                message="error body labelled JSON does not parse",
                expected="a JSON document",
                actual=_body_summary(exchange),
            )
        ]
    return []


def _body_summary(exchange: Exchange) -> str:
    if exchange.response is None or not exchange.response.body:
        return "(empty body)"
    text = exchange.response.body[:120].decode("utf-8", errors="backslashreplace")
    return text + ("…" if len(exchange.response.body) > 120 else "")
