"""Fold scenario results into one verdict per requirement."""

from __future__ import annotations

from collections.abc import Iterable

from validator.model import (
    Catalog,
    Finding,
    FindingKind,
    RequirementResult,
    RunResult,
    Scenario,
    ScenarioResult,
    Status,
)

ROLE_LETTERS = {"controller": "C", "producer": "P"}


def requirement_status(
    rid: str, findings: list[Finding], judged: bool, skip_reasons: list[str], untested: str = ""
) -> tuple[Status, str]:
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
    return Status.UNTESTED, untested or "no scenario in this run judges it"


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
    role: str = "controller",
) -> RunResult:
    """One :class:`RequirementResult` per catalog id, in catalog order.

    Ids of the other role (``C`` in a producer run, ``P`` in a controller run) stay untested, saying so.
    """
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
        if role == "capture":
            other = "not judged from the messages in this capture"
        else:
            other = "" if req.role in ("A", ROLE_LETTERS.get(role, "")) else _other_role(req.role)
        status, reason = requirement_status(req.id, by_req[req.id], req.id in judged, skips[req.id], other)
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


def not_run(scenario: Scenario, status: Status, reason: str) -> ScenarioResult:
    """A scenario that did not run: skipped, or an error for every id it covers."""
    findings: tuple[Finding, ...] = ()
    if status is Status.ERROR:
        findings = tuple(
            Finding(requirement_id=rid, kind=FindingKind.ERROR, check="driver", message=reason, scenario_id=scenario.id)
            for rid in scenario.covers
        )
    return ScenarioResult(scenario=scenario, status=status, judged=frozenset(), findings=findings, skip_reason=reason)


def _other_role(letter: str) -> str:
    if letter == "P":
        return "a producer requirement: judged by run --role producer"
    if letter == "C":
        return "a controller requirement: judged by run --role controller"
    return ""
