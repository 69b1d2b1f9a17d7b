"""Configuration files: ``nexus-validate.toml`` or ``[tool.nexus-validate]`` in ``pyproject.toml``.

Every ``run`` option can be set here (same names, dashes or underscores). Command-line flags
override the file. Errors name ``file:line``.

    target = "http://127.0.0.1:8080"
    fail-on = "should"
    select = ["BP-CS-*"]
    known-failures = "known-failures.txt"
    [paths]
    capacity = "/v1/capacity"
    [headers]
    X-Tenant = "acme"
    [header-env]
    X-Api-Key = "NEXUS_API_KEY"
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from validator.errors import InputError

CONFIG_FILE = "nexus-validate.toml"

# key -> (kind, click parameter name); kinds: str, number, int, bool, list, table
KEYS: dict[str, tuple[str, str]] = {
    "target": ("str", "target"),
    "profile": ("str", "profile"),
    "fail-on": ("str", "fail_on"),
    "strict": ("bool", "strict"),
    "timeout": ("number", "timeout"),
    "deadline": ("number", "deadline"),
    "paths": ("table", "paths"),
    "state-hook-path": ("str", "state_hook_path"),
    "headers": ("table", "headers"),
    "header-env": ("table", "header_envs"),
    "token-env": ("str", "token_env"),
    "select": ("list", "select"),
    "deselect": ("list", "deselect"),
    "include-slow": ("bool", "include_slow"),
    "scenarios": ("list", "scenario_paths"),
    "protocol": ("str", "protocol_id"),
    "clock-skew": ("number", "clock_skew"),
    "known-failures": ("str", "known_failures"),
    "report-json": ("str", "report_json"),
    "report-html": ("str", "report_html"),
    "junit": ("str", "junit"),
    "report-markdown": ("str", "report_markdown"),
    "insecure": ("bool", "insecure"),
    "max-response-bytes": ("int", "max_response_bytes"),
    "shuffle": ("bool", "shuffle"),
    "latency-budget-ms": ("number", "latency_budget_ms"),
    "fair-tolerance": ("number", "fair_tolerance"),
    "timing-slack": ("number", "timing_slack"),
    "fuzz-examples": ("int", "fuzz_examples"),
    "seed": ("int", "seed"),
}
PATH_KEYS = frozenset({"known-failures", "report-json", "report-html", "junit", "report-markdown"})


@dataclass(frozen=True, kw_only=True)
class Config:
    """Values for ``run``'s parameters, and where each came from (``file:line``)."""

    path: Path | None
    values: dict[str, Any]
    sources: dict[str, str]


def find_config(start: Path) -> Path | None:
    """``nexus-validate.toml`` in ``start``, else a ``pyproject.toml`` there with a [tool.nexus-validate] table."""
    candidate = start / CONFIG_FILE
    if candidate.is_file():
        return candidate
    pyproject = start / "pyproject.toml"
    if pyproject.is_file():
        try:
            if "nexus-validate" in tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}):
                return pyproject
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return pyproject  # let load_config report the problem with its line
    return None


def _key_line(text: str, key: str, table: str | None) -> int:
    """Line where ``key`` is set inside ``table`` (None: the top level), or where its own [table] starts."""
    current: str | None = None
    header = f"{table}.{key}" if table else key
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            current = stripped.strip("[]").strip().replace('"', "")
            if current == header:
                return number
            continue
        if current == table and re.match(rf'^"?{re.escape(key)}"?\s*=', stripped):
            return number
    return 1


def _table_of(path: Path, text: str) -> tuple[dict[str, Any], str | None]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"at line (\d+)", str(exc))
        raise InputError(f"invalid TOML: {exc}", f"{path}:{match[1] if match else 1}") from None
    if path.name == "pyproject.toml":
        table = doc.get("tool", {}).get("nexus-validate", {})
        return (table, "tool.nexus-validate") if isinstance(table, dict) else ({}, None)
    return doc, None


def load_config(path: Path) -> Config:
    """Read and check a config file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read config: {exc.strerror or exc}", str(path)) from None
    except UnicodeDecodeError:
        raise InputError("config is not UTF-8 text", str(path)) from None
    table, prefix = _table_of(path, text)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for raw_key, value in table.items():
        key = raw_key.replace("_", "-")
        line = _key_line(text, raw_key, prefix)
        where = f"{path}:{line}"
        if key not in KEYS:
            known = ", ".join(sorted(KEYS))
            raise InputError(f"unknown setting {raw_key!r} (known: {known})", where)
        kind, param = KEYS[key]
        values[param] = _convert(key, kind, value, where, path.parent)
        sources[param] = where
    return Config(path=path, values=values, sources=sources)


def _convert(key: str, kind: str, value: Any, where: str, base: Path) -> Any:
    def bad(expected: str) -> InputError:
        return InputError(f"{key} must be {expected}, not {type(value).__name__} {value!r}", where)

    if kind == "str":
        if not isinstance(value, str):
            raise bad("a string")
        return str(base / value) if key in PATH_KEYS and value != "-" and not Path(value).is_absolute() else value
    if kind == "bool":
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("an integer")
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad("a number")
        return float(value)
    if kind == "list":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad("a list of strings")
        return [str(base / v) for v in value] if key == "scenarios" else list(value)
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise bad("a table of strings")
    return [f"{name}={text}" for name, text in value.items()]
