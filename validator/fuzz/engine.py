"""The fuzz loop: generate, send, judge with the normal checks, shrink failures, keep them for replay.

Each failing case is shrunk by hypothesis to a minimal one, reported under the requirement it
violates with the target's answer, the seed and a ``curl`` command that reproduces it. Distinct
failures are found one requirement at a time (a found requirement is not reported again).
"""

from __future__ import annotations

import base64
import secrets
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed

from validator.adapters.base import Adapter
from validator.checks import EXCHANGE_CHECKS, STEP_CHECKS
from validator.checks.base import CheckContext, Issue, parse_body
from validator.evidence import evidence_of
from validator.fuzz import backpressure
from validator.fuzz.cases import FuzzCase
from validator.model import Exchange, Expectation, Finding, FindingKind, Request
from validator.protocol import Protocol

MAX_DISTINCT = 8


@dataclass(frozen=True, kw_only=True)
class FuzzFailure:
    """A shrunk failing case and everything needed to reproduce it."""

    case: FuzzCase
    issue: Issue
    check: str
    exchange: Exchange
    seed: int
    curl: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, as saved for ``fuzz --replay``."""
        resp = self.exchange.response
        return {
            "requirement_id": self.issue.requirement_id,
            "check": self.check,
            "label": self.case.label,
            "endpoint": self.case.endpoint,
            "expect": self.case.expect,
            "judges": list(self.case.judges),
            "body_base64": base64.b64encode(self.exchange.request.body or b"").decode(),
            "message": self.issue.message,
            "expected": self.issue.expected,
            "actual": self.issue.actual,
            "status": resp.status if resp is not None else None,
            "error": self.exchange.error,
            "seed": self.seed,
            "curl": self.curl,
        }


@dataclass(kw_only=True)
class FuzzReport:
    """What a fuzz session found and how much it did."""

    seed: int
    examples: int = 0
    failures: list[FuzzFailure] = field(default_factory=list)
    judged: set[str] = field(default_factory=set)
    duration_s: float = 0.0

    def findings(self, scenario_id: str) -> list[Finding]:
        """The failures as report findings (with evidence)."""
        return [
            Finding(
                requirement_id=f.issue.requirement_id,
                kind=f.issue.kind,
                check=f"fuzz:{f.check}",
                message=f"{f.case.label}: {f.issue.message} (seed {f.seed}; reproduce: {f.curl})",
                expected=f.issue.expected,
                actual=f.issue.actual,
                scenario_id=scenario_id,
                evidence=evidence_of(f.exchange),
            )
            for f in self.failures
        ]


class _Found(Exception):
    """Raised inside the property to make hypothesis shrink; never escapes this module."""

    def __init__(self, case: FuzzCase, issue: Issue, check: str, exchange: Exchange) -> None:
        super().__init__(issue.message)
        self.case, self.issue, self.check, self.exchange = case, issue, check, exchange


def judge(
    protocol: Protocol, case: FuzzCase, exchange: Exchange, profile: str = "default", skew_ms: int = 300_000
) -> tuple[list[tuple[str, Issue]], set[str]]:
    """Run the step and passive checks the case calls for: (violations with their check, ids judged)."""
    endpoint = protocol.endpoints[case.endpoint]
    ctx = CheckContext(
        scenario_id="fuzz",
        step=None,
        profile=profile,
        judges=case.judges,
        expectation=Expectation(kind=case.expect),
        endpoint=endpoint.name,
        response_type=endpoint.response,
        schemas_dir=protocol.schemas_dir,
        body=parse_body(exchange),
        clock_ms=int(time.time() * 1000),
        skew_ms=skew_ms,
    )
    violations: list[tuple[str, Issue]] = []
    judged: set[str] = set()
    for name in dict.fromkeys((*STEP_CHECKS, *protocol.passive_checks.get(endpoint.name, ()))):
        check = EXCHANGE_CHECKS[name]
        issues = check.func(exchange, ctx)
        if issues is None:
            continue
        judged.update(check.requirements or case.judges)
        violations += [(name, i) for i in issues if i.kind is FindingKind.VIOLATION]
    return violations, judged


def curl_command(url: str, method: str, body: bytes, headers: tuple[tuple[str, str], ...]) -> str:
    """A shell command that sends exactly these bytes (credentials left as a variable)."""
    parts = ["curl", "-sS", "-i", "-X", method, shlex.quote(url), "-H", shlex.quote("Content-Type: application/json")]
    for name, _value in headers:
        if name.lower() == "authorization":
            parts += ["-H", '"Authorization: Bearer $NEXUS_TOKEN"']
    try:
        text = body.decode("utf-8")
        if "\x00" in text or len(body) > 4096:
            raise UnicodeDecodeError("utf-8", body, 0, 1, "binary")
        return " ".join([*parts, "--data-binary", shlex.quote(text)])
    except UnicodeDecodeError:
        if len(body) > 4096:  # deep nesting: generate it rather than paste it
            opening, closing = body.count(b"["), body.count(b"]")
            if body == b"[" * opening + b"]" * closing:
                gen = f'python3 -c \'print("["*{opening}+"]"*{closing}, end="")\''
                return f"{gen} | {' '.join(parts)} --data-binary @-"
        escaped = "".join(f"\\x{b:02x}" for b in body)
        return f"printf '{escaped}' | {' '.join(parts)} --data-binary @-"


def fuzz(
    adapter: Adapter,
    protocol: Protocol,
    *,
    max_examples: int = 100,
    seed: int | None = None,
    duration_s: float | None = None,
    profile: str = "default",
    on_progress: Callable[[int, int], None] | None = None,
) -> FuzzReport:
    """Fuzz the target; with ``duration_s`` it keeps going in rounds of ``max_examples`` until time is up."""
    seed = seed if seed is not None else int.from_bytes(secrets.token_bytes(4), "big")
    report = FuzzReport(seed=seed)
    found_ids: set[str] = set()
    tag = secrets.token_hex(3)
    counter = [0]
    started = time.monotonic()

    def send(case: FuzzCase) -> Exchange:
        counter[0] += 1
        body = case.body(unique=f"-nvf{tag}{counter[0]}")
        return adapter.send(Request(endpoint=case.endpoint, method="", body=body))

    def prop(case: FuzzCase) -> None:
        report.examples += 1
        exchange = send(case)
        violations, judged = judge(protocol, case, exchange, profile)
        report.judged.update(judged)
        if on_progress is not None:
            on_progress(report.examples, len(report.failures))
        for check, issue in violations:
            if issue.requirement_id not in found_ids:
                raise _Found(case, issue, check, exchange)

    round_seed = seed
    while len(report.failures) < MAX_DISTINCT:
        test = settings(
            max_examples=max_examples,
            database=None,
            deadline=None,
            derandomize=False,
            report_multiple_bugs=False,
            suppress_health_check=list(HealthCheck),
            phases=(Phase.generate, Phase.shrink),
        )(given(backpressure.cases())(prop))  # type: ignore[no-untyped-call]
        try:
            hypothesis_seed(round_seed)(test)()
        except _Found as found:
            found_ids.add(found.issue.requirement_id)
            url, method = found.exchange.url, found.exchange.method
            report.failures.append(
                FuzzFailure(
                    case=found.case,
                    issue=found.issue,
                    check=found.check,
                    exchange=found.exchange,
                    seed=seed,
                    curl=curl_command(url, method, found.exchange.request.body or b"", found.exchange.sent_headers),
                )
            )
            continue  # look for a different requirement with the same seed
        if duration_s is None or time.monotonic() - started >= duration_s:
            break
        round_seed += 1
    report.duration_s = time.monotonic() - started
    return report
