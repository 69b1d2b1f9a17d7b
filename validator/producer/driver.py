"""Play producer scenarios: script the controller's answers phase by phase, record, judge.

Yields the same events as the controller driver, and folds into the same
:class:`~validator.model.RunResult`, so reports, the gate and the terminal view
work unchanged. A producer that crashes, hangs up or never calls is a finding of
the run, never an exception out of it.
"""

from __future__ import annotations

import json
import shlex
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from validator import TOOL_NAME, __version__
from validator.checks import PRODUCER_CHECKS, ProducerContext
from validator.errors import TargetError
from validator.events import (
    Event,
    Notice,
    RunFinished,
    RunStarted,
    ScenarioFinished,
    ScenarioStarted,
    TargetUnreachable,
)
from validator.evidence import excerpt, scrub_finding
from validator.model import (
    Evidence,
    Finding,
    FindingKind,
    ProducerTrace,
    Received,
    RunResult,
    Scenario,
    ScenarioResult,
    Status,
)
from validator.producer.harness import SINK, Harness, Scripted
from validator.producer.process import PLACEHOLDERS, Exit, ProducerProcess, expand
from validator.protocol import Protocol
from validator.results import build_run_result, not_run

POLL_S = 0.05


@dataclass(frozen=True, kw_only=True)
class ProducerPlan:
    """What to run against a producer, and how it is reached."""

    protocol: Protocol
    scenarios: tuple[Scenario, ...]
    target: str
    spawn: tuple[str, ...] | None = None  # argv with {placeholders}; None: the producer is started by the user
    host: str = "127.0.0.1"
    port: int = 0
    paths: dict[str, str] = field(default_factory=dict)
    profile: str = "default"
    skew_ms: int = 300_000
    rate_tolerance_pct: float = 10.0
    max_signal_gap_s: float = 3.0
    timing_slack_s: float = 0.0
    startup_timeout_s: float = 10.0
    notes: tuple[str, ...] = ()
    skipped: tuple[tuple[Scenario, str], ...] = ()
    secrets: tuple[str, ...] = ()


class ProducerDriver:
    """Runs a :class:`ProducerPlan`; one fresh producer process per scenario when it spawns them."""

    def __init__(self, plan: ProducerPlan) -> None:
        self.plan = plan
        self._results: list[ScenarioResult] = []
        self._notes: list[str] = []
        self._started = datetime.now(UTC).isoformat(timespec="seconds")
        self._t0 = time.perf_counter()
        self._unreachable = False
        self.harness: Harness | None = None

    def run(self) -> Iterator[Event]:
        """Execute the plan, yielding events; the last is :class:`RunFinished`."""
        plan = self.plan
        total = len(plan.scenarios)
        yield RunStarted(target=plan.target, total=total, profile=plan.profile)
        try:
            harness = Harness(plan.protocol, host=plan.host, port=plan.port, paths=plan.paths).start()
        except OSError as exc:
            raise TargetError(f"cannot listen on {plan.host}:{plan.port}: {exc.strerror or exc}") from None
        self.harness = harness
        try:
            for note in plan.notes:
                self._notes.append(note)
                yield Notice(message=note)
            urls = self.urls()
            yield Notice(message=f"acting as controller at {urls['controller_url']}, sink at {urls['sink_url']}")
            if plan.spawn is None:
                yield Notice(
                    message=f"waiting up to {plan.startup_timeout_s:g} s for the producer to call "
                    f"{urls['capacity_url']}"
                )
                if not harness.first_contact.wait(plan.startup_timeout_s):
                    reason = f"no request from the producer within {plan.startup_timeout_s:g} s"
                    self._unreachable = True
                    self._notes.append(f"producer unreachable: {reason}")
                    yield TargetUnreachable(reason=reason)
                    self._results = [self._not_run(s, Status.ERROR, reason) for s in plan.scenarios]
                    yield RunFinished(result=self.result())
                    return
            self._results.extend(self._not_run(s, Status.SKIP, why) for s, why in plan.skipped)
            for index, scenario in enumerate(plan.scenarios):
                yield ScenarioStarted(scenario=scenario, index=index, total=total)
                result = self._run_scenario(scenario)
                findings = tuple(scrub_finding(f, plan.secrets) for f in result.findings)
                result = replace(result, findings=findings)
                self._results.append(result)
                yield ScenarioFinished(result=result, index=index, total=total)
        finally:
            harness.close()
        yield RunFinished(result=self.result())

    def urls(self) -> dict[str, str]:
        """The values of the ``--spawn`` placeholders."""
        assert self.harness is not None
        return {
            "controller_url": self.harness.base_url,
            "sink_url": self.harness.url_of(SINK),
            "capacity_url": self.harness.url_of("capacity"),
            "metrics_url": self.harness.url_of("metrics"),
        }

    def result(self, interrupted: str = "") -> RunResult:
        """The run's result so far (marked incomplete when interrupted)."""
        notes = [*self._notes, interrupted] if interrupted else self._notes
        return build_run_result(
            catalog=self.plan.protocol.catalog,
            scenario_results=self._results,
            profile=self.plan.profile,
            target=self.plan.target,
            tool=(TOOL_NAME, __version__),
            started_at=self._started,
            duration_s=time.perf_counter() - self._t0,
            capabilities=("producer-role",),
            incomplete=self._unreachable or bool(interrupted),
            unreachable=self._unreachable,
            notes=tuple(notes),
            role="producer",
        )

    # ------------------------------------------------------------ scenarios
    def _not_run(self, scenario: Scenario, status: Status, reason: str) -> ScenarioResult:
        return not_run(scenario, status, reason)

    def _run_scenario(self, scenario: Scenario) -> ScenarioResult:
        harness = self.harness
        assert harness is not None
        t0 = time.perf_counter()
        for endpoint in self.plan.protocol.producer.answers if self.plan.protocol.producer else ():
            harness.script(endpoint, None)
        steps = [s for s in scenario.steps if s.action in ("answer", "wait")]
        if steps and steps[0].action == "answer":
            self._apply(steps[0])  # the producer's very first signal already gets the first phase's answer
        harness.begin_session()
        harness.first_contact.clear()
        process: ProducerProcess | None = None
        errors: list[Finding] = []
        offset = 0.0
        argv: list[str] = []
        if self.plan.spawn is not None:
            argv = expand(list(self.plan.spawn), self.urls())
            try:
                process = ProducerProcess(argv)
            except TargetError as exc:
                return self._not_run(scenario, Status.ERROR, str(exc))
            if not self._await_contact(process):
                early = process.stop()
                why = (
                    f"the producer exited with code {early.code} before its first request"
                    if not early.stopped_by_us
                    else f"the producer made no request within {self.plan.startup_timeout_s:g} s"
                )
                return self._with_output(self._not_run(scenario, Status.ERROR, why), early, argv)
            offset = min((e.t for e in harness.events()), default=0.0)
        died = False
        try:
            for step in steps:
                if step.action == "answer":
                    self._apply(step)
                duration = float(step.answer.get("for", 0.0)) if step.action == "answer" else step.wait
                if not self._sleep(duration, process):
                    died = True
                    break
        except BaseException:
            if process is not None:  # interrupted: never leave the producer running
                process.stop(grace_s=1.0)
            raise
        end = harness.elapsed()
        events = harness.events()
        ended: Exit | None = process.stop() if process is not None else None
        trace = ProducerTrace(
            scenario_id=scenario.id,
            duration_s=max(0.0, end - offset),
            events=tuple(replace(e, t=e.t - offset, answered_t=e.answered_t - offset) for e in events if e.t >= offset),
        )
        if died and ended is not None:
            errors.extend(
                Finding(
                    requirement_id=rid,
                    kind=FindingKind.ERROR,
                    check="producer-process",
                    message=f"the producer exited with code {ended.code} {trace.duration_s:.1f} s into the scenario; "
                    "what it did before is judged, the rest could not be",
                    scenario_id=scenario.id,
                    evidence=Evidence(method="PROCESS", url=shlex.join(argv), response_body=ended.output_tail),
                )
                for rid in scenario.covers
            )
        judged, findings = self._judge(scenario, trace)
        findings = [*findings, *errors]
        if any(f.kind is FindingKind.VIOLATION for f in findings):
            status = Status.FAIL
        elif any(f.kind is FindingKind.ERROR for f in findings):
            status = Status.ERROR
        else:
            status = Status.PASS
        return ScenarioResult(
            scenario=scenario,
            status=status,
            judged=frozenset(judged),
            findings=tuple(findings),
            duration_s=time.perf_counter() - t0,
            exchanges=len(trace.events),
        )

    def _apply(self, step: object) -> None:
        assert self.harness is not None
        answer = getattr(step, "answer", {})
        self.harness.script(
            getattr(step, "endpoint", ""),
            Scripted(
                status=int(answer.get("status", 200)),
                set_fields=dict(answer.get("set", {})),
                headers={str(k): str(v) for k, v in answer.get("headers", {}).items()},
                body=answer.get("body"),
            ),
        )

    def _await_contact(self, process: ProducerProcess) -> bool:
        assert self.harness is not None
        deadline = time.monotonic() + self.plan.startup_timeout_s
        while time.monotonic() < deadline:
            if self.harness.first_contact.wait(POLL_S):
                return True
            if process.poll() is not None:
                return False
        return False

    def _sleep(self, seconds: float, process: ProducerProcess | None) -> bool:
        """Wait, watching the producer; False when it exited meanwhile."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            if process is not None and process.poll() is not None:
                return False
            time.sleep(min(POLL_S, left))

    def _with_output(self, result: ScenarioResult, ended: Exit, argv: list[str]) -> ScenarioResult:
        evidence = Evidence(method="PROCESS", url=shlex.join(argv), response_body=ended.output_tail)
        return replace(result, findings=tuple(replace(f, evidence=evidence) for f in result.findings))

    def _context(self, scenario: Scenario) -> ProducerContext:
        protocol = self.plan.protocol
        types = {
            name: endpoint.request
            for name, endpoint in protocol.endpoints.items()
            if protocol.producer and name in protocol.producer.answers and endpoint.request
        }
        return ProducerContext(
            scenario_id=scenario.id,
            profile=self.plan.profile,
            schemas_dir=protocol.schemas_dir,
            message_types=types,
            skew_ms=self.plan.skew_ms,
            rate_tolerance_pct=self.plan.rate_tolerance_pct,
            max_signal_gap_s=self.plan.max_signal_gap_s,
            timing_slack_s=self.plan.timing_slack_s,
        )

    def _judge(self, scenario: Scenario, trace: ProducerTrace) -> tuple[set[str], list[Finding]]:
        side = self.plan.protocol.producer
        names = list(dict.fromkeys([*(side.checks if side else ()), *scenario.checks]))
        ctx = self._context(scenario)
        judged: set[str] = set()
        findings: list[Finding] = []
        for name in names:
            check = PRODUCER_CHECKS[name]
            issues = check.func(trace, ctx)
            if issues is None:
                continue
            judged.update(check.requirements)
            for issue in issues:
                findings.append(
                    Finding(
                        requirement_id=issue.requirement_id,
                        kind=issue.kind,
                        check=name,
                        message=issue.message,
                        expected=issue.expected,
                        actual=issue.actual,
                        scenario_id=scenario.id,
                        evidence=evidence_of_received(issue.event) if isinstance(issue.event, Received) else None,
                    )
                )
        return judged, findings


def evidence_of_received(event: Received) -> Evidence:
    """Evidence for a request the producer made and the answer it got."""
    answer = "" if event.answer is None else json.dumps(event.answer)
    return Evidence(
        method=event.method,
        url=event.path,
        request_body=excerpt(event.body),
        status=event.status or None,
        response_headers=event.answer_headers,
        response_body=answer,
        elapsed_ms=round((event.answered_t - event.t) * 1000, 2),
    )


__all__ = ["PLACEHOLDERS", "ProducerDriver", "ProducerPlan"]
