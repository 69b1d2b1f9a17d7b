"""Load measurement against one target: closed loop (as fast as N workers can) or paced (open loop).

Every request is a valid CapacitySignal from a producer id used once, so per-producer rate
limits never turn the measurement into a rate-limit test. No terminal code here.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field, replace

from validator.adapters.base import Adapter
from validator.checks.batch import percentile
from validator.messages import IdBook, encode, fill
from validator.model import Exchange, Request
from validator.protocol import Protocol

BUCKETS_MS = (0.25, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000)


@dataclass(frozen=True, kw_only=True)
class BenchResult:
    """Figures for one target."""

    target: str
    mode: str
    concurrency: int
    duration_s: float
    requests: int
    errors: int
    statuses: dict[str, int]
    latency_ms: dict[str, float]
    overhead_p99_ms: float | None
    lag_p99_ms: float | None
    histogram: list[tuple[str, int]] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        """Requests per second."""
        return self.requests / self.duration_s if self.duration_s else 0.0

    def as_dict(self) -> dict[str, object]:
        """The figures as JSON-ready data."""
        return {
            "target": self.target,
            "mode": self.mode,
            "concurrency": self.concurrency,
            "duration_s": round(self.duration_s, 3),
            "requests": self.requests,
            "errors": self.errors,
            "requests_per_s": round(self.throughput, 1),
            "statuses": self.statuses,
            "latency_ms": {k: round(v, 3) for k, v in self.latency_ms.items()},
            "validator_overhead_p99_ms": self.overhead_p99_ms,
            "send_lag_p99_ms": self.lag_p99_ms,
            "histogram": [{"le_ms": label, "count": count} for label, count in self.histogram],
        }


def _histogram(latencies: list[float]) -> list[tuple[str, int]]:
    counts = [0] * (len(BUCKETS_MS) + 1)
    for value in latencies:
        index = next((i for i, edge in enumerate(BUCKETS_MS) if value <= edge), len(BUCKETS_MS))
        counts[index] += 1
    labels = [f"≤{edge:g}" for edge in BUCKETS_MS] + [f">{BUCKETS_MS[-1]:g}"]
    return list(zip(labels, counts, strict=True))


def run_bench(
    adapter: Adapter,
    protocol: Protocol,
    *,
    target: str,
    concurrency: int = 16,
    duration_s: float = 5.0,
    rate: float | None = None,
) -> BenchResult:
    """Send signals for ``duration_s``; ``rate`` (per worker, per second) makes the load open-loop."""
    tag = secrets.token_hex(3)
    template = protocol.templates[protocol.probe_message]
    results: list[Exchange] = []
    lock = threading.Lock()
    start = time.perf_counter()
    stop_at = start + duration_s

    def worker(n: int) -> None:
        book = IdBook(f"b{tag}w{n}", 0)
        local: list[Exchange] = []
        k = 0
        while True:
            due = start + (n / concurrency + k) / rate if rate else time.perf_counter()
            if due >= stop_at:
                break
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            message = fill(template, book, lambda: int(time.time() * 1000), k)
            message["producer_id"] = f"{message['producer_id']}-{k}"
            exchange = adapter.send(Request(endpoint=protocol.probe_endpoint, method="", body=encode(message)))
            local.append(exchange if not rate else _with_lag(exchange, due))
            k += 1
        with lock:
            results.extend(local)

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    ok = [ex for ex in results if ex.response is not None]
    latencies = [ex.elapsed_ms for ex in ok]
    statuses: dict[str, int] = {}
    for ex in results:
        key = str(ex.response.status) if ex.response is not None else (ex.error_kind or "error")
        statuses[key] = statuses.get(key, 0) + 1
    errors = sum(1 for ex in results if ex.response is None or ex.response.status >= 400)
    overhead = [ex.elapsed_ms - ex.wire_ms for ex in ok if ex.wire_ms is not None]
    pct = {f"p{p}": percentile(latencies, p) for p in (50, 90, 99)} if latencies else {}
    if latencies:
        pct["max"] = max(latencies)
        pct["mean"] = sum(latencies) / len(latencies)
    return BenchResult(
        target=target,
        mode="paced" if rate else "closed-loop",
        concurrency=concurrency,
        duration_s=elapsed,
        requests=len(results),
        errors=errors,
        statuses=statuses,
        latency_ms=pct,
        overhead_p99_ms=round(percentile(overhead, 99), 3) if overhead else None,
        lag_p99_ms=round(percentile([ex.lag_ms for ex in results], 99), 3) if rate else None,
        histogram=_histogram(latencies),
    )


def _with_lag(exchange: Exchange, due: float) -> Exchange:
    started = time.perf_counter() - exchange.elapsed_ms / 1000
    return replace(exchange, lag_ms=max(0.0, (started - due) * 1000))
