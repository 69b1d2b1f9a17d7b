"""A compliant Nexus Backpressure v1.0 controller, transport-free.

:meth:`ReferenceController.handle` maps (method, path, headers, body) to a
:class:`Reply`; :mod:`validator.reference.server` serves it over real HTTP and
the in-process adapter calls it directly. Its validation is written here on
purpose, independently of the validator's schemas and checks, so the two can
disagree when one of them is wrong.

Class attributes and small methods are the seams the mutants override.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

JSON_TYPE = "application/json"
HOOK_PREFIX = "/_nexus/test/consumers/"
COUNTERS = (
    "items_buffered",
    "items_processed",
    "items_dropped",
    "latency_p50_ms",
    "latency_p99_ms",
    "throughput_current",
    "backpressure_triggered_count",
    "error_count",
)


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status, headers, body bytes."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class Rejected(Exception):
    """Raised inside validation; becomes a JSON error reply."""

    def __init__(self, reason: str, status: int = 400, headers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.headers = headers


@dataclass
class ConsumerState:
    """What the controller knows of one consumer."""

    current_load: int = 0
    max_capacity: int = 10_000
    # producer id -> (last seen, requested rate, priority level)
    producers: dict[str, tuple[float, int, int]] = field(default_factory=dict)


class ReferenceController:
    """The reference controller. Thread-safe; one instance holds all flow state."""

    TIMEOUT_RANGE = (100, 30_000)
    PRIORITIES: tuple[int, ...] = (0, 1, 2)
    ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")
    MAX_BODY = 64 * 1024
    SIGNAL_LIMIT = 100
    METRICS_LIMIT = 1000
    WINDOW_S = 60.0
    ACTIVE_WINDOW_S = 10.0
    DEFAULT_CAPACITY = 10_000

    def __init__(
        self,
        *,
        token: str | None = None,
        wall_clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        self._wall = wall_clock
        self._mono = monotonic
        self._lock = threading.Lock()
        self._consumers: dict[str, ConsumerState] = {}
        self._signals: dict[str, deque[float]] = {}
        self._metrics: dict[str, deque[float]] = {}
        self._metrics_count = 0
        self._started = monotonic()

    # ----------------------------------------------------------------- dispatch
    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """Answer one HTTP request. ``headers`` keys are lower-case."""
        path = path.split("?", 1)[0]
        try:
            if path == "/health":
                if method != "GET":
                    raise Rejected("method not allowed", 405, (("Allow", "GET"),))
                return self.health()
            if path in ("/capacity", "/metrics") or path.startswith(HOOK_PREFIX):
                self.authorize(headers)
            if path == "/capacity":
                self.require_post(method)
                return self.capacity(self.parse_body(body))
            if path == "/metrics":
                self.require_post(method)
                return self.metrics(self.parse_body(body))
            if path.startswith(HOOK_PREFIX):
                if method != "PUT":
                    raise Rejected("method not allowed", 405, (("Allow", "PUT"),))
                return self.set_state(path[len(HOOK_PREFIX) :], self.parse_body(body))
            raise Rejected(f"no such path: {path[:100]}", 404)
        except Rejected as exc:
            return self.error_reply(exc.status, exc.reason, exc.headers)

    def authorize(self, headers: Mapping[str, str]) -> None:
        """Check the bearer token when one is configured."""
        if self.token is None:
            return
        given = headers.get("authorization")
        if given is None:
            raise Rejected("missing bearer token", 401, (("WWW-Authenticate", "Bearer"),))
        if given != f"Bearer {self.token}":
            raise Rejected("invalid bearer token", 403)

    def require_post(self, method: str) -> None:
        """Message paths take POST only."""
        if method != "POST":
            raise Rejected("method not allowed; use POST", 405, (("Allow", "POST"),))

    def parse_body(self, body: bytes) -> dict[str, Any]:
        """Decode a request body into a JSON object or reject it."""
        if len(body) > self.MAX_BODY:
            raise Rejected(f"body too large (limit {self.MAX_BODY} bytes)", 413)
        if not body:
            raise Rejected("empty body")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Rejected("body is not valid UTF-8") from None
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            return self.on_bad_json()
        if not isinstance(value, dict):
            raise Rejected("body must be a JSON object")
        return value

    def on_bad_json(self) -> dict[str, Any]:
        """What to do with a body that is not JSON."""
        raise Rejected("body is not valid JSON")

    # --------------------------------------------------------------- validation
    def is_int(self, value: Any) -> bool:
        """Strict JSON integer: no booleans, no floats (not even 5.0)."""
        return type(value) is int

    def valid_id(self, value: Any) -> bool:
        """An id is 1-256 characters of letters, digits, underscore and dash."""
        return isinstance(value, str) and self.ID_PATTERN.fullmatch(value) is not None

    def check_envelope(self, msg: dict[str, Any], action: str) -> None:
        """action, version and timestamp."""
        if msg.get("action") != action:
            raise Rejected(f"action must be {action}")
        if msg.get("version") != "1.0":
            raise Rejected('version must be "1.0"')
        if not self.is_int(msg.get("timestamp")) or msg["timestamp"] < 0:
            raise Rejected("timestamp must be a non-negative integer (epoch ms)")

    def check_ids(self, msg: dict[str, Any], *names: str, optional: tuple[str, ...] = ()) -> None:
        """Ids present (unless optional) and well-formed."""
        for name in names + optional:
            if name not in msg and name in optional:
                continue
            if not self.valid_id(msg.get(name)):
                raise Rejected(f"{name} must be 1-256 characters of letters, digits, '_' or '-'")

    def validate_signal(self, msg: dict[str, Any]) -> None:
        """Reject anything that is not a valid CapacitySignal."""
        self.check_envelope(msg, "CapacitySignal")
        self.check_ids(msg, "producer_id", "consumer_id")
        if not self.is_int(msg.get("requested_rate")) or msg["requested_rate"] <= 0:
            raise Rejected("requested_rate must be a positive integer")
        if not self.is_int(msg.get("priority_level")) or msg["priority_level"] not in self.PRIORITIES:
            raise Rejected("priority_level must be 0, 1 or 2")
        low, high = self.TIMEOUT_RANGE
        if not self.is_int(msg.get("timeout_ms")) or not low <= msg["timeout_ms"] <= high:
            raise Rejected(f"timeout_ms must be an integer from {low} to {high}")

    def validate_metrics(self, msg: dict[str, Any]) -> None:
        """Reject anything that is not a valid MetricsReport."""
        self.check_envelope(msg, "MetricsReport")
        self.check_ids(msg, "producer_id", "consumer_id", optional=("flow_name",))
        for name in COUNTERS:
            if not self.is_int(msg.get(name)) or msg[name] < 0:
                raise Rejected(f"{name} must be a non-negative integer")

    # --------------------------------------------------------------- rate limit
    def within_limit(self, book: dict[str, deque[float]], producer: str, limit: int) -> bool:
        """Sliding one-minute window per producer."""
        now = self._mono()
        stamps = book.setdefault(producer, deque())
        while stamps and now - stamps[0] >= self.WINDOW_S:
            stamps.popleft()
        if len(stamps) >= limit:
            return False
        stamps.append(now)
        return True

    def retry_after(self, book: dict[str, deque[float]], producer: str) -> str:
        """Seconds until the oldest request in the window leaves it."""
        stamps = book.get(producer)
        wait = self.WINDOW_S - (self._mono() - stamps[0]) if stamps else self.WINDOW_S
        return str(max(1, int(wait + 0.999)))

    # ------------------------------------------------------------------ answers
    def capacity(self, msg: dict[str, Any]) -> Reply:
        """Answer a CapacitySignal with a FlowControl."""
        self.validate_signal(msg)
        producer, consumer = msg["producer_id"], msg["consumer_id"]
        with self._lock:
            if not self.within_limit(self._signals, producer, self.SIGNAL_LIMIT):
                raise Rejected(
                    "rate limit exceeded: 100 CapacitySignals per minute",
                    429,
                    (("Retry-After", self.retry_after(self._signals, producer)),),
                )
            state = self._consumers.setdefault(consumer, ConsumerState(max_capacity=self.DEFAULT_CAPACITY))
            now = self._mono()
            state.producers[producer] = (now, msg["requested_rate"], msg["priority_level"])
            active = {
                p: (r, prio) for p, (seen, r, prio) in state.producers.items() if now - seen <= self.ACTIVE_WINDOW_S
            }
            load, cap = state.current_load, state.max_capacity
        rate = self.share(self.tier(load, cap), producer, active)
        return self.json_reply(200, self.flow_control(msg, rate, load, cap))

    def tier(self, load: int, capacity: int) -> int:
        """The tiered algorithm; integer division rounds down."""
        if load < 50:
            return capacity
        if load < 80:
            return capacity // 2
        if load < 95:
            return capacity // 4
        return 0

    def share(self, total: int, producer: str, active: dict[str, tuple[int, int]]) -> int:
        """Split a consumer's rate between active producers in proportion to their requests.

        ``active`` maps producer ids to (requested rate, priority); priority does not weigh here.
        """
        demand = sum(requested for requested, _ in active.values())
        if len(active) <= 1 or demand <= 0:
            return total
        return total * active[producer][0] // demand

    def level(self, load: int) -> int:
        """backpressure_level: 0 below 80 %, 1 below 95 %, else 2."""
        return 0 if load < 80 else 1 if load < 95 else 2

    def reason(self, load: int) -> str:
        """Why the rate is what it is."""
        if load < 50:
            return "consumer_healthy"
        if load < 80:
            return "consumer_busy"
        if load < 95:
            return "consumer_near_capacity"
        return "consumer_saturated"

    def now_ms(self) -> int:
        """Current time in epoch milliseconds."""
        return int(self._wall() * 1000)

    def flow_control(self, msg: dict[str, Any], rate: int, load: int, cap: int) -> dict[str, Any]:
        """Build the FlowControl message."""
        level = self.level(load)
        return {
            "action": "FlowControl",
            "version": "1.0",
            "consumer_id": msg["consumer_id"],
            "producer_id": msg["producer_id"],
            "recommended_rate": rate,
            "current_load": load,
            "max_capacity": cap,
            "backpressure_level": level,
            "reason": self.reason(load),
            "apply_immediately": level == 2,
            "timestamp": self.now_ms(),
        }

    def metrics(self, msg: dict[str, Any]) -> Reply:
        """Accept a MetricsReport."""
        self.validate_metrics(msg)
        producer = str(msg.get("producer_id"))
        with self._lock:
            if not self.within_limit(self._metrics, producer, self.METRICS_LIMIT):
                raise Rejected(
                    "rate limit exceeded: 1000 MetricsReports per minute",
                    429,
                    (("Retry-After", self.retry_after(self._metrics, producer)),),
                )
            self._metrics_count += 1
        return self.json_reply(200, {"status": "received"})

    def set_state(self, consumer: str, msg: dict[str, Any]) -> Reply:
        """Test hook: set a consumer's load and capacity."""
        if not self.valid_id(consumer):
            raise Rejected("invalid consumer id")
        load, cap = msg.get("current_load"), msg.get("max_capacity")
        if not isinstance(load, int) or not self.is_int(load) or not 0 <= load <= 100:
            raise Rejected("current_load must be an integer 0..100")
        if not isinstance(cap, int) or not self.is_int(cap) or cap < 0:
            raise Rejected("max_capacity must be a non-negative integer")
        with self._lock:
            state = self._consumers.setdefault(consumer, ConsumerState(max_capacity=self.DEFAULT_CAPACITY))
            self.apply_state(state, load, cap)
        return Reply(204, (), b"")

    def apply_state(self, state: ConsumerState, load: int, cap: int) -> None:
        """Store the state the hook set."""
        state.current_load, state.max_capacity = load, cap

    def health(self) -> Reply:
        """Liveness and a few counters."""
        with self._lock:
            flows = sum(len(c.producers) for c in self._consumers.values())
            body = {
                "status": "healthy",
                "active_flows": flows,
                "metrics_count": self._metrics_count,
                "uptime": int(self._mono() - self._started),
            }
        return self.json_reply(200, body)

    # ------------------------------------------------------------------ helpers
    def json_reply(self, status: int, body: Any, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
        """A JSON answer."""
        return Reply(status, (("Content-Type", JSON_TYPE), *headers), json.dumps(body).encode())

    def error_reply(self, status: int, reason: str, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
        """A JSON error answer with a reason."""
        return self.json_reply(status, {"error": reason}, headers)
