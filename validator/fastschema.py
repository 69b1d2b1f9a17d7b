"""A JSON Schema subset compiled to plain Python closures: the same verdicts as ``jsonschema``, faster.

Checking a capture explains every invalid message. ``jsonschema``'s ``iter_errors``
costs tens of microseconds per message; for the keywords the message schemas use
(``type``, ``required``, ``properties``, ``additionalProperties``, ``const``, ``enum``,
bounds, lengths, ``pattern`` with ECMA-262 anchoring, ``items``) closures do the same
work in a few. A schema using any other keyword raises :class:`Unsupported`, and
the caller keeps ``jsonschema`` for it. ``tests/unit/test_capture_engines.py`` holds
the two to identical verdicts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

IGNORED = frozenset({"$schema", "$id", "$defs", "title", "description", "$comment", "examples", "default"})
SUPPORTED = IGNORED | {
    "type",
    "required",
    "properties",
    "additionalProperties",
    "const",
    "enum",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "items",
    "minItems",
    "maxItems",
}


class Unsupported(Exception):
    """The schema uses a keyword this compiler does not handle."""


@dataclass(frozen=True, slots=True)
class SchemaError:
    """One failed keyword, with the attributes checks read from a ``jsonschema`` error."""

    validator: str
    validator_value: Any
    path: tuple[str | int, ...]
    message: str
    instance: Any


Check = Callable[[Any, tuple[str | int, ...], list[SchemaError]], None]
Path = tuple[str | int, ...]


def ecma(pattern: str) -> re.Pattern[str]:
    """Compile a pattern so that a trailing ``$`` means the end of the string (no final newline)."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


_TYPES: dict[str, Callable[[Any], bool]] = {
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


def _is_type(value: Any, name: str) -> bool:
    predicate = _TYPES.get(name)
    if predicate is None:
        raise Unsupported(f"type {name!r}")
    return predicate(value)


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: booleans are not numbers, ``1.0`` equals ``1``, containers compare deeply."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b


def compile_schema(schema: Any) -> Check:
    """A function ``(instance, path, errors)`` that appends what fails (``$ref``s already inlined)."""
    if schema is True or schema == {}:
        return _nothing
    if not isinstance(schema, dict):
        raise Unsupported("boolean false schema")
    unknown = set(schema) - SUPPORTED
    if unknown:
        raise Unsupported(", ".join(sorted(unknown)))
    checks: list[Check] = []
    if "type" in schema:
        checks.append(_type(schema["type"]))
    if "const" in schema:
        checks.append(_const(schema["const"]))
    if "enum" in schema:
        checks.append(_enum(schema["enum"]))
    for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        if key in schema:
            checks.append(_bound(key, schema[key]))
    for key in ("minLength", "maxLength"):
        if key in schema:
            checks.append(_length(key, schema[key]))
    if "pattern" in schema:
        checks.append(_pattern(schema["pattern"]))
    if "required" in schema:
        checks.append(_required(tuple(schema["required"])))
    if "properties" in schema or "additionalProperties" in schema:
        checks.append(_properties(schema.get("properties", {}), schema.get("additionalProperties", True)))
    if "items" in schema:
        checks.append(_items(compile_schema(schema["items"])))
    for key in ("minItems", "maxItems"):
        if key in schema:
            checks.append(_count(key, schema[key]))
    if not checks:
        return _nothing
    if len(checks) == 1:
        return checks[0]
    parts = tuple(checks)

    def check(instance: Any, path: Path, out: list[SchemaError]) -> None:
        for part in parts:
            part(instance, path, out)

    return check


def _nothing(instance: Any, path: Path, out: list[SchemaError]) -> None:
    return None


def _type(spec: Any) -> Check:
    names = tuple(spec) if isinstance(spec, list) else (spec,)
    for name in names:
        _is_type(None, name)  # raises Unsupported for unknown names
    shown = repr(spec) if isinstance(spec, str) else repr(list(names))

    def check(instance: Any, path: Path, out: list[SchemaError]) -> None:
        if not any(_is_type(instance, n) for n in names):
            out.append(SchemaError("type", spec, path, f"{instance!r} is not of type {shown}", instance))

    return check


def _const(value: Any) -> Check:
    def check(instance: Any, path: Path, out: list[SchemaError]) -> None:
        if not json_equal(instance, value):
            out.append(SchemaError("const", value, path, f"{value!r} was expected", instance))

    return check


def _enum(values: list[Any]) -> Check:
    def check(instance: Any, path: Path, out: list[SchemaError]) -> None:
        if not any(json_equal(instance, v) for v in values):
            out.append(SchemaError("enum", values, path, f"{instance!r} is not one of {values!r}", instance))

    return check


def _bound(key: str, limit: Any) -> Check:
    fails: Callable[[Any], bool] = {
        "minimum": lambda v: v < limit,
        "maximum": lambda v: v > limit,
        "exclusiveMinimum": lambda v: v <= limit,
        "exclusiveMaximum": lambda v: v >= limit,
    }[key]
    words = {
        "minimum": f"is less than the minimum of {limit!r}",
        "maximum": f"is greater than the maximum of {limit!r}",
        "exclusiveMinimum": f"is less than or equal to the minimum of {limit!r}",
        "exclusiveMaximum": f"is greater than or equal to the maximum of {limit!r}",
    }[key]

    def check(instance: Any, path: Path, out: list[SchemaError]) -> None:
        if isinstance(instance, int | float) and not isinstance(instance, bool) and fails(instance):
            out.append(SchemaError(key, limit, path, f"{instance!r} {words}", instance))

    return check


def _length(key: str, limit: int) -> Check:
    short = key == "minLength"
    what = "is too short" if short else "is too long"

    def check(instance: Any, path: Path, out: list[SchemaError]) -> None:
        if isinstance(instance, str) and (len(instance) < limit if short else len(instance) > limit):
            out.append(SchemaError(key, limit, path, f"{instance!r} {what}", instance))

    return check


def _pattern(pattern: str) -> Check:
    search = ecma(pattern).search

    def check(instance: Any, path: Path, out: list[SchemaError]) -> None:
        if isinstance(instance, str) and search(instance) is None:
            out.append(SchemaError("pattern", pattern, path, f"{instance!r} does not match {pattern!r}", instance))

    return check


def _required(names: tuple[str, ...]) -> Check:
    wanted = frozenset(names)

    def check(instance: Any, path: Path, out: list[SchemaError]) -> None:
        if isinstance(instance, dict) and not wanted <= instance.keys():
            for name in names:
                if name not in instance:
                    out.append(SchemaError("required", list(names), path, f"{name!r} is a required property", instance))

    return check


def quick(schema: Any) -> Callable[[Any], bool] | None:  # noqa: PLR0911 - one return per shape of schema
    """A predicate true only for values a scalar schema surely accepts; ``None`` when there is none.

    It may say false for a value the schema accepts (``5.0`` for an integer): the full check
    then decides. It exists because nearly every field of nearly every message is fine.
    """
    if not isinstance(schema, dict) or set(schema) - IGNORED - {
        "type",
        "const",
        "enum",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "pattern",
    }:
        return None
    kind = schema.get("type")
    if "const" in schema:
        want = schema["const"]
        exact = type(want)
        return lambda v: type(v) is exact and v == want
    if kind == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        if "enum" in schema:
            allowed = frozenset(x for x in schema["enum"] if type(x) is int)
            return lambda v: type(v) is int and v in allowed
        if low is not None and high is not None:
            return lambda v: type(v) is int and low <= v <= high
        if low is not None:
            return lambda v: type(v) is int and v >= low
        if high is not None:
            return lambda v: type(v) is int and v <= high
        return lambda v: type(v) is int
    if kind == "string" and "enum" not in schema:
        shortest, longest = schema.get("minLength", 0), schema.get("maxLength", 1 << 62)
        pattern = schema.get("pattern")
        if pattern is not None:
            search = ecma(pattern).search
            return lambda v: type(v) is str and shortest <= len(v) <= longest and search(v) is not None
        return lambda v: type(v) is str and shortest <= len(v) <= longest
    if kind == "boolean" and "enum" not in schema:
        return lambda v: type(v) is bool
    return None


def _properties(properties: dict[str, Any], additional: Any) -> Check:
    compiled = {name: compile_schema(sub) for name, sub in properties.items()}
    quicks = {name: quick(sub) for name, sub in properties.items()}
    extra: Check | bool | None = None
    if additional is False:
        extra = False
    elif additional is not True:
        extra = compile_schema(additional)

    def check(instance: Any, path: Path, out: list[SchemaError]) -> None:
        if not isinstance(instance, dict):
            return
        for name, value in instance.items():
            sub = compiled.get(name)
            if sub is not None:
                fine = quicks[name]
                if fine is None or not fine(value):
                    sub(value, (*path, name), out)
            elif extra is False:
                message = f"Additional properties are not allowed ({name!r} was unexpected)"
                out.append(SchemaError("additionalProperties", False, path, message, instance))
            elif extra is not None and extra is not True:
                extra(value, (*path, name), out)

    return check


def _items(sub: Check) -> Check:
    def check(instance: Any, path: Path, out: list[SchemaError]) -> None:
        if isinstance(instance, list):
            for index, value in enumerate(instance):
                sub(value, (*path, index), out)

    return check


def _count(key: str, limit: int) -> Check:
    short = key == "minItems"

    def check(instance: Any, path: Path, out: list[SchemaError]) -> None:
        if isinstance(instance, list) and (len(instance) < limit if short else len(instance) > limit):
            what = "few" if short else "many"
            out.append(SchemaError(key, limit, path, f"{instance!r} has too {what} items", instance))

    return check


class CompiledValidator:
    """Quacks like a ``jsonschema`` validator for what the checks use: ``iter_errors`` and ``is_valid``."""

    def __init__(self, schema: Any) -> None:
        self._check = compile_schema(schema)

    def iter_errors(self, instance: Any) -> Iterator[SchemaError]:
        """Every failed keyword, depth first."""
        out: list[SchemaError] = []
        self._check(instance, (), out)
        return iter(out)

    def is_valid(self, instance: Any) -> bool:
        """No keyword fails."""
        out: list[SchemaError] = []
        self._check(instance, (), out)
        return not out
