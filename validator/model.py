"""Frozen value types shared by every layer.

Data flows one way: scenario files are loaded into :class:`Scenario` values,
the driver turns each :class:`Step` into :class:`Exchange` values through an
adapter, checks turn exchanges into :class:`Finding` values, and the results
module folds them into a :class:`RunResult` that reporters render.
Nothing in this module performs I/O.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Level(enum.IntEnum):
    """Requirement strength; a higher value is stricter."""

    MAY = 1
    SHOULD = 2
    MUST = 3

    @classmethod
    def parse(cls, text: str) -> Level:
        """Read ``must``/``should``/``may`` in any case."""
        return cls[text.strip().upper()]


class Status(enum.StrEnum):
    """Verdict for one requirement or one scenario."""

    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"
    SKIP = "skip"
    ERROR = "error"
    UNTESTED = "untested"


class FindingKind(enum.StrEnum):
    """A violation fails its requirement; an error leaves it unjudged; a note informs."""

    VIOLATION = "violation"
    ERROR = "error"
    NOTE = "note"


@dataclass(frozen=True, kw_only=True)
class Requirement:
    """One numbered requirement of a protocol's catalog."""

    id: str
    level: Level
    role: str
    area: str
    section: str
    title: str
    text: str
    strict_level: Level | None = None

    def level_in(self, profile: str) -> Level:
        """The requirement's strength under a profile (``strict`` may raise it)."""
        if profile == "strict" and self.strict_level is not None:
            return self.strict_level
        return self.level


@dataclass(frozen=True, kw_only=True)
class Catalog:
    """A protocol's identity and its requirements, in catalog order."""

    protocol_id: str
    protocol_name: str
    protocol_version: str
    areas: dict[str, str]
    requirements: tuple[Requirement, ...]

    def get(self, requirement_id: str) -> Requirement | None:
        """Look a requirement up by id."""
        for req in self.requirements:
            if req.id == requirement_id:
                return req
        return None

    @property
    def ids(self) -> tuple[str, ...]:
        """All requirement ids in catalog order."""
        return tuple(r.id for r in self.requirements)


@dataclass(frozen=True, kw_only=True)
class Expectation:
    """What a step expects back: ``accept``, ``reject``, ``either`` or ``status``."""

    kind: str
    statuses: tuple[str, ...] = ()
    prefer: int | None = None


@dataclass(frozen=True, kw_only=True)
class Step:
    """One exchange (or a batch of identical exchanges) a scenario performs."""

    index: int
    line: int
    action: str  # "send" or "set_state"
    endpoint: str = ""
    method: str | None = None
    message_type: str | None = None
    set_fields: dict[str, Any] = field(default_factory=dict)
    unset_fields: tuple[str, ...] = ()
    raw_body: bytes | None = None
    pad_to: int | None = None
    content_type: str | None = None
    auth: str = "default"
    expect: dict[str, Expectation] = field(default_factory=dict)
    judges: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    repeat: int = 1
    parallel: int = 1
    probe_after: bool | None = None
    state: dict[str, Any] = field(default_factory=dict)
    variants: tuple[dict[str, Any], ...] = ()
    rate: float | None = None
    within: float | None = None
    poll: float = 0.05
    batch_checks: tuple[str, ...] = ()
    wait: float = 0.0
    answer: dict[str, Any] = field(default_factory=dict)  # producer role: how the validator answers, and for how long

    def expectation(self, profile: str) -> Expectation | None:
        """The expectation that applies under a profile."""
        return self.expect.get(profile, self.expect.get("default"))


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A named sequence of steps taken from the spec, with the ids it covers."""

    id: str
    title: str
    covers: tuple[str, ...]
    tags: tuple[str, ...]
    needs: tuple[str, ...]
    steps: tuple[Step, ...]
    source: str
    line: int
    role: str = "controller"  # whose behaviour it judges: "controller" or "producer"
    checks: tuple[str, ...] = ()  # producer role: checks over the whole recorded session

    @property
    def area(self) -> str:
        """First segment of the hierarchical id after the protocol."""
        parts = self.id.split("/")
        return parts[1] if len(parts) > 1 else parts[0]


@dataclass(frozen=True, kw_only=True)
class Request:
    """An HTTP-agnostic request the driver asks an adapter to perform."""

    endpoint: str
    method: str
    body: bytes | None
    headers: tuple[tuple[str, str], ...] = ()
    auth: str = "default"
    path_params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Response:
    """What came back, as received."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    truncated: bool = False

    def header(self, name: str) -> str | None:
        """First header of that name, case-insensitively."""
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None


@dataclass(frozen=True, kw_only=True)
class Exchange:
    """A request, the response or transport error it produced, and timing."""

    request: Request
    method: str
    url: str
    sent_headers: tuple[tuple[str, str], ...]
    response: Response | None
    error_kind: str | None = None  # "timeout", "connect", "dropped", "protocol", "too-large"
    error: str | None = None
    elapsed_ms: float = 0.0
    wire_ms: float | None = None  # request fully sent -> response headers in: the target's and the network's share
    lag_ms: float = 0.0  # how late a paced request left, against its schedule
    message_sent: Any = None
    message_type_sent: str | None = None

    @property
    def ok(self) -> bool:
        """True when a response arrived (whatever its status)."""
        return self.response is not None


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """Everything needed to see a finding for oneself."""

    method: str = ""
    url: str = ""
    request_headers: tuple[tuple[str, str], ...] = ()
    request_body: str = ""
    status: int | None = None
    response_headers: tuple[tuple[str, str], ...] = ()
    response_body: str = ""
    response_truncated: bool = False
    transport_error: str | None = None
    elapsed_ms: float | None = None


@dataclass(frozen=True, kw_only=True)
class Finding:
    """A violation, error or note about one requirement, with evidence."""

    requirement_id: str
    kind: FindingKind
    check: str
    message: str
    expected: str = ""
    actual: str = ""
    scenario_id: str = ""
    step: int | None = None
    evidence: Evidence | None = None


@dataclass(frozen=True, kw_only=True)
class ScenarioResult:
    """What one scenario established: ids judged, findings, or why it did not run."""

    scenario: Scenario
    status: Status
    judged: frozenset[str]
    findings: tuple[Finding, ...]
    skip_reason: str = ""
    duration_s: float = 0.0
    exchanges: int = 0


@dataclass(frozen=True, kw_only=True)
class RequirementResult:
    """The verdict on one requirement across the run."""

    requirement: Requirement
    level: Level
    status: Status
    findings: tuple[Finding, ...]
    scenarios: tuple[str, ...]
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class RunResult:
    """Everything a reporter needs about one run."""

    tool_name: str
    tool_version: str
    catalog: Catalog
    profile: str
    target: str
    started_at: str
    duration_s: float
    requirements: tuple[RequirementResult, ...]
    scenarios: tuple[ScenarioResult, ...]
    capabilities: tuple[str, ...]
    incomplete: bool = False
    unreachable: bool = False
    notes: tuple[str, ...] = ()

    def count(self, status: Status) -> int:
        """How many requirements ended with this status."""
        return sum(1 for r in self.requirements if r.status is status)

    def summary(self) -> dict[str, int]:
        """Counts per status, in the report's key order."""
        return {s.value: self.count(s) for s in Status}


@dataclass(frozen=True, kw_only=True)
class Received:
    """One request a producer under test made to the validator, and what the validator answered.

    ``t`` is seconds since the scenario's session began (monotonic clock); ``wall_ms`` is the
    validator's wall clock at arrival, for judging timestamps.
    """

    t: float
    wall_ms: int
    endpoint: str  # an endpoint name, "sink", or "other"
    method: str
    path: str
    body: bytes
    message: Any  # parsed JSON, or None when the body is not JSON
    items: int = 0  # sink requests: how many items the body carries
    status: int = 0
    answer: Any = None  # the JSON body answered, when there was one
    answer_headers: tuple[tuple[str, str], ...] = ()
    answered_t: float = 0.0  # when the answer was sent (same clock as ``t``)


@dataclass(frozen=True, kw_only=True)
class ProducerTrace:
    """Everything a producer did during one scenario, in arrival order."""

    scenario_id: str
    duration_s: float
    events: tuple[Received, ...]

    def on(self, endpoint: str) -> tuple[Received, ...]:
        """The requests made to one endpoint (``sink`` for items)."""
        return tuple(e for e in self.events if e.endpoint == endpoint)
