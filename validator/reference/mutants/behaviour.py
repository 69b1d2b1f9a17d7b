"""Mutants whose behaviour is wrong: algorithm, state, limits, latency, fairness, HTTP, auth."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from validator.reference.controller import COUNTERS, ConsumerState, ReferenceController, Rejected, Reply


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
