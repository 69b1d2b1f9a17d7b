"""Producer checks on recorded sessions built by hand: each one passes a good trace and fails a bad one."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from validator.checks import PRODUCER_CHECKS, ProducerContext
from validator.checks.backpressure.producer import limit_at
from validator.model import FindingKind, ProducerTrace, Received
from validator.producer.harness import count_items

NOW_MS = int(time.time() * 1000)


def signal(**overrides: Any) -> dict[str, Any]:
    message = {
        "action": "CapacitySignal",
        "version": "1.0",
        "producer_id": "p-1",
        "consumer_id": "c-1",
        "requested_rate": 100,
        "priority_level": 0,
        "timeout_ms": 5000,
        "timestamp": NOW_MS,
    }
    message.update(overrides)
    return {k: v for k, v in message.items() if v is not None}


def metrics(**overrides: Any) -> dict[str, Any]:
    message = {
        "action": "MetricsReport",
        "version": "1.0",
        "producer_id": "p-1",
        "consumer_id": "c-1",
        "items_buffered": 0,
        "items_processed": 10,
        "items_dropped": 0,
        "latency_p50_ms": 2,
        "latency_p99_ms": 9,
        "throughput_current": 40,
        "backpressure_triggered_count": 0,
        "error_count": 0,
        "timestamp": NOW_MS,
    }
    message.update(overrides)
    return {k: v for k, v in message.items() if v is not None}


def sent(
    t: float,
    message: dict[str, Any],
    *,
    rate: int | None = 40,
    status: int = 200,
    pause: bool = False,
    retry_after: str | None = None,
) -> Received:
    answer: Any = {"recommended_rate": rate, "apply_immediately": pause} if status == 200 else {"error": "limited"}
    headers = (("Retry-After", retry_after),) if retry_after else ()
    return Received(
        t=t,
        wall_ms=NOW_MS,
        endpoint="capacity",
        method="POST",
        path="/capacity",
        body=json.dumps(message).encode(),
        message=message,
        status=status,
        answer=answer,
        answer_headers=headers,
        answered_t=t + 0.001,
    )


def report(t: float, message: dict[str, Any]) -> Received:
    return Received(
        t=t,
        wall_ms=NOW_MS,
        endpoint="metrics",
        method="POST",
        path="/metrics",
        body=json.dumps(message).encode(),
        message=message,
        status=200,
        answered_t=t,
    )


def items(t: float, count: int) -> Received:
    return Received(
        t=t,
        wall_ms=NOW_MS,
        endpoint="sink",
        method="POST",
        path="/sink",
        body=b"[]",
        message=None,
        items=count,
        status=200,
        answered_t=t,
    )


def trace(*events: Received, duration: float = 5.0) -> ProducerTrace:
    return ProducerTrace(scenario_id="t/x", duration_s=duration, events=tuple(sorted(events, key=lambda e: e.t)))


CTX = ProducerContext(
    scenario_id="t/x",
    profile="default",
    schemas_dir="backpressure",
    message_types={"capacity": "CapacitySignal", "metrics": "MetricsReport"},
)


def run(name: str, tr: ProducerTrace) -> list[Any] | None:
    issues = PRODUCER_CHECKS[name].func(tr, CTX)
    return None if issues is None else [i for i in issues if i.kind is not FindingKind.NOTE]


def paced(rate: float, start: float, end: float, tick: float = 0.05) -> list[Received]:
    """Deliveries at ``rate`` items/s in ticks, as a well-behaved producer makes them."""
    out, t, owed = [], start, 0.0
    while t < end:
        owed += rate * tick
        if int(owed):
            out.append(items(t, int(owed)))
            owed -= int(owed)
        t += tick
    return out


def every(period: float, end: float, make: Any) -> list[Received]:
    return [make(round(i * period, 3)) for i in range(int(end / period) + 1) if i * period < end]


# ---------------------------------------------------------------- validity and envelope
def test_valid_signals_and_metrics_pass() -> None:
    tr = trace(sent(0.0, signal()), report(1.0, metrics()))
    assert run("producer-signals-valid", tr) == []
    assert run("producer-metrics-valid", tr) == []
    assert run("emitted-envelope", tr) == []


def test_signal_without_action_and_version_fails_pr01_and_envelope() -> None:
    tr = trace(sent(0.0, signal(action=None, version=None)), sent(0.5, signal(action=None, version=None)))
    pr01 = run("producer-signals-valid", tr)
    assert pr01 and {i.requirement_id for i in pr01} == {"BP-PR-01"}
    assert any("'action' is a required property" in i.message and "2 of 2" in i.message for i in pr01)
    env = {i.requirement_id for i in run("emitted-envelope", tr) or []}
    assert {"BP-ENV-01", "BP-ENV-02", "BP-ENV-05"} <= env


def test_signal_out_of_range_fails_pr01() -> None:
    issues = run("producer-signals-valid", trace(sent(0.0, signal(timeout_ms=50))))
    assert issues and "timeout_ms" in issues[0].message


def test_metrics_with_missing_fields_fail_pr02() -> None:
    issues = run("producer-metrics-valid", trace(report(1.0, metrics(items_buffered=None, latency_p99_ms=None))))
    assert issues and all(i.requirement_id == "BP-PR-02" for i in issues)


def test_metrics_not_json_fails_pr02() -> None:
    bad = Received(
        t=1.0,
        wall_ms=NOW_MS,
        endpoint="metrics",
        method="POST",
        path="/metrics",
        body=b"ok=1",
        message=None,
        status=200,
    )
    issues = run("producer-metrics-valid", trace(bad))
    assert issues and "not a JSON object" in issues[0].message


def test_seconds_timestamp_fails_env04_only() -> None:
    tr = trace(sent(0.0, signal(timestamp=NOW_MS // 1000)))
    assert {i.requirement_id for i in run("emitted-envelope", tr) or []} == {"BP-ENV-04"}


def test_nothing_sent_judges_nothing() -> None:
    assert run("producer-metrics-valid", trace(sent(0.0, signal()))) is None
    assert run("emitted-envelope", trace(items(0.1, 3))) is None


# ---------------------------------------------------------------- rate
def test_rate_within_recommendation_passes() -> None:
    tr = trace(sent(0.0, signal(), rate=40), *paced(40, 0.05, 5.0))
    assert run("producer-rate", tr) == []


def test_rate_above_recommendation_fails() -> None:
    tr = trace(sent(0.0, signal(), rate=40), *paced(100, 0.05, 5.0))
    issues = run("producer-rate", tr)
    assert issues and issues[0].requirement_id == "BP-PR-03"
    assert "recommended rate was 40/s" in issues[0].message


def test_rate_gets_one_second_to_drop() -> None:
    # 80/s allowed, then 20/s from t=2: the producer adjusts 0.9 s later (inside the allowance)
    events = [sent(0.0, signal(), rate=80), sent(2.0, signal(), rate=20)]
    tr = trace(*events, *paced(80, 0.05, 2.9), *paced(20, 2.9, 6.0), duration=6.0)
    assert run("producer-rate", tr) == []
    slow = trace(*events, *paced(80, 0.05, 4.0), *paced(20, 4.0, 6.0), duration=6.0)
    assert run("producer-rate", slow)


def test_no_items_at_all_is_an_error_not_a_pass() -> None:
    issues = PRODUCER_CHECKS["producer-rate"].func(trace(sent(0.0, signal())), CTX)
    assert issues and next(iter(issues)).kind is FindingKind.ERROR


def test_limit_before_any_flowcontrol_binds_is_unbounded() -> None:
    assert limit_at([(0.0, 40, False)], 0.2, 1.2, 1.0) == float("inf")  # the first answer is still being adopted
    assert limit_at([(0.0, 40, False)], 1.2, 2.2, 1.0) == 40
    assert limit_at([(5.0, 40, False)], 0.0, 1.0, 1.0) == float("inf")
    assert limit_at([(0.0, 80, False), (2.0, 20, False)], 2.5, 3.5, 1.0) == 80
    assert limit_at([(0.0, 80, False), (2.0, 20, False)], 3.1, 4.1, 1.0) == 20


# ---------------------------------------------------------------- pause
def _paused(delivery: list[Received]) -> ProducerTrace:
    signals = [
        sent(0.0, signal(), rate=40),
        sent(1.0, signal(), rate=0, pause=True),
        sent(1.5, signal(), rate=0, pause=True),
        sent(3.0, signal(), rate=40),
    ]
    return trace(*signals, *delivery, duration=4.0)


def test_silence_while_paused_passes() -> None:
    assert run("producer-pause", _paused([*paced(40, 0.05, 1.0), *paced(40, 3.01, 4.0)])) == []


def test_items_while_paused_fail() -> None:
    issues = run("producer-pause", _paused(paced(40, 0.05, 4.0)))
    assert issues and issues[0].requirement_id == "BP-PR-04"
    assert "apply_immediately" in issues[0].message


def test_no_pause_answered_judges_nothing() -> None:
    assert run("producer-pause", trace(sent(0.0, signal()), *paced(40, 0.1, 2.0))) is None


# ---------------------------------------------------------------- periodic signals, metrics interval
def test_regular_signals_pass_and_a_long_silence_fails() -> None:
    regular = trace(*every(0.5, 5.0, lambda t: sent(t, signal())))
    assert run("producer-signals-periodic", regular) == []
    once = run("producer-signals-periodic", trace(sent(0.0, signal())))
    assert once and once[0].requirement_id == "BP-PR-06" and "5.0 s" in once[0].message


def test_metrics_interval_judged_only_on_long_sessions() -> None:
    short = trace(sent(0.0, signal()), duration=30.0)
    assert run("producer-metrics-interval", short) is None
    every_30 = trace(*every(30.0, 70.0, lambda t: report(t, metrics())), duration=70.0)
    assert run("producer-metrics-interval", every_30) == []
    silent = run("producer-metrics-interval", trace(sent(0.0, signal()), duration=70.0))
    assert silent and silent[0].requirement_id == "BP-PR-05"


# ---------------------------------------------------------------- metrics consistency
def test_consistent_metrics_pass() -> None:
    tr = trace(report(1.0, metrics(items_processed=10)), report(2.0, metrics(items_processed=50)))
    assert run("producer-metrics-consistent", tr) == []


def test_p99_below_p50_fails() -> None:
    issues = run("producer-metrics-consistent", trace(report(1.0, metrics(latency_p50_ms=9, latency_p99_ms=2))))
    assert issues and "below latency_p50_ms" in issues[0].message


def test_cumulative_counter_going_down_fails() -> None:
    tr = trace(report(1.0, metrics(error_count=3)), report(2.0, metrics(error_count=1)))
    issues = run("producer-metrics-consistent", tr)
    assert issues and "error_count went down from 3" in issues[0].message


# ---------------------------------------------------------------- back-off
def test_waiting_out_retry_after_passes() -> None:
    tr = trace(
        sent(0.0, signal(), status=429, retry_after="1"),
        sent(1.02, signal(), status=429, retry_after="1"),
        sent(2.1, signal()),
    )
    assert run("producer-backoff", tr) == []


def test_retrying_at_once_after_429_fails() -> None:
    tr = trace(
        sent(0.0, signal(), status=429, retry_after="1"),
        sent(0.02, signal(), status=429, retry_after="1"),
        sent(0.04, signal()),
    )
    issues = run("producer-backoff", tr)
    assert issues and issues[0].requirement_id == "BP-PR-08" and "2 of 2" in issues[0].message


def test_no_429_judges_nothing() -> None:
    assert run("producer-backoff", trace(sent(0.0, signal()))) is None


# ---------------------------------------------------------------- sink counting
@pytest.mark.parametrize(
    ("body", "content_type", "count"),
    [
        (b"[1, 2, 3]", "application/json", 3),
        (b'{"a": 1}', "application/json", 1),
        (b'{"a": 1}\n{"a": 2}\n', "application/x-ndjson", 2),
        (b"line one\nline two\nline three", "text/plain", 3),
        (b"payload", "application/octet-stream", 1),
        (b"", "application/json", 0),
        (b"[1, 2", "application/json", 1),
    ],
)
def test_sink_counts_items(body: bytes, content_type: str, count: int) -> None:
    assert count_items(body, content_type) == count
