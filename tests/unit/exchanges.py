"""Builders for exchanges and check contexts in unit tests (no transport involved)."""

from __future__ import annotations

import json
from typing import Any

from validator.checks.base import CheckContext, parse_body
from validator.model import Exchange, Expectation, Request, Response

NOW_MS = 1_760_000_000_000
JSON_HEADERS = (("Content-Type", "application/json"),)


def flow_control(**changes: Any) -> dict[str, Any]:
    """A conforming FlowControl for producer p1 / consumer c1 at load 0 of 1000."""
    fc: dict[str, Any] = {
        "action": "FlowControl",
        "version": "1.0",
        "consumer_id": "c1",
        "producer_id": "p1",
        "recommended_rate": 1000,
        "current_load": 0,
        "max_capacity": 1000,
        "backpressure_level": 0,
        "reason": "consumer_healthy",
        "apply_immediately": False,
        "timestamp": NOW_MS,
    }
    fc.update(changes)
    return {k: v for k, v in fc.items() if v is not DROP}


DROP: Any = object()
SIGNAL = {
    "action": "CapacitySignal",
    "version": "1.0",
    "producer_id": "p1",
    "consumer_id": "c1",
    "requested_rate": 100,
    "priority_level": 0,
    "timeout_ms": 5000,
    "timestamp": NOW_MS,
}


def exchange(
    status: int | None = 200,
    body: Any = None,
    *,
    raw: bytes | None = None,
    headers: tuple[tuple[str, str], ...] = JSON_HEADERS,
    error_kind: str = "timeout",
    sent: Any = None,
    endpoint: str = "capacity",
) -> Exchange:
    """An exchange whose response has this status and JSON (or raw) body; ``status=None`` means no answer."""
    request = Request(endpoint=endpoint, method="POST", body=json.dumps(sent or SIGNAL).encode())
    if status is None:
        return Exchange(
            request=request,
            method="POST",
            url="http://t/capacity",
            sent_headers=(),
            response=None,
            error_kind=error_kind,
            error=f"{error_kind} failure",
            message_sent=sent or SIGNAL,
        )
    payload = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
    response = Response(status=status, headers=headers, body=payload)
    return Exchange(
        request=request,
        method="POST",
        url="http://t/capacity",
        sent_headers=(),
        response=response,
        message_sent=sent or SIGNAL,
    )


def context(
    ex: Exchange,
    *,
    expect: str | None = "accept",
    statuses: tuple[str, ...] = (),
    prefer: int | None = None,
    judges: tuple[str, ...] = ("BP-CS-01",),
    response_type: str | None = "FlowControl",
    sole_producer: bool = True,
    state: tuple[int, int] | None = None,
    skew_ms: int = 300_000,
    endpoint: str = "capacity",
) -> CheckContext:
    """A check context for ``ex`` as the driver would build it."""
    expectation = None if expect is None else Expectation(kind=expect, statuses=statuses, prefer=prefer)
    return CheckContext(
        scenario_id="t/s",
        step=0,
        profile="default",
        judges=judges,
        expectation=expectation,
        endpoint=endpoint,
        response_type=response_type,
        schemas_dir="backpressure",
        body=parse_body(ex),
        sole_producer=sole_producer,
        consumer_state=state,
        clock_ms=NOW_MS,
        skew_ms=skew_ms,
    )
