"""Reporters: pure functions from the report data to text.

:func:`build_report` turns a :class:`~validator.model.RunResult` and the gate's decision
into the report data (what the JSON report holds); every format is rendered from that
data, so a format rendered after the run from a saved JSON report is identical to one
rendered during the run. ``REPORTERS`` maps format names to renderers. The terminal
view (rich) lives in :mod:`validator.reporting.terminal`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from validator.reporting.html import render_html
from validator.reporting.json_report import build_report, render_json
from validator.reporting.junit import render_junit
from validator.reporting.markdown import render_markdown

Reporter = Callable[[dict[str, Any]], str]

REPORTERS: dict[str, Reporter] = {
    "json": render_json,
    "html": render_html,
    "junit": render_junit,
    "markdown": render_markdown,
}

__all__ = ["REPORTERS", "Reporter", "build_report", "render_html", "render_json", "render_junit", "render_markdown"]
