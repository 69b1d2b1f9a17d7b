"""Helpers shared by the commands: errors to exit codes, option parsing, loading scenarios."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from validator import TOOL_NAME
from validator.errors import InputError
from validator.gate import EXIT_USAGE


def die(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print one error line and exit (2 by default): no tracebacks for the user's mistakes."""
    click.echo(f"{TOOL_NAME}: error: {message}", err=True)
    sys.exit(code)


def pairs(values: tuple[str, ...], what: str) -> dict[str, str]:
    """Parse repeated NAME=VALUE options."""
    out = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            die(f"{what} must look like NAME=VALUE, got {item!r}")
        out[name.strip()] = value
    return out


def env_value(var: str, what: str) -> str:
    """The value of an environment variable that must be set."""
    value = os.environ.get(var)
    if not value:
        die(f"{what}: environment variable {var} is not set or empty")
    return value


def load_protocol_and_scenarios(protocol_id: str, scenario_paths: tuple[str, ...]) -> tuple[Any, Any]:
    """The protocol and its scenarios (shipped, or from the paths given); broken files exit 2."""
    from validator.loader import load_scenarios
    from validator.protocol import load_protocol

    try:
        protocol = load_protocol(protocol_id)
    except InputError as exc:
        die(str(exc))
    paths = expand_scenario_paths(scenario_paths) if scenario_paths else None
    loaded = load_scenarios(protocol, paths)
    if loaded.errors:
        for error in loaded.errors:
            click.echo(f"{error}", err=True)
        die(f"{len(loaded.errors)} problem(s) in scenario files; nothing was run")
    return protocol, loaded.scenarios


def expand_scenario_paths(values: tuple[str, ...]) -> list[Path]:
    """Scenario files named directly or found in the directories given."""
    paths: list[Path] = []
    for value in values:
        path = Path(value)
        if path.is_dir():
            paths.extend(sorted(p for p in path.glob("*.yaml") if p.name not in ("requirements.yaml", "protocol.yaml")))
        elif path.is_file():
            paths.append(path)
        else:
            die(f"scenario path {value} does not exist")
    return paths


def write_text(path: Path, text: str, console: Any) -> None:
    """Write a report atomically (temporary file, then rename); ``-`` writes to standard output."""
    if str(path) == "-":
        sys.stdout.write(text)
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        die(f"cannot write {path}: {exc.strerror or exc}")
    console.print(f"report: {path}", highlight=False)


def load_report_or_die(path: Path) -> dict[str, Any]:
    """A saved JSON report, or exit 2 with ``file:line: what is wrong``."""
    from validator.reporting.load import load_report

    try:
        return load_report(path)
    except InputError as exc:
        die(str(exc))
