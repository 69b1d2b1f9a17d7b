"""The shape of a check, the context it sees, and the registry that names checks.

A check is a small named function ``(exchange, context) -> issues | None``.
``None`` means the exchange gave it nothing to judge (so it judged nothing);
an empty sequence means it judged and found the exchange conforming. Each
:class:`Issue` names the requirement it concerns.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from validator.model import Exchange, Expectation, FindingKind, ProducerTrace

NO_JSON: Any = object()
"""Marker for a response body that is absent or not valid JSON."""


@dataclass(frozen=True, kw_only=True)
class Issue:
    """What a check found wrong (or worth noting) about one requirement."""

    requirement_id: str
    message: str
    expected: str = ""
    actual: str = ""
    kind: FindingKind = FindingKind.VIOLATION
    event: Any = None  # producer role: the recorded request the issue is about, shown as evidence


@dataclass(frozen=True, kw_only=True)
class CheckContext:
    """What a check may know besides the exchange itself."""

    scenario_id: str
    step: int | None
    profile: str
    judges: tuple[str, ...]
    expectation: Expectation | None
    endpoint: str
    response_type: str | None
    schemas_dir: str
    body: Any = NO_JSON
    sole_producer: bool = False
    consumer_state: tuple[int, int] | None = None
    clock_ms: int = 0
    skew_ms: int = 300_000
    extra: dict[Any, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ProducerContext:
    """What a check of a producer's recorded session may know besides the trace."""

    scenario_id: str
    profile: str
    schemas_dir: str
    message_types: dict[str, str]  # endpoint name -> the message type producers send there
    skew_ms: int = 300_000
    rate_tolerance_pct: float = 10.0
    adjust_s: float = 1.0  # time a producer has to adopt a new rate
    pause_grace_s: float = 0.25  # in-flight allowance after an immediate stop
    max_signal_gap_s: float = 3.0
    metrics_interval_s: float = 60.0
    timing_slack_s: float = 0.0


ExchangeCheckFn = Callable[[Exchange, CheckContext], "Iterable[Issue] | None"]
BatchCheckFn = Callable[[Sequence[tuple[Exchange, CheckContext]]], "Iterable[Issue] | None"]
ScenarioCheckFn = Callable[[Sequence[tuple[Exchange, CheckContext]]], "Iterable[Issue] | None"]
ProducerCheckFn = Callable[[ProducerTrace, ProducerContext], "Iterable[Issue] | None"]


@dataclass(frozen=True, kw_only=True)
class ExchangeCheck:
    """A named check of one exchange; ``requirements`` empty means "the step's judged ids"."""

    name: str
    requirements: tuple[str, ...]
    func: ExchangeCheckFn
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class BatchCheck:
    """A named check over all the exchanges of one step; ``requirements`` empty means "the step's judged ids"."""

    name: str
    requirements: tuple[str, ...]
    func: BatchCheckFn
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class ProducerCheck:
    """A named check over one recorded producer session."""

    name: str
    requirements: tuple[str, ...]
    func: ProducerCheckFn
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class ScenarioCheck:
    """A named check over all of a scenario's exchanges."""

    name: str
    requirements: tuple[str, ...]
    func: ScenarioCheckFn
    description: str = ""


def parse_body(exchange: Exchange) -> Any:
    """The response body as JSON, or :data:`NO_JSON`."""
    if exchange.response is None or not exchange.response.body:
        return NO_JSON
    try:
        return json.loads(exchange.response.body)
    except (ValueError, RecursionError):
        return NO_JSON


def status_class(exchange: Exchange) -> int:
    """Hundreds digit of the status (2 for 2xx), 0 without a response."""
    return exchange.response.status // 100 if exchange.response is not None else 0


def is_json_content_type(value: str | None) -> bool:
    """True for ``application/json`` with or without parameters (or a ``+json`` suffix type)."""
    if not value:
        return False
    media = value.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def json_int(value: Any) -> int | None:
    """The integer a JSON value stands for; JSON Schema counts ``5.0`` as 5, booleans are never integers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def describe(value: Any, limit: int = 80) -> str:
    """A short JSON rendering of a value for messages."""
    if value is NO_JSON:
        return "(no JSON body)"
    if type(value) is int:
        text = str(value)
    elif type(value) is str and value.isprintable() and '"' not in value and "\\" not in value:
        text = f'"{value}"'
    else:
        text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def received_message(exchange: Exchange, ctx: CheckContext) -> dict[str, Any] | None:
    """The message the target emitted in a successful answer, when one is due and is an object."""
    if ctx.response_type is None or status_class(exchange) != 2:
        return None
    return ctx.body if isinstance(ctx.body, dict) else None
