"""The gate: how a run's verdicts become a pass/fail decision and an exit code.

One place decides; the CLI only calls :func:`evaluate_gate` and exits with its code,
and every report shows the same decision.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    gating: tuple[str, ...]  # failed or errored ids at or above fail_on
    below: tuple[str, ...]  # failed ids below fail_on (shown, not gating)


def evaluate_gate(result: RunResult, fail_on: Level, *, interrupted: bool = False) -> GateResult:
    """Fail on any failure or error at or above ``fail_on``; unreachable and interrupted runs never pass."""
    gating = tuple(
        rr.requirement.id
        for rr in result.requirements
        if rr.status in (Status.FAIL, Status.ERROR) and rr.level >= fail_on
    )
    below = tuple(rr.requirement.id for rr in result.requirements if rr.status is Status.FAIL and rr.level < fail_on)
    if interrupted:
        verdict, code = "interrupted", EXIT_INTERRUPTED
    elif result.unreachable:
        verdict, code = "unreachable", EXIT_UNREACHABLE
    elif gating:
        verdict, code = "fail", EXIT_FAILURES
    else:
        verdict, code = "pass", EXIT_OK
    return GateResult(fail_on=fail_on, verdict=verdict, exit_code=code, gating=gating, below=below)
