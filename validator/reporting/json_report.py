"""The JSON compliance report: the machine-readable contract other tools rely on."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from validator.gate import GateResult
from validator.model import Evidence, Finding, RequirementResult, RunResult

REPORT_FORMAT_VERSION = 1


def _evidence(evidence: Evidence | None) -> dict[str, Any] | None:
    if evidence is None:
        return None
    data = asdict(evidence)
    data["request_headers"] = [list(h) for h in evidence.request_headers]
    data["response_headers"] = [list(h) for h in evidence.response_headers]
    return data


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "kind": finding.kind.value,
        "check": finding.check,
        "message": finding.message,
        "expected": finding.expected,
        "actual": finding.actual,
        "scenario": finding.scenario_id,
        "step": None if finding.step is None else finding.step + 1,
        "evidence": _evidence(finding.evidence),
    }


def _requirement(rr: RequirementResult) -> dict[str, Any]:
    req = rr.requirement
    return {
        "id": req.id,
        "level": rr.level.name,
        "role": req.role,
        "area": req.area,
        "section": req.section,
        "title": req.title,
        "text": req.text,
        "status": rr.status.value,
        "reason": rr.reason,
        "findings": [_finding(f) for f in rr.findings],
        "scenarios": list(rr.scenarios),
    }


def build_report(result: RunResult, gate: GateResult) -> dict[str, Any]:
    """The report as plain data: the canonical form every other format is rendered from."""
    return {
        "report_format": REPORT_FORMAT_VERSION,
        "tool": {"name": result.tool_name, "version": result.tool_version},
        "protocol": {
            "id": result.catalog.protocol_id,
            "name": result.catalog.protocol_name,
            "version": result.catalog.protocol_version,
        },
        "areas": dict(result.catalog.areas),
        "profile": result.profile,
        "target": result.target,
        "started_at": result.started_at,
        "duration_s": result.duration_s,
        "incomplete": result.incomplete,
        "unreachable": result.unreachable,
        "capabilities": list(result.capabilities),
        "notes": list(result.notes),
        "summary": result.summary(),
        "gate": {
            "fail_on": gate.fail_on.name,
            "verdict": gate.verdict,
            "exit_code": gate.exit_code,
            "gating": list(gate.gating),
            "below": list(gate.below),
            "known": [{"id": rid, "entry": entry} for rid, entry in gate.known],
            "unexpected_passes": [{"id": rid, "entry": entry} for rid, entry in gate.unexpected_passes],
            "expired": [{"pattern": pattern, "entry": entry} for pattern, entry in gate.expired],
        },
        "requirements": [_requirement(rr) for rr in result.requirements],
        "scenarios": [
            {
                "id": sr.scenario.id,
                "title": sr.scenario.title,
                "status": sr.status.value,
                "covers": list(sr.scenario.covers),
                "skip_reason": sr.skip_reason,
                "duration_s": round(sr.duration_s, 4),
                "exchanges": sr.exchanges,
                "source": f"{sr.scenario.source}:{sr.scenario.line}",
            }
            for sr in result.scenarios
        ],
    }


def render_json(report: dict[str, Any]) -> str:
    """The report as indented JSON text."""
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
