"""Turn capture tallies into the run result every reporter and the gate already understand."""

from __future__ import annotations

from datetime import UTC, datetime

from validator import TOOL_NAME, __version__
from validator.model import Evidence, Finding, FindingKind, RunResult, Scenario, ScenarioResult, Status
from validator.offline.engine import Tally
from validator.protocol import Protocol
from validator.results import build_run_result


def capture_scenario(index: int, tally: Tally) -> ScenarioResult:
    """One capture file as a scenario: the ids its messages were judged on, and the findings kept."""
    kinds = ", ".join(f"{name} {count:,}" for name, count in sorted(tally.types.items()))
    title = f"{tally.source}: {tally.messages:,} messages ({kinds or 'none of a known type'}"
    title += f"; {tally.unknown:,} of no known type)" if tally.unknown else ")"
    scenario = Scenario(
        id=f"capture/{index + 1}",
        title=title,
        covers=tuple(sorted(tally.judged)),
        tags=("capture",),
        needs=(),
        steps=(),
        source=tally.source,
        line=1,
        role="capture",
    )
    findings: list[Finding] = []
    for rid in sorted(tally.samples):
        samples = tally.samples[rid]
        for sample in samples:
            findings.append(
                Finding(
                    requirement_id=rid,
                    kind=FindingKind(sample.kind),
                    check="capture",
                    message=f"{sample.where}: {sample.message}",
                    expected=sample.expected,
                    actual=sample.actual,
                    scenario_id=scenario.id,
                    evidence=Evidence(url=f"{tally.source} {sample.where}", request_body=sample.excerpt),
                )
            )
        shown = sum(1 for s in samples if s.kind == FindingKind.VIOLATION.value)
        total = tally.violations.get(rid, 0)
        if total > shown:
            findings.append(
                Finding(
                    requirement_id=rid,
                    kind=FindingKind.NOTE,
                    check="capture",
                    message=f"{total:,} messages in all break it; the first {shown} are shown",
                    scenario_id=scenario.id,
                )
            )
    status = Status.FAIL if tally.violations else Status.PASS
    if tally.messages == 0 and tally.pairs == 0:
        status = Status.SKIP
    return ScenarioResult(
        scenario=scenario,
        status=status,
        judged=frozenset(tally.judged),
        findings=tuple(findings),
        skip_reason="no messages in the file" if status is Status.SKIP else "",
        exchanges=tally.messages,
    )


def capture_result(
    protocol: Protocol,
    tallies: list[Tally],
    *,
    duration_s: float,
    started_at: str | None = None,
    notes: tuple[str, ...] = (),
) -> RunResult:
    """The run result of checking these captures."""
    results = [capture_scenario(i, t) for i, t in enumerate(tallies)]
    target = "capture: " + ", ".join(t.source for t in tallies)
    return build_run_result(
        catalog=protocol.catalog,
        scenario_results=results,
        profile="default",
        target=target,
        tool=(TOOL_NAME, __version__),
        started_at=started_at or datetime.now(UTC).isoformat(timespec="seconds"),
        duration_s=duration_s,
        notes=notes,
        role="capture",
    )
