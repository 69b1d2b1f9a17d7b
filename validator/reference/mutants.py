"""The mutant gallery: variants of the reference, each with one realistic bug.

Every mutant declares the exact set of requirement ids a run must fail against
it (``breaks``). ``selftest`` and the test suite hold the validator to that:
a mutant that survives, or one that fails an undeclared id, is a bug in the
validator. ``needs_token`` mutants only show their bug when a token is set.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from validator.reference.controller import COUNTERS, ConsumerState, ReferenceController, Rejected, Reply


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


# --------------------------------------------------------------- input checks
class TimeoutUnchecked(ReferenceController):
    TIMEOUT_RANGE = (-(2**63), 2**63)


class PriorityUnchecked(ReferenceController):
    PRIORITIES = tuple(range(-10, 100))


class ZeroRateAccepted(ReferenceController):
    def validate_signal(self, msg: dict[str, Any]) -> None:
        if type(msg.get("requested_rate")) is int and msg["requested_rate"] <= 0:
            msg = {**msg, "requested_rate": 1}
        super().validate_signal(msg)


class EmptyIdAccepted(ReferenceController):
    def valid_id(self, value: Any) -> bool:
        return value == "" or super().valid_id(value)


class IdAlphabetUnchecked(ReferenceController):
    def valid_id(self, value: Any) -> bool:
        return isinstance(value, str) and value != ""


class ShortIdLimit(ReferenceController):
    def valid_id(self, value: Any) -> bool:
        return super().valid_id(value) and len(value) <= 64


class BooleansAsIntegers(ReferenceController):
    def is_int(self, value: Any) -> bool:
        return isinstance(value, int)


class WrongActionAccepted(ReferenceController):
    def check_envelope(self, msg: dict[str, Any], action: str) -> None:
        if "action" in msg and "version" in msg and "timestamp" in msg:
            msg = {**msg, "action": action, "version": "1.0"}
        super().check_envelope(msg, action)


class LenientEnvelope(ReferenceController):
    """Defaults omitted action/version/timestamp/priority/timeout, as the getting-started guide does."""

    def capacity(self, msg: dict[str, Any]) -> Reply:
        defaults = {
            "action": "CapacitySignal",
            "version": "1.0",
            "timestamp": self.now_ms(),
            "priority_level": 0,
            "timeout_ms": 5000,
        }
        return super().capacity({**defaults, **msg})


class MetricsUnvalidated(ReferenceController):
    def validate_metrics(self, msg: dict[str, Any]) -> None:
        return None


class MetricsNeedFlowName(ReferenceController):
    def validate_metrics(self, msg: dict[str, Any]) -> None:
        if "flow_name" not in msg:
            raise Rejected("flow_name is required")
        super().validate_metrics(msg)


# ----------------------------------------------------------- error handling
class ServerErrorOnBadJson(ReferenceController):
    def on_bad_json(self) -> dict[str, Any]:
        raise Rejected("Traceback (most recent call last): json.decoder.JSONDecodeError", 500)


class EmptyReason(ReferenceController):
    def error_reply(self, status: int, reason: str, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
        return self.json_reply(status, {"error": ""}, headers)


class PlainTextErrors(ReferenceController):
    def error_reply(self, status: int, reason: str, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
        return Reply(status, (("Content-Type", "text/plain"), *headers), f"error: {reason}".encode())


class BrokenAfterBadJson(ReferenceController):
    """After a body that is not JSON, the next CapacitySignal fails: a poisoned parser state."""

    poisoned = False

    def on_bad_json(self) -> dict[str, Any]:
        self.poisoned = True
        return super().on_bad_json()

    def capacity(self, msg: dict[str, Any]) -> Reply:
        if self.poisoned:
            self.poisoned = False
            raise Rejected("internal error", 500)
        return super().capacity(msg)


# -------------------------------------------------------- FlowControl content
class _Rewrite(ReferenceController):
    """Base for mutants that alter the FlowControl they emit."""

    def flow_control(self, msg: dict[str, Any], rate: int, load: int, cap: int) -> dict[str, Any]:
        return self.rewrite(super().flow_control(msg, rate, load, cap))

    def rewrite(self, fc: dict[str, Any]) -> dict[str, Any]:
        return fc


class TimestampSeconds(_Rewrite):
    def rewrite(self, fc: dict[str, Any]) -> dict[str, Any]:
        return {**fc, "timestamp": fc["timestamp"] // 1000}


class TimestampIsoString(_Rewrite):
    def rewrite(self, fc: dict[str, Any]) -> dict[str, Any]:
        return {**fc, "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(fc["timestamp"] / 1000))}


class IdsNotEchoed(_Rewrite):
    def rewrite(self, fc: dict[str, Any]) -> dict[str, Any]:
        return {**fc, "producer_id": "controller", "consumer_id": "default-consumer"}


class MissingAction(_Rewrite):
    def rewrite(self, fc: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in fc.items() if k != "action"}


class NumericVersion(_Rewrite):
    def rewrite(self, fc: dict[str, Any]) -> dict[str, Any]:
        return {**fc, "version": 1}


class LoadAsItemCount(_Rewrite):
    def rewrite(self, fc: dict[str, Any]) -> dict[str, Any]:
        return {**fc, "current_load": fc["current_load"] * fc["max_capacity"] // 100 + 101}


class FourLevels(_Rewrite):
    """Uses the 0-3 level scale of the informal notes."""

    def rewrite(self, fc: dict[str, Any]) -> dict[str, Any]:
        return {**fc, "backpressure_level": 3} if fc["current_load"] >= 95 else fc


class StringRate(_Rewrite):
    def rewrite(self, fc: dict[str, Any]) -> dict[str, Any]:
        return {**fc, "recommended_rate": str(fc["recommended_rate"])}


class NegativeCapacity(_Rewrite):
    def rewrite(self, fc: dict[str, Any]) -> dict[str, Any]:
        return {**fc, "max_capacity": -1}


class MissingReason(_Rewrite):
    def rewrite(self, fc: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in fc.items() if k != "reason"}


class EmptyReasonString(_Rewrite):
    def rewrite(self, fc: dict[str, Any]) -> dict[str, Any]:
        return {**fc, "reason": ""}


class StringApplyImmediately(_Rewrite):
    def rewrite(self, fc: dict[str, Any]) -> dict[str, Any]:
        return {**fc, "apply_immediately": "true" if fc["apply_immediately"] else "false"}


# ------------------------------------------------------------------ algorithm
class Greedy(ReferenceController):
    """Always grants full capacity, whatever the load."""

    def tier(self, load: int, capacity: int) -> int:
        return capacity


class HalfRate(ReferenceController):
    """Compatible but needlessly conservative: half the tiered rate."""

    def tier(self, load: int, capacity: int) -> int:
        return super().tier(load, capacity) // 2


class InvertedLevel(ReferenceController):
    def level(self, load: int) -> int:
        return 2 - super().level(load)


class StateHookIgnored(ReferenceController):
    """Answers the hook with 204 but never applies the state."""

    def apply_state(self, state: ConsumerState, load: int, cap: int) -> None:
        return None


class NoStateHook(ReferenceController):
    """Has no test hook at all: hook-dependent scenarios must be skipped, not failed."""

    def set_state(self, consumer: str, msg: dict[str, Any]) -> Reply:
        raise Rejected("no such path", 404)


class CachedState(ReferenceController):
    """Reads a consumer's state once, then refreshes its cache only every 1.5 s: changes show late."""

    REFRESH_S = 1.5

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pending: dict[int, tuple[float, int, int]] = {}

    def apply_state(self, state: ConsumerState, load: int, cap: int) -> None:
        if not state.producers and id(state) not in self._pending:
            super().apply_state(state, load, cap)  # nothing cached yet: the first read sees it
            self._pending[id(state)] = (0.0, load, cap)
            return
        self._pending[id(state)] = (time.monotonic() + self.REFRESH_S, load, cap)

    def capacity(self, msg: dict[str, Any]) -> Reply:
        with self._lock:
            state = self._consumers.get(msg.get("consumer_id", "")) if isinstance(msg.get("consumer_id"), str) else None
            pending = self._pending.get(id(state)) if state is not None else None
            if state is not None and pending is not None and time.monotonic() >= pending[0]:
                state.current_load, state.max_capacity = pending[1], pending[2]
        return super().capacity(msg)


# -------------------------------------------- bugs a generator finds easily
class Int32Rate(ReferenceController):
    """Parses requested_rate into a 32-bit integer, so larger valid rates are refused."""

    def validate_signal(self, msg: dict[str, Any]) -> None:
        super().validate_signal(msg)
        if msg["requested_rate"] > 2**31 - 1:
            raise Rejected("requested_rate out of range")


class LeadingDashRefused(ReferenceController):
    """Takes ids that start with '-' or '_' for command-line flags and refuses them."""

    def valid_id(self, value: Any) -> bool:
        return super().valid_id(value) and not value.startswith(("-", "_"))


class CounterOverflow(ReferenceController):
    """Stores counters in 32-bit fields and fails with 500 on larger ones."""

    def metrics(self, msg: dict[str, Any]) -> Reply:
        self.validate_metrics(msg)
        if any(type(msg.get(name)) is int and msg[name] > 2**31 - 1 for name in COUNTERS):
            raise Rejected("internal error: counter overflow", 500)
        return super().metrics(msg)


# ---------------------------------------------------------------- rate limits
class NoRateLimit(ReferenceController):
    SIGNAL_LIMIT = 10**9


class LimitTooLow(ReferenceController):
    SIGNAL_LIMIT = 50


class PerConsumerLimit(ReferenceController):
    """Counts signals per consumer instead of per producer."""

    def capacity(self, msg: dict[str, Any]) -> Reply:
        self.validate_signal(msg)
        with self._lock:
            key = "consumer:" + msg["consumer_id"]
            if not self.within_limit(self._metrics, key, self.SIGNAL_LIMIT):
                raise Rejected("rate limit exceeded", 429, (("Retry-After", "60"),))
        return super().capacity(msg)


class BadRequestForRateLimit(ReferenceController):
    def capacity(self, msg: dict[str, Any]) -> Reply:
        try:
            return super().capacity(msg)
        except Rejected as exc:
            if exc.status == 429:
                raise Rejected(exc.reason, 400) from None
            raise


class NeverForgives(ReferenceController):
    """Counts signals per producer forever: a limited producer is never served again."""

    WINDOW_S = 10.0**9


class MetricsUnlimited(ReferenceController):
    METRICS_LIMIT = 10**9


# ------------------------------------------------------------ responsiveness
class PeriodicStall(ReferenceController):
    """Every 20th signal waits 110 ms (a stop-the-world pause)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._count = 0
        self._count_lock = threading.Lock()

    def capacity(self, msg: dict[str, Any]) -> Reply:
        with self._count_lock:
            self._count += 1
            stall = self._count % 20 == 0
        if stall:
            time.sleep(0.11)
        return super().capacity(msg)


class SlowFanIn(ReferenceController):
    """Answers take 120 ms once a consumer has 8 or more active producers."""

    def share(self, total: int, producer: str, active: dict[str, tuple[int, int]]) -> int:
        if len(active) >= 8:
            time.sleep(0.12)
        return super().share(total, producer, active)

    def capacity(self, msg: dict[str, Any]) -> Reply:
        # share() runs outside the state lock in the reference, so the sleep does not serialise requests
        return super().capacity(msg)


# ------------------------------------------------------------------- fairness
class GreedyShares(ReferenceController):
    def share(self, total: int, producer: str, active: dict[str, tuple[int, int]]) -> int:
        return total


class EqualShares(ReferenceController):
    def share(self, total: int, producer: str, active: dict[str, tuple[int, int]]) -> int:
        return total // max(1, len(active))


class PriorityInverted(ReferenceController):
    """Weighs requests by (3 - priority): critical producers get the least."""

    def share(self, total: int, producer: str, active: dict[str, tuple[int, int]]) -> int:
        weights = {p: r * (3 - prio) for p, (r, prio) in active.items()}
        demand = sum(weights.values())
        return total if len(active) <= 1 or demand <= 0 else total * weights[producer] // demand


# -------------------------------------------------------------- HTTP binding
class NotFoundForOtherMethods(ReferenceController):
    def require_post(self, method: str) -> None:
        if method != "POST":
            raise Rejected("not found", 404)


class MetricsByPutOnly(ReferenceController):
    """Takes MetricsReports by PUT and answers POST on /metrics with 405."""

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> Reply:
        if path.split("?", 1)[0] == "/metrics" and method in ("POST", "PUT"):
            method = {"POST": "PUT", "PUT": "POST"}[method]
        return super().handle(method, path, headers, body)


class TextPlainSuccess(ReferenceController):
    def json_reply(self, status: int, body: Any, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
        reply = super().json_reply(status, body, headers)
        if status // 100 != 2:
            return reply
        return Reply(status, (("Content-Type", "text/plain"), *headers), json.dumps(body).encode())


class NoHealth(ReferenceController):
    def health(self) -> Reply:
        raise Rejected("no such path", 404)


class NoBodyLimit(ReferenceController):
    MAX_BODY = 2**40


class FailsUnderConcurrency(ReferenceController):
    """Shares an unguarded scratch buffer between requests and answers 503 when two overlap."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._in_flight = 0
        self._count_lock = threading.Lock()

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> Reply:
        with self._count_lock:
            self._in_flight += 1
            overlapped = self._in_flight > 1
        try:
            time.sleep(0.008)  # long enough that concurrent batches always overlap
            if overlapped:
                return self.error_reply(503, "scratch buffer busy")
            return super().handle(method, path, headers, body)
        finally:
            with self._count_lock:
                self._in_flight -= 1


class AuthIgnored(ReferenceController):
    def authorize(self, headers: Any) -> None:
        return None


class ForbiddenWithoutToken(ReferenceController):
    def authorize(self, headers: Any) -> None:
        if self.token is not None and "authorization" not in headers:
            raise Rejected("forbidden", 403)
        super().authorize(headers)


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
