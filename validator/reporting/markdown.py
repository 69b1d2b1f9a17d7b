"""The Markdown summary: verdict, counts and one line per failing requirement.

Target text is escaped for both Markdown and HTML, since step summaries render HTML.
"""

from __future__ import annotations

import html
import re
from typing import Any

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>])")


def escape_md(text: str, limit: int = 200) -> str:
    """One line of untrusted text, safe in Markdown and HTML."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return _MD_SPECIAL.sub(r"\\\1", html.escape(flat, quote=False))


def render_markdown(report: dict[str, Any]) -> str:
    """Render a report as GitHub-flavoured Markdown."""
    gate = report["gate"]
    proto = report["protocol"]
    lines = [
        f"## nexus-validate: {gate['verdict'].upper()} — {escape_md(proto['name'])} {escape_md(proto['version'])}",
        "",
        f"Target `{escape_md(report['target']).replace('`', '')}` · profile {report['profile']} · "
        f"fail-on {gate['fail_on']} · {report['duration_s']:.2f} s · "
        f"{report['tool']['name']} {report['tool']['version']}"
        + (" · **incomplete run**" if report.get("incomplete") else ""),
        "",
        "| pass | fail | skip | error | untested |",
        "|---:|---:|---:|---:|---:|",
        "| " + " | ".join(str(report["summary"][k]) for k in ("pass", "fail", "skip", "error", "untested")) + " |",
        "",
    ]
    gating = set(gate.get("gating", []))
    known = {k["id"] for k in gate.get("known", [])}
    problems = [r for r in report["requirements"] if r["status"] in ("fail", "error") and r["id"] not in known]
    if problems:
        lines.append("### Failing requirements")
        lines.append("")
        for req in problems:
            first = next((f for f in req["findings"] if f["kind"] != "note"), None)
            detail = escape_md(first["message"]) if first else escape_md(req.get("reason", ""))
            if first and (first.get("expected") or first.get("actual")):
                expected, actual = escape_md(first.get("expected", ""), 60), escape_md(first.get("actual", ""), 60)
                detail += f" (expected {expected}, got {actual})"
            marker = "❌" if req["id"] in gating else "⚠️"
            lines.append(
                f"- {marker} **{req['id']}** ({req['level']}, {req['status']}) {escape_md(req['title'])} — {detail}"
            )
        lines.append("")
    sections = (
        ("Unexpected passes (remove them from the known-failures list)", "unexpected_passes", "id"),
        ("Expired known-failure entries", "expired", "pattern"),
        ("Known failures (not gating)", "known", "id"),
    )
    for title, key, name in sections:
        items = gate.get(key, [])
        if items:
            lines += [f"### {title}", ""]
            lines += [f"- **{escape_md(item[name])}** — {escape_md(item['entry'])}" for item in items]
            lines.append("")
    for note in report.get("notes", []):
        lines.append(f"> {escape_md(note, 400)}")
    return "\n".join(lines).rstrip() + "\n"
