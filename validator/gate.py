"""The gate: how a run's verdicts become a pass/fail decision and an exit code.

One place decides; the CLI only calls :func:`evaluate_gate` and exits with its code,
and every report shows the same decision.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from validator.known import KnownFailure
from validator.model import Level, RunResult, Status

EXIT_OK = 0
EXIT_FAILURES = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_INTERRUPTED = 130


@dataclass(frozen=True, kw_only=True)
class GateResult:
    """The decision and what it rests on."""

    fail_on: Level
    verdict: str  # pass | fail | unreachable | interrupted
    exit_code: int
    gating: tuple[str, ...]  # failed or errored ids at or above fail_on, not known
    below: tuple[str, ...]  # failed ids below fail_on (shown, not gating)
    known: tuple[tuple[str, str], ...] = ()  # (id, "file:line: reason") listed as known failures
    unexpected_passes: tuple[tuple[str, str], ...] = ()  # (id, "file:line") listed but passing
    expired: tuple[tuple[str, str], ...] = ()  # (pattern, "file:line: expired on DATE")

    @property
    def problems(self) -> list[str]:
        """One line per reason the gate failed, for people."""
        lines = [f"{rid} failed" for rid in self.gating]
        lines += [
            f"{rid} passes but is listed as a known failure at {where}: remove it from the list"
            for rid, where in self.unexpected_passes
        ]
        lines += [f"known-failure entry {pattern} at {why}" for pattern, why in self.expired]
        return lines


def evaluate_gate(
    result: RunResult,
    fail_on: Level,
    *,
    known: tuple[KnownFailure, ...] = (),
    today: dt.date | None = None,
    interrupted: bool = False,
) -> GateResult:
    """Fail on any failure or error at or above ``fail_on`` that is not a known failure, on any
    known failure that now passes, and on any expired entry; unreachable and interrupted runs never pass."""
    today = today or dt.date.today()
    expired = tuple(
        (e.pattern, f"{e.where}: expired on {e.expires.isoformat()}")
        for e in known
        if e.expires is not None and e.expires < today
    )
    live = [e for e in known if e.expires is None or e.expires >= today]
    known_ids: list[tuple[str, str]] = []
    unexpected: list[tuple[str, str]] = []
    gating: list[str] = []
    below: list[str] = []
    for rr in result.requirements:
        rid = rr.requirement.id
        entry = next((e for e in live if e.matches(rid)), None)
        failed = rr.status in (Status.FAIL, Status.ERROR)
        if entry is not None and failed:
            known_ids.append((rid, f"{entry.where}: {entry.reason}"))
        elif entry is not None and rr.status is Status.PASS:
            unexpected.append((rid, entry.where))
        elif failed and rr.level >= fail_on:
            gating.append(rid)
        elif rr.status is Status.FAIL:
            below.append(rid)
    if interrupted:
        verdict, code = "interrupted", EXIT_INTERRUPTED
    elif result.unreachable:
        verdict, code = "unreachable", EXIT_UNREACHABLE
    elif gating or unexpected or expired:
        verdict, code = "fail", EXIT_FAILURES
    else:
        verdict, code = "pass", EXIT_OK
    return GateResult(
        fail_on=fail_on,
        verdict=verdict,
        exit_code=code,
        gating=tuple(gating),
        below=tuple(below),
        known=tuple(known_ids),
        unexpected_passes=tuple(unexpected),
        expired=expired,
    )
