"""The driver: replays scenarios through an adapter and yields events. It never prints.

For every send step it builds the request (template, overrides, fresh ids),
sends it through the adapter, runs the step's checks plus the protocol's
passive checks on the exchange, and, after any step that sends invalid input,
sends a liveness probe. It folds what it saw into :class:`ScenarioResult`
values and, at the end, a :class:`RunResult`.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from validator import TOOL_NAME, __version__
from validator.adapters.base import Adapter
from validator.events import (
    Event,
    Notice,
    RunFinished,
    RunStarted,
    ScenarioFinished,
    ScenarioStarted,
    TargetUnreachable,
)
from validator.evidence import scrub_finding
from validator.execution import ScenarioRun
from validator.messages import IdBook, encode, fill
from validator.model import (
    FindingKind,
    Request,
    RunResult,
    Scenario,
    ScenarioResult,
    Status,
)
from validator.protocol import Protocol
from validator.results import build_run_result, not_run


@dataclass(frozen=True, kw_only=True)
class RunPlan:
    """What to run: the protocol, the selected scenarios and how to judge them."""

    protocol: Protocol
    scenarios: tuple[Scenario, ...]
    profile: str = "default"
    target: str = ""
    skew_ms: int = 300_000
    run_tag: str = ""
    deadline_s: float | None = None
    secrets: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    skipped: tuple[tuple[Scenario, str], ...] = ()  # (scenario, why it does not run)
    latency_budget_ms: float = 100.0
    fair_tolerance_pct: float = 10.0
    timing_slack_s: float = 0.0


class Driver:
    """Runs a plan against one adapter."""

    def __init__(
        self,
        plan: RunPlan,
        adapter: Adapter,
        *,
        wall_clock: Callable[[], float] = time.time,
        stages: tuple[Callable[[Adapter], ScenarioResult], ...] = (),
    ) -> None:
        self.plan = plan
        self.adapter = adapter
        self.stages = stages  # extra work after the scenarios (e.g. fuzzing), each reported like a scenario
        self._wall = wall_clock
        self.run_tag = plan.run_tag or secrets.token_hex(3)
        self._probe_count = 0
        self._target_down: str | None = None
        self.preflight_status: int | None = None
        self._results: list[ScenarioResult] = []
        self._notes: list[str] = []
        self._started = datetime.now(UTC).isoformat(timespec="seconds")
        self._t0 = time.perf_counter()
        self._unreachable = False
        self._incomplete = False

    def now_ms(self) -> int:
        """Validator clock in epoch milliseconds."""
        return int(self._wall() * 1000)

    def run(self) -> Iterator[Event]:
        """Execute the plan, yielding events; the last event is :class:`RunFinished`."""
        self._started = datetime.now(UTC).isoformat(timespec="seconds")
        self._t0 = time.perf_counter()
        deadline = None if self.plan.deadline_s is None else time.monotonic() + self.plan.deadline_s
        self.adapter.limit_to(deadline)
        total = len(self.plan.scenarios)
        yield RunStarted(target=self.plan.target, total=total, profile=self.plan.profile)
        for note in self.plan.notes:
            self._notes.append(note)
            yield Notice(message=note)
        unreachable = self._preflight()
        if unreachable:
            self._unreachable = True
            yield TargetUnreachable(reason=unreachable)
            self._notes.append(f"target unreachable: {unreachable}")
            reason = f"target unreachable: {unreachable}"
            self._results = [self._not_run(s, Status.ERROR, reason) for s in self.plan.scenarios]
            yield RunFinished(result=self.result())
            return
        for message in self._probe_capabilities():
            self._notes.append(message)
            yield Notice(message=message)
        self._results.extend(self._not_run(scenario, Status.SKIP, why) for scenario, why in self.plan.skipped)
        for index, scenario in enumerate(self.plan.scenarios):
            if deadline is not None and time.monotonic() >= deadline and not self._target_down:
                self._target_down = f"the run deadline of {self.plan.deadline_s:g} s passed before this scenario"
                self._notes.append(f"run deadline of {self.plan.deadline_s:g} s reached; later scenarios did not run")
                self._incomplete = True
                yield Notice(message=self._notes[-1])
            yield ScenarioStarted(scenario=scenario, index=index, total=total)
            result = self._run_scenario(scenario, index)
            self._results.append(result)
            yield ScenarioFinished(result=result, index=index, total=total)
        for stage in self.stages:
            if self._target_down:
                break
            result = stage(self.adapter)
            # stages report like scenarios, and like them must never carry a configured secret
            findings = tuple(scrub_finding(f, self.plan.secrets) for f in result.findings)
            result = replace(result, findings=findings)
            self._results.append(result)
            yield ScenarioFinished(result=result, index=total, total=total)
        yield RunFinished(result=self.result())

    def result(self, interrupted: str = "") -> RunResult:
        """The run's result so far; with ``interrupted`` it is marked incomplete with that reason."""
        notes = [*self._notes, interrupted] if interrupted else self._notes
        return build_run_result(
            catalog=self.plan.protocol.catalog,
            scenario_results=self._results,
            profile=self.plan.profile,
            target=self.plan.target,
            tool=(TOOL_NAME, __version__),
            started_at=self._started,
            duration_s=time.perf_counter() - self._t0,
            capabilities=tuple(sorted(self.adapter.capabilities)),
            incomplete=self._incomplete or self._unreachable or bool(interrupted),
            unreachable=self._unreachable,
            notes=tuple(notes),
        )

    # ------------------------------------------------------------ preparation
    def _preflight(self) -> str:
        """Empty when the target answers at all; otherwise why it could not be reached."""
        exchange = self.adapter.send(self.probe_request(IdBook(self.run_tag, -1)))
        if exchange.response is None and exchange.error_kind in ("connect", "timeout"):
            return exchange.error or "no answer"
        self.preflight_status = exchange.response.status if exchange.response is not None else None
        return ""

    def _probe_capabilities(self) -> list[str]:
        notes = []
        status = self.preflight_status
        if status is None or status // 100 != 2:
            probe = self.plan.protocol.endpoints[self.plan.protocol.probe_endpoint]
            notes.append(
                f"a valid {self.plan.protocol.probe_message} to {probe.method} {probe.name} was answered "
                f"{status if status is not None else 'with no response'}, not 2xx: check the target URL, "
                "--path and the token; most results of this run will be failures"
            )
        hook = self.plan.protocol.state_hook
        if hook is not None and "state-hook" in self.adapter.capabilities:
            exchange = self.adapter.set_consumer_state(f"nv{self.run_tag}-hookprobe", 0, 1000)
            available = exchange.response is not None and exchange.response.status // 100 == 2
            self.adapter.mark_state_hook(available)
            if not available:
                got = exchange.response.status if exchange.response is not None else exchange.error
                notes.append(
                    f"state hook not available ({hook.method} {hook.path} answered {got}); "
                    "scenarios that need it are skipped"
                )
        if "auth-token" not in self.adapter.capabilities:
            notes.append("no token configured; authentication scenarios are skipped")
        return notes

    def _not_run(self, scenario: Scenario, status: Status, reason: str) -> ScenarioResult:
        return not_run(scenario, status, reason)

    # -------------------------------------------------------------- scenarios
    def _run_scenario(self, scenario: Scenario, index: int) -> ScenarioResult:
        if self._target_down:
            return self._not_run(scenario, Status.ERROR, self._target_down)
        missing = [need for need in scenario.needs if need not in self.adapter.capabilities]
        if missing:
            return self._not_run(scenario, Status.SKIP, f"target lacks capability: {', '.join(missing)}")
        run = ScenarioRun(self, scenario, IdBook(self.run_tag, index))
        t0 = time.perf_counter()
        run.execute()
        if run.connect_failures and self._preflight():
            self._target_down = f"target stopped accepting connections during scenario {scenario.id}"
        findings = tuple(run.findings)
        if any(f.kind is FindingKind.VIOLATION for f in findings):
            status = Status.FAIL
        elif any(f.kind is FindingKind.ERROR for f in findings):
            status = Status.ERROR
        else:
            status = Status.PASS
        return ScenarioResult(
            scenario=scenario,
            status=status,
            judged=frozenset(run.judged),
            findings=findings,
            duration_s=time.perf_counter() - t0,
            exchanges=run.exchange_count,
        )

    def probe_request(self, book: IdBook) -> Request:
        proto = self.plan.protocol
        self._probe_count += 1
        message = fill(proto.templates[proto.probe_message], book, self.now_ms, self._probe_count)
        message = {
            k: (f"{v}-probe{self._probe_count}" if k.endswith("_id") and isinstance(v, str) else v)
            for k, v in message.items()
        }
        return Request(endpoint=proto.probe_endpoint, method="", body=encode(message))
