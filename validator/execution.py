"""Executing one scenario: steps, checks, liveness probes, timed windows and batch checks.

:class:`ScenarioRun` holds the mutable state of one scenario's execution; the driver
creates one per scenario and folds what it found into a :class:`ScenarioResult`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from validator.checks import BATCH_CHECKS, EXCHANGE_CHECKS, SCENARIO_CHECKS, STEP_CHECKS
from validator.checks.base import CheckContext, Issue, parse_body
from validator.evidence import evidence_of, scrub_finding
from validator.messages import IdBook, build_message, encode, fill
from validator.model import Exchange, Expectation, Finding, FindingKind, Request, Scenario, Step
from validator.sending import send_batch

if TYPE_CHECKING:
    from validator.driver import Driver

ACCEPT = Expectation(kind="accept")


def step_label(step: Step) -> str:
    """A short description of what a step sends, for finding messages."""
    parts = []
    if step.method:
        parts.append(step.method)
    if step.raw_body is not None:
        text = step.raw_body[:40].decode("utf-8", errors="backslashreplace")
        parts.append(f"raw body {text!r}" if step.raw_body else "empty body")
    elif step.message_type or step.set_fields:
        parts.append(step.message_type or "object")
        if step.set_fields:
            parts.append(
                "with " + ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)[:60]}" for k, v in step.set_fields.items())
            )
        if step.unset_fields:
            parts.append("without " + ", ".join(step.unset_fields))
        if step.pad_to:
            parts.append(f"padded to {step.pad_to} bytes")
    else:
        parts.append("no body")
    if step.auth != "default":
        parts.append({"none": "no token", "wrong": "wrong token"}.get(step.auth, step.auth))
    if step.repeat > 1:
        parts.append(f"x{step.repeat}" + (f" in parallel {step.parallel}" if step.parallel > 1 else ""))
    return " ".join(parts)


class ScenarioRun:
    """Mutable state of one scenario's execution."""

    def __init__(self, driver: Driver, scenario: Scenario, book: IdBook) -> None:
        self.driver = driver
        self.protocol = driver.plan.protocol
        self.scenario = scenario
        self.book = book
        self.findings: list[Finding] = []
        self.judged: set[str] = set()
        self.pairs: list[tuple[Exchange, CheckContext]] = []
        self.producers_by_consumer: dict[str, set[str]] = {}
        self.state_by_consumer: dict[str, tuple[int, int]] = {}
        self.exchange_count = 0
        self.connect_failures = 0

    def execute(self) -> None:
        for step in self.scenario.steps:
            if step.action == "wait":
                time.sleep(step.wait)
                continue
            if step.action == "set_state":
                if not self._set_state(step):
                    return
                continue
            self._send_step(step)
            if step.probe_after:
                self._probe(step)
        for name in self.protocol.scenario_checks:
            check = SCENARIO_CHECKS[name]
            issues = check.func(self.pairs)
            if issues is not None:
                self.judged.update(check.requirements)
                self._record(issues, name, None, None, "")

    def _set_state(self, step: Step) -> bool:
        consumer = str(fill(step.state.get("consumer", "{{consumer}}"), self.book, self.driver.now_ms))
        load, cap = int(step.state["current_load"]), int(step.state["max_capacity"])
        exchange = self.driver.adapter.set_consumer_state(consumer, load, cap)
        self.exchange_count += 1
        if exchange.response is not None and exchange.response.status // 100 == 2:
            self.state_by_consumer[consumer] = (load, cap)
            return True
        got = exchange.response.status if exchange.response is not None else exchange.error
        for rid in self.scenario.covers:
            self._add(
                Finding(
                    requirement_id=rid,
                    kind=FindingKind.ERROR,
                    check="state-hook",
                    message=f"state hook refused to set load {load}% of {cap}: {got}",
                    scenario_id=self.scenario.id,
                    step=step.index,
                    evidence=evidence_of(exchange),
                )
            )
        return False

    def _build(self, step: Step, rep: int, variant: dict[str, Any]) -> tuple[Request, object]:
        message: object = None
        if step.raw_body is not None:
            body: bytes | None = step.raw_body
        elif step.message_type is not None or step.set_fields or variant:
            template = self.protocol.templates.get(step.message_type) if step.message_type else None
            fields = {**step.set_fields, **variant}
            built = fill(build_message(template, fields, step.unset_fields), self.book, self.driver.now_ms, rep)
            message = built
            body = encode(built, step.pad_to)
        else:
            body = None
        headers = (("Content-Type", step.content_type),) if step.content_type else ()
        return Request(
            endpoint=step.endpoint, method=step.method or "", body=body, headers=headers, auth=step.auth
        ), message

    def _send_step(self, step: Step) -> None:
        if step.within is not None:
            self._send_until(step)
            return
        self._judge(step, self._exchanges(step), step.checks)

    def _exchanges(self, step: Step) -> list[Exchange]:
        if step.variants:
            plan = [(r * len(step.variants) + i, v) for r in range(step.repeat) for i, v in enumerate(step.variants)]
        else:
            plan = [(rep, {}) for rep in range(step.repeat)]
        items = [self._build(step, rep, variant) for rep, variant in plan]
        exchanges = send_batch(self.driver.adapter.send, items, parallel=step.parallel, rate=step.rate)
        # Register every flow of the batch before judging any answer: in a parallel batch the target may
        # have seen all of them before the first answer is judged.
        for exchange in exchanges:
            self._note_flow(exchange)
        return exchanges

    def _judge(self, step: Step, exchanges: list[Exchange], checks: tuple[str, ...]) -> None:
        expectation = step.expectation(self.driver.plan.profile)
        prefix = f"step {step.index + 1} ({step_label(step)}): "
        first = len(self.pairs)
        for exchange in exchanges:
            self._evaluate(exchange, step, expectation, step.judges, checks, prefix)
        batch = self.pairs[first:]
        for name in step.batch_checks:
            check = BATCH_CHECKS[name]
            issues = check.func(batch)
            if issues is not None:
                self.judged.update(check.requirements or step.judges)
                self._record(issues, name, None, step.index, prefix)

    def _send_until(self, step: Step) -> None:
        """Repeat the step until its checks pass (the condition) or the window closes; judge the step's ids."""
        window = (step.within or 0.0) + self.driver.plan.timing_slack_s
        started = time.monotonic()
        attempts = 0
        while True:
            attempts += 1
            exchanges = self._exchanges(step)
            unmet = self._unmet(step, exchanges)
            waited = time.monotonic() - started
            if not unmet or waited >= window:
                break
            time.sleep(step.poll)
        self._judge(step, exchanges, ())
        self.judged.update(step.judges)
        prefix = f"step {step.index + 1} ({step_label(step)}): "
        if unmet:
            issues = [
                Issue(
                    requirement_id=rid,
                    message=f"still not so after {waited:.2f} s ({attempts} attempts): {unmet[0].message}",
                    expected=f"within {window:g} s",
                    actual=f"> {waited:.2f} s",
                )
                for rid in step.judges
            ]
        else:
            issues = [
                Issue(
                    requirement_id=rid,
                    kind=FindingKind.NOTE,
                    message=f"took effect after {waited:.2f} s ({attempts} attempts)",
                    expected=f"within {window:g} s",
                    actual=f"{waited:.2f} s",
                )
                for rid in step.judges
            ]
        self._record(issues, "within", exchanges[-1] if exchanges else None, step.index, prefix)

    def _unmet(self, step: Step, exchanges: list[Exchange]) -> list[Issue]:
        """Violations the step's condition checks find in these exchanges (nothing is recorded)."""
        expectation = step.expectation(self.driver.plan.profile)
        found: list[Issue] = []
        for exchange in exchanges:
            ctx = self._context(exchange, step, expectation, step.judges)
            for name in step.checks:
                found += [i for i in EXCHANGE_CHECKS[name].func(exchange, ctx) or () if i.kind is FindingKind.VIOLATION]
        return found

    def _probe(self, step: Step) -> None:
        request = self.driver.probe_request(self.book)
        exchange = self.driver.adapter.send(request)
        exchange = replace(exchange, message_sent=json.loads(request.body or b"{}"))
        self._note_flow(exchange)
        self._evaluate(
            exchange, step, ACCEPT, self.protocol.probe_judges, (), f"liveness probe after step {step.index + 1}: "
        )

    def _note_flow(self, exchange: Exchange) -> None:
        """Remember which producers this scenario has signalled on which consumer (accepted or not)."""
        sent = exchange.message_sent
        endpoint = self.protocol.endpoints[exchange.request.endpoint]
        if endpoint.response and isinstance(sent, dict):
            producer, consumer = sent.get("producer_id"), sent.get("consumer_id")
            if isinstance(producer, str) and isinstance(consumer, str):
                self.producers_by_consumer.setdefault(consumer, set()).add(producer)

    def _context(
        self, exchange: Exchange, step: Step, expectation: Expectation | None, judges: tuple[str, ...]
    ) -> CheckContext:
        endpoint = self.protocol.endpoints[exchange.request.endpoint]
        sent = exchange.message_sent if isinstance(exchange.message_sent, dict) else {}
        producer, consumer = str(sent.get("producer_id", "")), str(sent.get("consumer_id", ""))
        ctx = CheckContext(
            scenario_id=self.scenario.id,
            step=step.index,
            profile=self.driver.plan.profile,
            judges=judges,
            expectation=expectation,
            endpoint=endpoint.name,
            response_type=endpoint.response,
            schemas_dir=self.protocol.schemas_dir,
            body=parse_body(exchange),
            # A consumer counts as fresh only when this run generated its id.
            sole_producer=consumer.startswith(self.book.prefix)
            and self.producers_by_consumer.get(consumer) == {producer},
            consumer_state=self.state_by_consumer.get(consumer),
            clock_ms=self.driver.now_ms(),
            skew_ms=self.driver.plan.skew_ms,
            extra={
                "latency_budget_ms": self.driver.plan.latency_budget_ms,
                "fair_tolerance_pct": self.driver.plan.fair_tolerance_pct,
            },
        )
        return ctx

    def _evaluate(
        self,
        exchange: Exchange,
        step: Step,
        expectation: Expectation | None,
        judges: tuple[str, ...],
        extra_checks: tuple[str, ...],
        prefix: str,
    ) -> None:
        self.exchange_count += 1
        if exchange.error_kind == "connect":
            self.connect_failures += 1
        ctx = self._context(exchange, step, expectation, judges)
        self.pairs.append((exchange, ctx))
        names = STEP_CHECKS + self.protocol.passive_checks.get(ctx.endpoint, ()) + extra_checks
        for name in dict.fromkeys(names):
            check = EXCHANGE_CHECKS[name]
            issues = check.func(exchange, ctx)
            if issues is None:
                continue
            self.judged.update(check.requirements or judges)
            self._record(issues, name, exchange, step.index, prefix)

    def _record(
        self, issues: Iterable[Issue], check: str, exchange: Exchange | None, step: int | None, prefix: str
    ) -> None:
        evidence = None
        for issue in issues:
            if evidence is None and exchange is not None:
                evidence = evidence_of(exchange)
            self._add(
                Finding(
                    requirement_id=issue.requirement_id,
                    kind=issue.kind,
                    check=check,
                    message=prefix + issue.message,
                    expected=issue.expected,
                    actual=issue.actual,
                    scenario_id=self.scenario.id,
                    step=step,
                    evidence=evidence,
                )
            )

    def _add(self, finding: Finding) -> None:
        """Keep a finding, with every configured secret scrubbed from it (targets may echo credentials)."""
        self.findings.append(scrub_finding(finding, self.driver.plan.secrets))
