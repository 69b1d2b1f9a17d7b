"""The mutant gallery: variants of the reference, each with one realistic bug.

Every mutant declares the exact set of requirement ids a run must fail against
it (``breaks``). ``selftest`` and the test suite hold the validator to that:
a mutant that survives, or one that fails an undeclared id, is a bug in the
validator. ``needs_token`` mutants only show their bug when a token is set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from validator.reference.controller import ReferenceController
from validator.reference.mutants.behaviour import (
    AuthIgnored,
    BadRequestForRateLimit,
    CachedState,
    CounterOverflow,
    EqualShares,
    FailsUnderConcurrency,
    ForbiddenWithoutToken,
    Greedy,
    GreedyShares,
    HalfRate,
    Int32Rate,
    InvertedLevel,
    LeadingDashRefused,
    LimitTooLow,
    MetricsByPutOnly,
    MetricsUnlimited,
    NeverForgives,
    NoBodyLimit,
    NoHealth,
    NoRateLimit,
    NoStateHook,
    NotFoundForOtherMethods,
    PerConsumerLimit,
    PeriodicStall,
    PriorityInverted,
    SlowFanIn,
    StateHookIgnored,
    TextPlainSuccess,
)
from validator.reference.mutants.content import (
    EmptyReasonString,
    FourLevels,
    IdsNotEchoed,
    LoadAsItemCount,
    MissingAction,
    MissingReason,
    NegativeCapacity,
    NumericVersion,
    StringApplyImmediately,
    StringRate,
    TimestampIsoString,
    TimestampSeconds,
)
from validator.reference.mutants.inputs import (
    BooleansAsIntegers,
    BrokenAfterBadJson,
    EmptyIdAccepted,
    EmptyReason,
    IdAlphabetUnchecked,
    LenientEnvelope,
    MetricsNeedFlowName,
    MetricsUnvalidated,
    PlainTextErrors,
    PriorityUnchecked,
    ServerErrorOnBadJson,
    ShortIdLimit,
    TimeoutUnchecked,
    WrongActionAccepted,
    ZeroRateAccepted,
)


@dataclass(frozen=True, kw_only=True)
class Mutant:
    """A named broken controller and the ids it must fail."""

    name: str
    summary: str
    breaks: frozenset[str]
    factory: type[ReferenceController]
    needs_token: bool = False
    strict_breaks: frozenset[str] | None = None
    fuzz_only: bool = False  # only generated inputs find it; the scripted scenarios alone pass it
    slow_only: bool = False  # only a scenario tagged slow finds it (run with --include-slow)

    def expected(self, profile: str) -> frozenset[str]:
        """Ids this mutant must fail under a profile."""
        if profile == "strict" and self.strict_breaks is not None:
            return self.strict_breaks
        return self.breaks


def _m(name: str, factory: type[ReferenceController], breaks: set[str], summary: str, **kw: Any) -> Mutant:
    return Mutant(name=name, factory=factory, breaks=frozenset(breaks), summary=summary, **kw)


MUTANTS: dict[str, Mutant] = {
    m.name: m
    for m in (
        _m("timeout-unchecked", TimeoutUnchecked, {"BP-CS-05"}, "accepts timeout_ms outside 100..30000"),
        _m("priority-unchecked", PriorityUnchecked, {"BP-CS-04"}, "accepts priority levels other than 0/1/2"),
        _m("zero-rate-accepted", ZeroRateAccepted, {"BP-CS-03"}, "accepts requested_rate of 0 or below"),
        _m(
            "empty-id-accepted",
            EmptyIdAccepted,
            {"BP-CS-02", "BP-MR-02", "BP-ENV-06"},
            "accepts empty ids and echoes them",
        ),
        _m(
            "id-alphabet-unchecked",
            IdAlphabetUnchecked,
            {"BP-CS-06", "BP-MR-02", "BP-ENV-06"},
            "accepts any non-empty id string",
        ),
        _m("short-id-limit", ShortIdLimit, {"BP-CS-01"}, "refuses valid ids longer than 64 characters"),
        _m(
            "booleans-as-integers",
            BooleansAsIntegers,
            {"BP-CS-07", "BP-MR-03"},
            "accepts true/false where integers are due",
        ),
        _m("wrong-action-accepted", WrongActionAccepted, {"BP-CS-08"}, "ignores the action and version values"),
        _m(
            "lenient-envelope",
            LenientEnvelope,
            set(),
            "defaults omitted envelope and optional fields",
            strict_breaks=frozenset({"BP-CS-09"}),
        ),
        _m("metrics-unvalidated", MetricsUnvalidated, {"BP-MR-02", "BP-MR-03"}, "accepts any MetricsReport object"),
        _m("metrics-need-flow-name", MetricsNeedFlowName, {"BP-MR-01"}, "rejects MetricsReports without flow_name"),
        _m(
            "500-on-bad-json",
            ServerErrorOnBadJson,
            {"BP-ERR-02"},
            "answers 500 with a stack trace to bodies that are not JSON",
        ),
        _m("empty-error-reason", EmptyReason, {"BP-ERR-01"}, "rejects with an empty error string"),
        _m("plain-text-errors", PlainTextErrors, {"BP-ERR-01", "BP-ERR-03"}, "writes errors as text/plain"),
        _m("broken-after-bad-json", BrokenAfterBadJson, {"BP-ROB-01"}, "fails the next signal after a bad body"),
        _m("timestamp-seconds", TimestampSeconds, {"BP-ENV-04"}, "stamps FlowControl in seconds, not milliseconds"),
        _m(
            "timestamp-iso-string",
            TimestampIsoString,
            {"BP-ENV-03", "BP-ENV-05", "BP-FC-01"},
            "stamps FlowControl with an ISO-8601 string",
        ),
        _m("ids-not-echoed", IdsNotEchoed, {"BP-FC-02"}, "answers with its own ids instead of the flow's"),
        _m("missing-action", MissingAction, {"BP-ENV-01", "BP-ENV-05", "BP-FC-01"}, "omits action from FlowControl"),
        _m("numeric-version", NumericVersion, {"BP-ENV-02"}, "writes version as the number 1"),
        _m("load-as-item-count", LoadAsItemCount, {"BP-FC-03"}, "reports current_load as an item count"),
        _m("four-levels", FourLevels, {"BP-FC-04"}, "uses backpressure_level 3 when saturated"),
        _m("string-rate", StringRate, {"BP-ENV-05", "BP-FC-01", "BP-FC-05"}, "writes recommended_rate as a string"),
        _m(
            "negative-capacity",
            NegativeCapacity,
            {"BP-FC-05", "BP-FC-06", "BP-FAIR-01"},
            "reports max_capacity -1 (so every rate exceeds it)",
        ),
        _m("missing-reason", MissingReason, {"BP-ENV-05", "BP-FC-01", "BP-FC-07"}, "omits reason"),
        _m("empty-reason-string", EmptyReasonString, {"BP-FC-07"}, "sends an empty reason"),
        _m(
            "string-apply-immediately",
            StringApplyImmediately,
            {"BP-ENV-05", "BP-FC-01", "BP-FC-08"},
            'writes apply_immediately as "true"/"false"',
        ),
        _m("greedy", Greedy, {"BP-ALG-01", "BP-ALG-02", "BP-ALG-04", "BP-ALG-05"}, "grants full capacity at any load"),
        _m("half-rate", HalfRate, {"BP-ALG-02", "BP-ALG-04", "BP-ALG-05"}, "grants half the tiered rate"),
        _m("inverted-level", InvertedLevel, {"BP-ALG-03"}, "inverts backpressure_level"),
        _m(
            "state-hook-ignored",
            StateHookIgnored,
            {"BP-ALG-04", "BP-ALG-05"},
            "accepts the state hook but never applies it",
        ),
        _m("no-state-hook", NoStateHook, set(), "has no test hook (hook scenarios are skipped)"),
        _m("404-for-other-methods", NotFoundForOtherMethods, {"BP-HTTP-03"}, "answers 404 instead of 405"),
        _m(
            "metrics-put-only",
            MetricsByPutOnly,
            {"BP-HTTP-01", "BP-MR-01", "BP-MR-02", "BP-MR-03", "BP-ERR-02", "BP-ROB-02", "BP-RL-04"},
            "takes MetricsReports by PUT, refuses POST",
        ),
        _m("text-plain-success", TextPlainSuccess, {"BP-HTTP-02"}, "labels JSON answers text/plain"),
        _m("no-health", NoHealth, {"BP-HTTP-04"}, "has no health path"),
        _m("no-body-limit", NoBodyLimit, {"BP-HTTP-05"}, "accepts bodies of any size"),
        _m(
            "fails-under-concurrency",
            FailsUnderConcurrency,
            {"BP-ROB-02", "BP-RSP-02", "BP-RL-01", "BP-RL-02", "BP-RL-04"},
            "answers 503 when requests overlap",
        ),
        _m("cached-state", CachedState, {"BP-ALG-05"}, "applies later changes of consumer state 1.5 s late"),
        _m(
            "int32-rate",
            Int32Rate,
            {"BP-CS-01"},
            "refuses requested_rate above 2^31-1 (no upper bound is set)",
            fuzz_only=True,
        ),
        _m(
            "leading-dash-refused",
            LeadingDashRefused,
            {"BP-CS-01", "BP-MR-01"},
            "refuses ids starting with - or _",
            fuzz_only=True,
        ),
        _m("counter-overflow", CounterOverflow, {"BP-MR-01"}, "answers 500 to counters above 2^31-1", fuzz_only=True),
        _m("no-rate-limit", NoRateLimit, {"BP-RL-02"}, "never limits CapacitySignals"),
        _m("limit-too-low", LimitTooLow, {"BP-RL-01", "BP-RSP-01"}, "limits producers to 50 signals a minute"),
        _m("per-consumer-limit", PerConsumerLimit, {"BP-RL-03"}, "limits per consumer, not per producer"),
        _m("400-for-rate-limit", BadRequestForRateLimit, {"BP-RL-05"}, "refuses over-limit signals with 400"),
        _m(
            "never-forgives",
            NeverForgives,
            {"BP-RL-06"},
            "never resets the rate-limit window (slow scenario)",
            slow_only=True,
        ),
        _m("metrics-unlimited", MetricsUnlimited, {"BP-RL-04"}, "never limits MetricsReports"),
        _m("periodic-stall", PeriodicStall, {"BP-RSP-01", "BP-RSP-02"}, "stalls 110 ms on every 20th signal"),
        _m("slow-fan-in", SlowFanIn, {"BP-RSP-02"}, "slows to 120 ms once 8 producers share a consumer"),
        _m("greedy-shares", GreedyShares, {"BP-FAIR-01", "BP-FAIR-02"}, "gives every producer the whole rate"),
        _m("equal-shares", EqualShares, {"BP-FAIR-02"}, "splits equally, ignoring requested rates"),
        _m("priority-inverted", PriorityInverted, {"BP-FAIR-03"}, "favours lower priority levels"),
        _m("auth-ignored", AuthIgnored, {"BP-AUTH-01", "BP-AUTH-02"}, "never checks the token", needs_token=True),
        _m(
            "403-without-token",
            ForbiddenWithoutToken,
            {"BP-AUTH-01"},
            "answers 403 instead of 401 without a token",
            needs_token=True,
        ),
    )
}
