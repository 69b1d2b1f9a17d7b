"""Read a saved JSON report back, checked against ``schemas/report.schema.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from validator.errors import InputError
from validator.schemas import file_validator
from validator.yamlio import line_of, load_yaml


def load_report(path: Path) -> dict[str, Any]:
    """The report data, or an :class:`InputError` naming ``file:line`` and what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read report: {exc.strerror or exc}", str(path)) from None
    except UnicodeDecodeError:
        raise InputError("report is not UTF-8 text", str(path)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg} (column {exc.colno})", f"{path}:{exc.lineno}") from None
    errors = sorted(file_validator("report").iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        where = "/".join(str(p) for p in error.absolute_path)
        raise InputError(
            f"not a nexus-validate report: {where + ': ' if where else ''}{error.message}",
            f"{path}:{_line(path, list(error.absolute_path))}",
        )
    return data  # type: ignore[no-any-return]


def _line(path: Path, json_path: list[Any]) -> int:
    """Line of a JSON path, found by re-reading the file with the line-tracking YAML loader (JSON is YAML)."""
    try:
        return line_of(load_yaml(path), json_path)
    except InputError:
        return 1
