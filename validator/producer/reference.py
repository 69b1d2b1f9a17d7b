"""The reference producer, and its mutants: what ``builtin:producer/...`` targets run.

Run as ``python -m validator.producer.reference CONTROLLER_URL SINK_URL [--mutant NAME]``.
It signals the controller every 0.5 s, sends items to the sink in small paced batches
at the rate the last FlowControl allows (nothing while paused), honours 429 Retry-After
and reports metrics every second. Each mutant breaks exactly the requirements it declares;
the self-test holds them to it. Standard library only, so it starts in a few milliseconds.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import sys
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

REQUESTED_RATE = 100


@dataclass(frozen=True, kw_only=True)
class ProducerMutant:
    """A deliberately broken producer and the requirement ids a correct validator must fail it on."""

    name: str
    description: str
    breaks: frozenset[str]
    slow_only: bool = False  # only a slow scenario can catch it


def _m(name: str, description: str, *breaks: str, slow_only: bool = False) -> ProducerMutant:
    return ProducerMutant(name=name, description=description, breaks=frozenset(breaks), slow_only=slow_only)


PRODUCER_MUTANTS: dict[str, ProducerMutant] = {
    m.name: m
    for m in (
        _m("ignores-rate", "sends at its requested rate whatever the controller recommends", "BP-PR-03"),
        _m("ignores-pause", "keeps sending at its last rate after a FlowControl with rate 0", "BP-PR-04"),
        _m("hammers-after-429", "signals again at once after a 429, ignoring Retry-After", "BP-PR-08"),
        _m(
            "bare-signal",
            "omits action and version from its CapacitySignals (as the getting-started guide does)",
            "BP-PR-01",
            "BP-ENV-01",
            "BP-ENV-02",
            "BP-ENV-05",
        ),
        _m("few-metrics", "sends MetricsReports with only a few of their fields", "BP-PR-02", "BP-ENV-05"),
        _m("signals-once", "sends one CapacitySignal and never repeats it", "BP-PR-06"),
        _m("p99-below-p50", "reports a p99 latency below its p50", "BP-PR-07"),
        _m("seconds-timestamp", "writes timestamps in seconds instead of milliseconds", "BP-ENV-04"),
        _m(
            "no-timestamp",
            "sends its messages without a timestamp",
            "BP-ENV-03",
            "BP-ENV-05",
            "BP-PR-01",
            "BP-PR-02",
        ),
        _m("dotted-ids", "names itself with dots in its ids", "BP-ENV-06", "BP-PR-01", "BP-PR-02"),
        _m("never-reports-metrics", "never sends a MetricsReport", "BP-PR-05", slow_only=True),
    )
}


class Producer:
    """A single-threaded producer loop: signal, deliver, report, each on its own schedule."""

    def __init__(
        self,
        controller_url: str,
        sink_url: str,
        mutant: str = "",
        *,
        capacity_url: str | None = None,
        metrics_url: str | None = None,
        tick_s: float = 0.05,
    ) -> None:
        self.mutant = mutant
        base = controller_url.rstrip("/")
        self.capacity_url = capacity_url or base + "/capacity"
        self.metrics_url = metrics_url or base + "/metrics"
        self.sink_url = sink_url
        separator = "." if mutant == "dotted-ids" else "-"
        self.producer_id = f"ref{separator}producer-{os.getpid()}"
        self.consumer_id = f"ref{separator}consumer-{os.getpid()}"
        self.tick_s = tick_s
        self.signal_every_s = 0.5
        self.metrics_every_s = 1.0
        self.rate = 0  # items/s in force; nothing is sent before the first FlowControl
        self.tokens = 0.0
        self.delivered = 0
        self.errors = 0
        self.pressured = 0
        self.latencies: list[float] = []
        self.signalled = False
        self.stopping = False
        self._conns: dict[str, http.client.HTTPConnection] = {}

    # ------------------------------------------------------------ transport
    def post(self, url: str, body: Any) -> tuple[int, dict[str, str], Any]:
        """POST JSON; returns (status, headers, parsed body) or (0, {}, None) on a transport error."""
        parts = urllib.parse.urlsplit(url)
        data = json.dumps(body).encode()
        for attempt in (1, 2):
            conn = self._conns.get(parts.netloc)
            if conn is None:
                conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=5)
                self._conns[parts.netloc] = conn
            try:
                conn.request("POST", parts.path or "/", data, {"Content-Type": "application/json"})
                resp = conn.getresponse()
                raw = resp.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                self._conns.pop(parts.netloc, None)
                if attempt == 2:
                    self.errors += 1
                    return 0, {}, None
                continue
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                parsed = None
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, parsed
        return 0, {}, None

    # ------------------------------------------------------------- messages
    def timestamp(self) -> int:
        """Epoch milliseconds (seconds for one mutant)."""
        return int(time.time()) if self.mutant == "seconds-timestamp" else int(time.time() * 1000)

    def capacity_signal(self) -> dict[str, Any]:
        """A CapacitySignal asking for the producer's full rate."""
        message: dict[str, Any] = {
            "action": "CapacitySignal",
            "version": "1.0",
            "producer_id": self.producer_id,
            "consumer_id": self.consumer_id,
            "requested_rate": REQUESTED_RATE,
            "priority_level": 0,
            "timeout_ms": 5000,
            "timestamp": self.timestamp(),
        }
        if self.mutant == "bare-signal":
            del message["action"], message["version"]
        if self.mutant == "no-timestamp":
            del message["timestamp"]
        return message

    def metrics_report(self) -> dict[str, Any]:
        """A MetricsReport with cumulative counters and latency percentiles of sink deliveries."""
        samples = sorted(self.latencies[-200:]) or [0.0]
        p50 = int(samples[len(samples) // 2])
        p99 = int(samples[min(len(samples) - 1, (len(samples) * 99) // 100)])
        if self.mutant == "p99-below-p50":
            p50 = p99 + 5
        message: dict[str, Any] = {
            "action": "MetricsReport",
            "version": "1.0",
            "producer_id": self.producer_id,
            "consumer_id": self.consumer_id,
            "flow_name": "reference-flow",
            "items_buffered": 0,
            "items_processed": self.delivered,
            "items_dropped": 0,
            "latency_p50_ms": p50,
            "latency_p99_ms": max(p99, 0),
            "throughput_current": self.rate,
            "backpressure_triggered_count": self.pressured,
            "error_count": self.errors,
            "timestamp": self.timestamp(),
        }
        if self.mutant == "few-metrics":
            keep = ("action", "version", "producer_id", "consumer_id", "items_processed", "timestamp")
            message = {k: message[k] for k in keep}
        if self.mutant == "no-timestamp":
            del message["timestamp"]
        return message

    # ---------------------------------------------------------------- steps
    def signal(self, now: float) -> float:
        """Send a CapacitySignal, adopt the answer; returns when to signal next."""
        status, headers, body = self.post(self.capacity_url, self.capacity_signal())
        self.signalled = True
        if status == 429:
            wait = _seconds(headers.get("retry-after"), 1.0)
            print(f"429 from controller; retrying in {wait:g} s", flush=True)
            return now + (0.02 if self.mutant == "hammers-after-429" else wait)
        if status // 100 != 2 or not isinstance(body, dict) or not isinstance(body.get("recommended_rate"), int):
            self.errors += 1
            return now + self.signal_every_s
        rate = max(0, body["recommended_rate"])
        if self.mutant == "ignores-pause" and rate == 0:
            rate = self.rate
        elif self.mutant == "ignores-rate" and rate > 0:
            rate = REQUESTED_RATE
        if rate != self.rate:
            print(f"rate {self.rate} -> {rate} (apply_immediately={body.get('apply_immediately')})", flush=True)
        if rate < REQUESTED_RATE:
            self.pressured += 1
        if rate < self.rate or body.get("apply_immediately") is True:
            self.tokens = 0.0  # slow down (or stop) at once
        self.rate = rate
        return now + self.signal_every_s

    def deliver(self) -> None:
        """Send the items due this tick as one JSON array."""
        self.tokens = min(self.tokens + self.rate * self.tick_s, max(self.rate * self.tick_s, 1.0))
        count = int(self.tokens)
        if count <= 0:
            return
        self.tokens -= count
        t0 = time.monotonic()
        status, _, _ = self.post(self.sink_url, [{"seq": self.delivered + i} for i in range(count)])
        if status // 100 == 2:
            self.delivered += count
            self.latencies.append((time.monotonic() - t0) * 1000)
        else:
            self.errors += 1

    def run(self) -> int:
        """Loop until SIGTERM."""
        start = time.monotonic()
        next_signal, next_tick, next_metrics = start, start, start + self.metrics_every_s
        print(f"reference producer {self.producer_id} ({self.mutant or 'correct'}) -> {self.capacity_url}", flush=True)
        while not self.stopping:
            now = time.monotonic()
            if now >= next_signal and not (self.mutant == "signals-once" and self.signalled):
                next_signal = self.signal(now)
            elif self.mutant == "signals-once" and self.signalled:
                next_signal = now + 3600
            if now >= next_metrics:
                if self.mutant != "never-reports-metrics":
                    self.post(self.metrics_url, self.metrics_report())
                next_metrics = max(next_metrics + self.metrics_every_s, now)
            if now >= next_tick:
                self.deliver()
                next_tick = max(next_tick + self.tick_s, time.monotonic())
            pause = min(next_signal, next_tick, next_metrics) - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        print(f"stopping: {self.delivered} items delivered", flush=True)
        return 0


def _seconds(value: str | None, default: float) -> float:
    try:
        return max(0.0, float(value)) if value is not None else default
    except ValueError:
        return default


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m validator.producer.reference", description=__doc__)
    parser.add_argument("controller_url", help="base URL of the controller (its /capacity and /metrics)")
    parser.add_argument("sink_url", help="URL items are POSTed to, as JSON arrays")
    parser.add_argument("--capacity-url", help="where to send CapacitySignals (default: CONTROLLER_URL/capacity)")
    parser.add_argument("--metrics-url", help="where to send MetricsReports (default: CONTROLLER_URL/metrics)")
    parser.add_argument("--mutant", default="", choices=["", *PRODUCER_MUTANTS], help="misbehave this way")
    args = parser.parse_args(argv)
    producer = Producer(
        args.controller_url,
        args.sink_url,
        args.mutant,
        capacity_url=args.capacity_url,
        metrics_url=args.metrics_url,
    )

    def stop(signum: int, frame: Any) -> None:
        producer.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    return producer.run()


if __name__ == "__main__":
    sys.exit(main())
