"""Reporters: pure functions from a :class:`~validator.model.RunResult` to text.

``REPORTERS`` maps a format name to its function; the CLI writes the text to
files. The terminal reporter (rich) lives in :mod:`validator.reporting.terminal`
and is the only place that draws to a terminal.
"""

from __future__ import annotations

from collections.abc import Callable

from validator.model import RunResult
from validator.reporting.json_report import render_json

Reporter = Callable[[RunResult], str]

REPORTERS: dict[str, Reporter] = {
    "json": render_json,
}

__all__ = ["REPORTERS", "Reporter", "render_json"]
