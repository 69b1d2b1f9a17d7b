"""Fold scenario results into one verdict per requirement."""

from __future__ import annotations

from collections.abc import Iterable

from validator.model import (
    Catalog,
    Finding,
    FindingKind,
    RequirementResult,
    RunResult,
    ScenarioResult,
    Status,
)


def requirement_status(rid: str, findings: list[Finding], judged: bool, skip_reasons: list[str]) -> tuple[Status, str]:
    """Fail beats error beats pass beats skip beats untested; a requirement nobody judged is never a pass."""
    if any(f.kind is FindingKind.VIOLATION for f in findings):
        return Status.FAIL, ""
    errors = [f for f in findings if f.kind is FindingKind.ERROR]
    if errors:
        return Status.ERROR, errors[0].message
    if judged:
        return Status.PASS, ""
    if skip_reasons:
        return Status.SKIP, "; ".join(dict.fromkeys(skip_reasons))
    return Status.UNTESTED, "no scenario in this run judges it"


def build_run_result(
    *,
    catalog: Catalog,
    scenario_results: Iterable[ScenarioResult],
    profile: str,
    target: str,
    tool: tuple[str, str],
    started_at: str,
    duration_s: float,
    capabilities: tuple[str, ...] = (),
    incomplete: bool = False,
    unreachable: bool = False,
    notes: tuple[str, ...] = (),
) -> RunResult:
    """One :class:`RequirementResult` per catalog id, in catalog order."""
    results = tuple(scenario_results)
    by_req: dict[str, list[Finding]] = {rid: [] for rid in catalog.ids}
    judged: set[str] = set()
    covering: dict[str, list[str]] = {rid: [] for rid in catalog.ids}
    skips: dict[str, list[str]] = {rid: [] for rid in catalog.ids}
    for sr in results:
        judged |= sr.judged
        for finding in sr.findings:
            by_req.setdefault(finding.requirement_id, []).append(finding)
        for rid in sr.scenario.covers:
            covering.setdefault(rid, []).append(sr.scenario.id)
            if sr.status is Status.SKIP:
                skips.setdefault(rid, []).append(sr.skip_reason)
    requirements = []
    for req in catalog.requirements:
        status, reason = requirement_status(req.id, by_req[req.id], req.id in judged, skips[req.id])
        requirements.append(
            RequirementResult(
                requirement=req,
                level=req.level_in(profile),
                status=status,
                findings=tuple(by_req[req.id]),
                scenarios=tuple(covering[req.id]),
                reason=reason,
            )
        )
    return RunResult(
        tool_name=tool[0],
        tool_version=tool[1],
        catalog=catalog,
        profile=profile,
        target=target,
        started_at=started_at,
        duration_s=round(duration_s, 3),
        requirements=tuple(requirements),
        scenarios=results,
        capabilities=capabilities,
        incomplete=incomplete,
        unreachable=unreachable,
        notes=notes,
    )
