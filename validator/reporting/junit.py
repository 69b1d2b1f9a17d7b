"""JUnit XML: one testcase per requirement, for CI systems' test views.

Failures that gate the run are ``<failure>``, errors ``<error>``; failures below the gate,
skips and untested requirements are ``<skipped>`` with the reason, so a CI parser never
disagrees with the exit code.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

# XML 1.0 cannot carry most control characters, even escaped; a target may send them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _XML_INVALID.sub("\N{REPLACEMENT CHARACTER}", text)


def finding_text(finding: dict[str, Any]) -> str:
    """A finding with its evidence as plain text (also used by the Markdown report)."""
    lines = [f"[{finding['kind']}] {finding['check']} · {finding.get('scenario', '')}", finding["message"]]
    if finding.get("expected") or finding.get("actual"):
        lines.append(f"expected: {finding.get('expected', '')}")
        lines.append(f"actual:   {finding.get('actual', '')}")
    ev = finding.get("evidence")
    if ev:
        lines.append(f"> {ev.get('method', '')} {ev.get('url', '')}")
        lines += [f"> {name}: {value}" for name, value in ev.get("request_headers", [])]
        if ev.get("request_body"):
            lines.append(f"> {ev['request_body']}")
        if ev.get("status") is not None:
            lines.append(f"< HTTP {ev['status']} ({ev.get('elapsed_ms')} ms)")
            lines += [f"< {name}: {value}" for name, value in ev.get("response_headers", [])]
            if ev.get("response_body"):
                lines.append(f"< {ev['response_body']}")
        else:
            lines.append(f"< no response: {ev.get('transport_error')}")
    return "\n".join(lines)


def render_junit(report: dict[str, Any]) -> str:
    """Render a report as JUnit XML."""
    gate = report["gate"]
    gating = set(gate.get("gating", []))
    known = {k["id"]: k["entry"] for k in gate.get("known", [])}
    unexpected = {k["id"]: k["entry"] for k in gate.get("unexpected_passes", [])}
    reqs = report["requirements"]
    suite = ET.Element(
        "testsuite",
        name=f"nexus-validate {report['protocol']['name']} {report['protocol']['version']}",
        timestamp=report["started_at"],
        time=f"{report['duration_s']:.3f}",
    )
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for req in reqs:
        counts["tests"] += 1
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"{report['protocol'].get('id', 'protocol')}.{req.get('area', '')}",
            name=_clean(f"{req['id']} {req['title']}"),
            time="0",
        )
        violations = [f for f in req["findings"] if f["kind"] != "note"]
        detail = _clean("\n\n".join(finding_text(f) for f in violations))
        headline = _clean(violations[0]["message"]) if violations else ""
        status = req["status"]
        if req["id"] in known:
            counts["skipped"] += 1
            ET.SubElement(case, "skipped", message=_clean(f"known failure ({known[req['id']]})")).text = detail
        elif req["id"] in unexpected:
            counts["failures"] += 1
            ET.SubElement(
                case,
                "failure",
                type="unexpected-pass",
                message=_clean(
                    f"unexpected pass: listed as a known failure at {unexpected[req['id']]}; remove it from the list"
                ),
            )
        elif status == "fail" and req["id"] in gating:
            counts["failures"] += 1
            ET.SubElement(case, "failure", message=headline, type=req["level"]).text = detail
        elif status == "error":
            counts["errors"] += 1
            ET.SubElement(case, "error", message=_clean(req.get("reason") or headline), type=req["level"]).text = detail
        elif status == "fail":
            counts["skipped"] += 1
            ET.SubElement(
                case,
                "skipped",
                message=_clean(f"failed below the gate ({req['level']}, fail-on {gate['fail_on']}): {headline}"),
            ).text = detail
        elif status in ("skip", "untested"):
            counts["skipped"] += 1
            ET.SubElement(case, "skipped", message=_clean(f"{status}: {req.get('reason', '')}"))
        notes = [f for f in req["findings"] if f["kind"] == "note"]
        if notes:
            ET.SubElement(case, "system-out").text = _clean("\n".join(f["message"] for f in notes))
    for expired in gate.get("expired", []):
        counts["tests"] += 1
        counts["failures"] += 1
        case = ET.SubElement(
            suite,
            "testcase",
            classname="nexus-validate.gate",
            name=_clean(f"known-failures entry {expired['pattern']}"),
            time="0",
        )
        ET.SubElement(case, "failure", type="expired", message=_clean(expired["entry"]))
    for key, value in counts.items():
        suite.set(key, str(value))
    root = ET.Element("testsuites", name="nexus-validate", time=f"{report['duration_s']:.3f}")
    for key, value in counts.items():
        root.set(key, str(value))
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
