"""Checks of a producer under test (BP-PR-*, and BP-ENV-* on what it emits).

Each check reads one recorded session (:class:`ProducerTrace`): the producer's
CapacitySignals and MetricsReports with the answers the validator gave, and the
item deliveries the sink counted. Times are seconds since the session began.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from validator.checks.backpressure import envelope
from validator.checks.base import NO_JSON, CheckContext, Issue, ProducerContext, describe, json_int
from validator.model import Exchange, FindingKind, ProducerTrace, Received, Request, Response
from validator.schemas import message_validator

SIGNALS = "capacity"
METRICS = "metrics"
SINK = "sink"
# MetricsReport counters that count since the producer started, so never go down
CUMULATIVE = ("items_processed", "backpressure_triggered_count", "error_count")
EMITTED_MESSAGE_CHECKS: tuple[Callable[[Exchange, CheckContext], Iterable[Issue] | None], ...] = (
    envelope.check_message_schema,
    envelope.check_envelope_action,
    envelope.check_envelope_version,
    envelope.check_envelope_timestamp,
    envelope.check_timestamp_plausible,
    envelope.check_id_alphabet,
)


def _label(event: Received, index: int, kind: str) -> str:
    return f"{kind} #{index + 1} (t={event.t:.2f} s)"


def _summarise(issues: list[Issue], total: int, kind: str) -> list[Issue]:
    """One issue per (requirement, problem), the first occurrence kept as evidence, with a count."""
    seen: dict[tuple[str, str], list[Issue]] = {}
    for issue in issues:
        key = (issue.requirement_id, issue.message.split(": ", 1)[-1])
        seen.setdefault(key, []).append(issue)
    out = []
    for group in seen.values():
        first = group[0]
        suffix = f" (in {len(group)} of {total} {kind}s)" if total > 1 else ""
        out.append(
            Issue(
                requirement_id=first.requirement_id,
                message=first.message + suffix,
                expected=first.expected,
                actual=first.actual,
                kind=first.kind,
                event=first.event,
            )
        )
    return out


def _emitted_context(event: Received, message_type: str, ctx: ProducerContext) -> tuple[Exchange, CheckContext]:
    """Present a message the producer sent the way the envelope checks see an emitted message."""
    exchange = Exchange(
        request=Request(endpoint=event.endpoint, method=event.method, body=None),
        method=event.method,
        url=event.path,
        sent_headers=(),
        response=Response(status=200, headers=(("content-type", "application/json"),), body=event.body),
    )
    check_ctx = CheckContext(
        scenario_id=ctx.scenario_id,
        step=None,
        profile=ctx.profile,
        judges=(),
        expectation=None,
        endpoint=event.endpoint,
        response_type=message_type,
        schemas_dir=ctx.schemas_dir,
        body=NO_JSON if event.message is None else event.message,
        clock_ms=event.wall_ms,
        skew_ms=ctx.skew_ms,
    )
    return exchange, check_ctx


def check_emitted_envelope(trace: ProducerTrace, ctx: ProducerContext) -> Iterable[Issue] | None:
    """Every message the producer sends has a valid envelope, field types, timestamp and ids (BP-ENV-*)."""
    issues: list[Issue] = []
    count = 0
    for endpoint, message_type in ctx.message_types.items():
        for index, event in enumerate(trace.on(endpoint)):
            count += 1
            exchange, check_ctx = _emitted_context(event, message_type, ctx)
            for check in EMITTED_MESSAGE_CHECKS:
                for issue in check(exchange, check_ctx) or ():
                    issues.append(
                        Issue(
                            requirement_id=issue.requirement_id,
                            message=f"{_label(event, index, message_type)}: {issue.message}",
                            expected=issue.expected,
                            actual=issue.actual,
                            kind=issue.kind,
                            event=event,
                        )
                    )
    if count == 0:
        return None
    return _summarise(issues, count, "message")


def _schema_issues(trace: ProducerTrace, ctx: ProducerContext, endpoint: str, rid: str) -> list[Issue] | None:
    message_type = ctx.message_types[endpoint]
    events = trace.on(endpoint)
    if not events:
        return None
    validator = message_validator(ctx.schemas_dir, message_type)
    issues: list[Issue] = []
    for index, event in enumerate(events):
        label = _label(event, index, message_type)
        if not isinstance(event.message, dict):
            issues.append(
                Issue(
                    requirement_id=rid,
                    message=f"{label}: body is not a JSON object",
                    expected=f"a {message_type} object",
                    actual=describe(NO_JSON if event.message is None else event.message),
                    event=event,
                )
            )
            continue
        for error in sorted(validator.iter_errors(event.message), key=lambda e: [str(p) for p in e.path]):
            issues.append(envelope.schema_issue(rid, f"{label}:", error, event))
    return _summarise(issues, len(events), message_type)


def check_signals_valid(trace: ProducerTrace, ctx: ProducerContext) -> Iterable[Issue] | None:
    """Every CapacitySignal the producer sends validates against the schema, envelope included (BP-PR-01)."""
    return _schema_issues(trace, ctx, SIGNALS, "BP-PR-01")


def check_metrics_valid(trace: ProducerTrace, ctx: ProducerContext) -> Iterable[Issue] | None:
    """Every MetricsReport the producer sends validates against the schema (BP-PR-02)."""
    return _schema_issues(trace, ctx, METRICS, "BP-PR-02")


def _flow_controls(trace: ProducerTrace) -> list[tuple[float, int, bool]]:
    """(time delivered, recommended_rate, apply_immediately) of every FlowControl the validator answered."""
    out = []
    for event in trace.on(SIGNALS):
        if event.status // 100 != 2 or not isinstance(event.answer, dict):
            continue
        rate = json_int(event.answer.get("recommended_rate"))
        if rate is None:
            continue
        out.append((event.answered_t, rate, event.answer.get("apply_immediately") is True))
    return out


def _no_items(trace: ProducerTrace, rid: str) -> list[Issue]:
    return [
        Issue(
            requirement_id=rid,
            kind=FindingKind.ERROR,
            message="no items reached the sink during the session, so the rate it sends at cannot be judged; "
            "check that the producer sends its items to the sink URL",
            expected="items delivered to the sink",
            actual=f"0 items in {trace.duration_s:.1f} s",
        )
    ]


def limit_at(controls: Sequence[tuple[float, int, bool]], start: float, end: float, adjust_s: float) -> float:
    """The highest rate a producer may send at anywhere in ``[start, end)``.

    A FlowControl binds ``adjust_s`` after it was delivered; until then the previous one still allows its
    rate. Before the first FlowControl binds, nothing limits the producer (``inf``).
    """
    binding = math.inf
    allowed: list[float] = []
    for delivered, rate, _ in controls:
        if delivered + adjust_s <= start:
            binding = rate  # the latest one already in force at the window's start
        elif delivered < end:
            allowed.append(rate)  # delivered during (or just before) the window: still adjusting
    return max([binding, *allowed])


def check_rate(trace: ProducerTrace, ctx: ProducerContext) -> Iterable[Issue] | None:
    """Items per second to the sink stay within recommended_rate (plus tolerance) once it binds (BP-PR-03)."""
    controls = _flow_controls(trace)
    sink = trace.on(SINK)
    if not controls:
        return None
    if not any(e.items for e in sink):
        return _no_items(trace, "BP-PR-03")
    window = 1.0
    arrivals = [(e.t, e.items, e) for e in sink if e.items]
    worst: tuple[float, int, float, Received] | None = None  # (excess ratio, count, limit, first event)
    end_index = 0
    in_window = 0
    for start_index, (start, _, first) in enumerate(arrivals):
        while end_index < len(arrivals) and arrivals[end_index][0] < start + window:
            in_window += arrivals[end_index][1]
            end_index += 1
        if start + window <= trace.duration_s:
            limit = limit_at(controls, start, start + window, ctx.adjust_s)
            if 0 < limit < math.inf:
                allowed = limit * window * (1 + ctx.rate_tolerance_pct / 100) + 1
                if in_window > allowed and (worst is None or in_window / allowed > worst[0]):
                    worst = (in_window / allowed, in_window, limit, first)
        in_window -= arrivals[start_index][1]
    if worst is None:
        return []
    _, count, limit, first = worst
    return [
        Issue(
            requirement_id="BP-PR-03",
            message=f"{count} items reached the sink in the 1 s from t={first.t:.2f} s while the recommended rate "
            f"was {limit:g}/s (tolerance {ctx.rate_tolerance_pct:g} % + 1 item)",
            expected=f"≤ {math.floor(limit * window * (1 + ctx.rate_tolerance_pct / 100) + 1)} items per second",
            actual=f"{count} items",
            event=first,
        )
    ]


def pauses(trace: ProducerTrace, ctx: ProducerContext) -> list[tuple[float, float, Received]]:
    """Windows in which the producer must send nothing: (from, until, the FlowControl exchange that paused it)."""
    out = []
    signals = [e for e in trace.on(SIGNALS) if e.status // 100 == 2 and isinstance(e.answer, dict)]
    for index, event in enumerate(signals):
        assert isinstance(event.answer, dict)
        if json_int(event.answer.get("recommended_rate")) != 0:
            continue
        if index > 0 and json_int(signals[index - 1].answer.get("recommended_rate")) == 0:
            continue  # still paused: the window opened at the first pausing answer
        grace = ctx.pause_grace_s if event.answer.get("apply_immediately") is True else ctx.adjust_s
        resume = next(
            (
                later.answered_t
                for later in signals[index + 1 :]
                if (json_int(later.answer.get("recommended_rate")) or 0) > 0
            ),
            trace.duration_s,
        )
        begin = event.answered_t + grace + ctx.timing_slack_s
        if begin < resume:
            out.append((begin, resume, event))
    return out


def check_pause(trace: ProducerTrace, ctx: ProducerContext) -> Iterable[Issue] | None:
    """After a FlowControl with rate 0 (at once with apply_immediately), no items until one allows more (BP-PR-04)."""
    windows = pauses(trace, ctx)
    if not windows:
        return None
    sink = trace.on(SINK)
    if not any(e.items for e in sink):
        return _no_items(trace, "BP-PR-04")
    issues = []
    for begin, until, paused_by in windows:
        inside = [e for e in sink if e.items and begin <= e.t < until]
        if inside:
            immediate = paused_by.answer.get("apply_immediately") is True
            issues.append(
                Issue(
                    requirement_id="BP-PR-04",
                    message=f"{sum(e.items for e in inside)} items in {len(inside)} deliveries reached the sink "
                    f"between t={begin:.2f} s and t={until:.2f} s, after a FlowControl with rate 0"
                    f"{' and apply_immediately' if immediate else ''} (answered at t={paused_by.answered_t:.2f} s); "
                    f"first at t={inside[0].t:.2f} s",
                    expected="no items until a FlowControl allows a rate above 0",
                    actual=f"{sum(e.items for e in inside)} items",
                    event=paused_by,
                )
            )
    return issues


def _gaps(times: list[float], duration: float) -> tuple[float, float, float]:
    """The longest silence (length, from, to) counting the session's start and end."""
    points = [0.0, *times, duration]
    best = (0.0, 0.0, 0.0)
    for before, after in itertools.pairwise(points):
        if after - before > best[0]:
            best = (after - before, before, after)
    return best


def check_signals_periodic(trace: ProducerTrace, ctx: ProducerContext) -> Iterable[Issue] | None:
    """The producer repeats its CapacitySignal, never staying silent longer than the interval (BP-PR-06)."""
    if trace.duration_s <= ctx.max_signal_gap_s:
        return None  # too short a session to tell
    signals = trace.on(SIGNALS)
    if not signals:
        return None  # nothing reached the controller: reported by the run, not as a rule broken
    longest, since, until = _gaps([e.t for e in signals], trace.duration_s)
    limit = ctx.max_signal_gap_s + ctx.timing_slack_s
    if longest > limit:
        return [
            Issue(
                requirement_id="BP-PR-06",
                message=f"no CapacitySignal between t={since:.2f} s and t={until:.2f} s ({longest:.1f} s; "
                f"{len(signals)} signal(s) in {trace.duration_s:.1f} s)",
                expected=f"a signal at least every {limit:g} s",
                actual=f"{longest:.1f} s of silence",
                event=signals[-1],
            )
        ]
    return []


def check_metrics_interval(trace: ProducerTrace, ctx: ProducerContext) -> Iterable[Issue] | None:
    """A MetricsReport arrives at least every 60 s (BP-PR-05); judged only on sessions longer than that."""
    if trace.duration_s <= ctx.metrics_interval_s:
        return None
    reports = trace.on(METRICS)
    longest, since, until = _gaps([e.t for e in reports], trace.duration_s)
    limit = ctx.metrics_interval_s + ctx.timing_slack_s
    if longest > limit:
        return [
            Issue(
                requirement_id="BP-PR-05",
                message=f"no MetricsReport between t={since:.1f} s and t={until:.1f} s "
                f"({len(reports)} report(s) in {trace.duration_s:.0f} s)",
                expected=f"a report at least every {limit:g} s",
                actual=f"{longest:.1f} s without one",
            )
        ]
    return []


def check_metrics_consistent(trace: ProducerTrace, ctx: ProducerContext) -> Iterable[Issue] | None:
    """Each report has p99 ≥ p50, and cumulative counters never decrease from one report to the next (BP-PR-07)."""
    reports = [(i, e) for i, e in enumerate(trace.on(METRICS)) if isinstance(e.message, dict)]
    if not reports:
        return None
    issues: list[Issue] = []
    previous: dict[str, tuple[dict[str, Any], int]] = {}
    for index, event in reports:
        msg: dict[str, Any] = event.message
        label = _label(event, index, "MetricsReport")
        inverted = _latency_inverted(msg, f"{label}: ", event)
        if inverted is not None:
            issues.append(inverted)
        flow = f"{msg.get('producer_id')}/{msg.get('consumer_id')}"
        if flow in previous:
            before, before_index = previous[flow]
            for key in CUMULATIVE:
                old, new = json_int(before.get(key)), json_int(msg.get(key))
                if old is not None and new is not None and new < old:
                    issues.append(
                        Issue(
                            requirement_id="BP-PR-07",
                            message=f"{label}: {key} went down from {old} (report #{before_index + 1}); "
                            "it counts since the start",
                            expected=f"≥ {old}",
                            actual=str(new),
                            event=event,
                        )
                    )
        previous[flow] = (msg, index)
    return _summarise(issues, len(reports), "MetricsReport")


def _retry_after(event: Received) -> float | None:
    for name, value in event.answer_headers:
        if name.lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except ValueError:
                return None
    return None


def check_backoff(trace: ProducerTrace, ctx: ProducerContext) -> Iterable[Issue] | None:
    """After a 429 the producer waits (Retry-After when given) before signalling again (BP-PR-08)."""
    signals = trace.on(SIGNALS)
    limited = [(i, e) for i, e in enumerate(signals) if e.status == 429]
    if not limited:
        return None
    early = []
    for index, event in limited:
        if index + 1 >= len(signals):
            continue
        wait = _retry_after(event)
        wait = 1.0 if wait is None else wait
        gap = signals[index + 1].t - event.answered_t
        if gap < wait - 0.05 - ctx.timing_slack_s:
            early.append((event, wait, gap, signals[index + 1]))
    if not early:
        return []
    event, wait, gap, culprit = early[0]
    return [
        Issue(
            requirement_id="BP-PR-08",
            message=f"signalled again {gap * 1000:.0f} ms after a 429 (at t={event.answered_t:.2f} s) that asked it "
            f"to wait {wait:g} s; {len(early)} of {len(limited)} 429 answers were not waited out",
            expected=f"next signal ≥ {wait:g} s later",
            actual=f"{gap:.3f} s later",
            event=culprit,
        )
    ]


def check_latency_order(exchange: Exchange, ctx: CheckContext) -> Iterable[Issue] | None:
    """A MetricsReport's latency_p99_ms is not below its latency_p50_ms (BP-PR-07, one report at a time)."""
    if ctx.response_type != "MetricsReport" or not isinstance(ctx.body, dict):
        return None
    if json_int(ctx.body.get("latency_p50_ms")) is None or json_int(ctx.body.get("latency_p99_ms")) is None:
        return None  # the schema checks say what is missing
    inverted = _latency_inverted(ctx.body, "")
    return [] if inverted is None else [inverted]


def _latency_inverted(msg: dict[str, Any], prefix: str, event: Any = None) -> Issue | None:
    """The BP-PR-07 issue of a report whose p99 is below its p50, if it is."""
    p50, p99 = json_int(msg.get("latency_p50_ms")), json_int(msg.get("latency_p99_ms"))
    if p50 is None or p99 is None or p99 >= p50:
        return None
    return Issue(
        requirement_id="BP-PR-07",
        message=f"{prefix}latency_p99_ms is below latency_p50_ms",
        expected=f"latency_p99_ms ≥ {p50}",
        actual=str(p99),
        event=event,
    )
