"""Generate a capture of Nexus Backpressure messages, a share of them invalid in varied ways.

Used by ``bench_check.py`` and by the tests' differential corpus. Deterministic for a seed.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

BASE_MS = 1_764_800_000_000


def signal(rng: random.Random, i: int) -> dict[str, Any]:
    return {
        "action": "CapacitySignal",
        "version": "1.0",
        "producer_id": f"producer-{rng.randrange(500)}",
        "consumer_id": f"consumer-{rng.randrange(40)}",
        "requested_rate": rng.randrange(1, 20000),
        "priority_level": rng.choice((0, 0, 0, 1, 2)),
        "timeout_ms": rng.randrange(100, 30001),
        "timestamp": BASE_MS + i,
    }


def flowcontrol(rng: random.Random, i: int) -> dict[str, Any]:
    load = rng.randrange(0, 101)
    cap = rng.randrange(0, 50000)
    rate = cap if load < 50 else cap // 2 if load < 80 else cap // 4 if load < 95 else 0
    level = 0 if load < 50 else (2 if load >= 95 else rng.choice((1, 2)))
    return {
        "action": "FlowControl",
        "version": "1.0",
        "consumer_id": f"consumer-{rng.randrange(40)}",
        "producer_id": f"producer-{rng.randrange(500)}",
        "recommended_rate": rng.randrange(0, rate + 1) if rng.random() < 0.2 else rate,
        "current_load": load,
        "max_capacity": cap,
        "backpressure_level": level,
        "reason": rng.choice(("consumer_idle", "consumer_busy", "consumer_near_capacity")),
        "apply_immediately": load >= 95,
        "timestamp": BASE_MS + i,
    }


def metrics(rng: random.Random, i: int) -> dict[str, Any]:
    p50 = rng.randrange(0, 50)
    message = {
        "action": "MetricsReport",
        "version": "1.0",
        "producer_id": f"producer-{rng.randrange(500)}",
        "consumer_id": f"consumer-{rng.randrange(40)}",
        "items_buffered": rng.randrange(0, 1000),
        "items_processed": rng.randrange(0, 10**9),
        "items_dropped": rng.randrange(0, 100),
        "latency_p50_ms": p50,
        "latency_p99_ms": p50 + rng.randrange(0, 200),
        "throughput_current": rng.randrange(0, 50000),
        "backpressure_triggered_count": rng.randrange(0, 1000),
        "error_count": rng.randrange(0, 10),
        "timestamp": BASE_MS + i,
    }
    if rng.random() < 0.5:
        message["flow_name"] = f"flow-{rng.randrange(100)}"
    return message


# ways a message goes wrong: each returns the text of the broken line
def _drop(field: str) -> Any:
    return lambda m, rng: json.dumps({k: v for k, v in m.items() if k != field})


BREAKERS: list[Any] = [
    _drop("version"),
    _drop("timestamp"),
    _drop("action"),
    lambda m, rng: json.dumps({**m, "version": "2.0"}),
    lambda m, rng: json.dumps({**m, "timestamp": m["timestamp"] // 1000}),  # seconds
    lambda m, rng: json.dumps({**m, "producer_id": "bad id!"}),
    lambda m, rng: json.dumps({**m, "producer_id": "abc\n"}),  # passes Python's $; invalid by the spec
    lambda m, rng: json.dumps({**m, "consumer_id": "x" * 257}),
    lambda m, rng: json.dumps({**m, "timestamp": str(m["timestamp"])}),
    lambda m, rng: json.dumps({**m, "timestamp": True}),
    lambda m, rng: json.dumps({**m, "timestamp": m["timestamp"] + 0.5}),
    lambda m, rng: json.dumps(m)[: rng.randrange(5, 40)],  # truncated line
    lambda m, rng: "[1, 2, 3]",
    lambda m, rng: json.dumps({**m, "action": "CapacitySignl"}),
    lambda m, rng: json.dumps(m).replace('"version"', '"versoin"'),
    lambda m, rng: json.dumps({**m, "timestamp": 10**25}),  # beyond 64 bits
]


def _specific(m: dict[str, Any], rng: random.Random) -> str:
    kind = m["action"]
    if kind == "CapacitySignal":
        field, value = rng.choice(
            [
                ("requested_rate", 0),
                ("priority_level", 3),
                ("timeout_ms", 99),
                ("timeout_ms", 30001),
                ("requested_rate", "100"),
            ]
        )
    elif kind == "FlowControl":
        field, value = rng.choice(
            [
                ("current_load", 101),
                ("backpressure_level", 3),
                ("reason", ""),
                ("apply_immediately", 1),
                ("recommended_rate", m["max_capacity"] + 1),
                ("max_capacity", -1),
            ]
        )
    else:
        field, value = rng.choice(
            [("items_dropped", -1), ("latency_p99_ms", 1.5), ("error_count", None), ("latency_p99_ms", -1)]
        )
        if rng.random() < 0.3:
            return json.dumps({**m, "latency_p50_ms": m["latency_p99_ms"] + 1})
    return json.dumps({**m, field: value})


def lines(count: int, invalid_share: float = 0.05, seed: int = 0) -> Iterator[str]:
    """``count`` lines of JSON, about ``invalid_share`` of them broken."""
    rng = random.Random(seed)
    makers = (signal, flowcontrol, metrics)
    for i in range(count):
        message = makers[i % 3](rng, i)
        if rng.random() < invalid_share:
            breaker = rng.choice([*BREAKERS, _specific, _specific, _specific])
            yield breaker(message, rng)
        else:
            yield json.dumps(message, separators=(",", ":"))
