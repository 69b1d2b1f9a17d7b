"""The HTML report: one self-contained file (no network), everything from the target escaped."""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

STATUSES = ("pass", "fail", "skip", "error", "untested")
LEVELS = ("MUST", "SHOULD", "MAY")
VERDICT_WORDS = {"pass": "PASS", "fail": "FAIL", "unreachable": "UNREACHABLE", "interrupted": "INTERRUPTED"}


@lru_cache(maxsize=1)
def environment() -> Environment:
    """Templates with autoescaping on for every file: target text must never become markup."""
    return Environment(
        loader=FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )


@lru_cache(maxsize=1)
def _script() -> tuple[str, str]:
    """The page's own script and its CSP hash: only this exact script may run in the page."""
    script = Path(__file__).with_name("templates").joinpath("report.js").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return script, f"sha256-{digest}"


def _search_text(req: dict[str, Any]) -> str:
    parts = [req["id"], req["title"], req.get("text", ""), req["status"], req["level"]]
    parts += [f["message"] for f in req["findings"]]
    return " ".join(parts).lower()


def render_html(report: dict[str, Any]) -> str:
    """Render a report (the JSON report's data) as a standalone HTML page."""
    groups: dict[str, list[dict[str, Any]]] = {}
    by_level = {level: dict.fromkeys(STATUSES, 0) for level in LEVELS}
    for req in report["requirements"]:
        groups.setdefault(req.get("area") or req["id"].split("-")[1], []).append({**req, "search": _search_text(req)})
        by_level.setdefault(req["level"], dict.fromkeys(STATUSES, 0))[req["status"]] += 1
    return (
        environment()
        .get_template("report.html.j2")
        .render(
            r=report,
            groups=list(groups.items()),
            statuses=STATUSES,
            levels=LEVELS,
            by_level=by_level,
            script=_script()[0],
            script_hash=_script()[1],
            verdict_word=VERDICT_WORDS.get(report["gate"]["verdict"], report["gate"]["verdict"].upper()),
        )
    )
