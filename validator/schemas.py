"""JSON Schemas of protocol messages and of scenario files, compiled once.

Patterns follow ECMA-262 (the JSON Schema dialect's regex flavour): ``$`` matches
only at the very end. Python's ``re.search`` lets ``$`` match before a final
newline, so ``"abc\\n"`` would pass ``^[a-z]+$``; the ``pattern`` keyword is
replaced here with one that anchors at the true end.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators
from referencing import Registry, Resource

from validator.errors import InputError
from validator.resources import data_dir


@lru_cache(maxsize=256)
def _compile_ecma(pattern: str) -> re.Pattern[str]:
    """Compile a JSON Schema pattern so that a trailing ``$`` means end of string."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _compile_ecma(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


StrictValidator = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read schema: {exc}", str(path)) from None


@lru_cache(maxsize=16)
def _registry(schemas_subdir: str) -> tuple[Registry, dict[str, Any]]:
    root = data_dir("schemas") / schemas_subdir
    registry: Registry = Registry()
    by_title: dict[str, Any] = {}
    for path in sorted(root.glob("*.schema.json")):
        schema = _read_json(path)
        resource = Resource.from_contents(schema)
        registry = registry.with_resource(schema["$id"], resource)
        by_title[path.name.removesuffix(".schema.json")] = schema
    return registry, by_title


def _inline_refs(node: Any, by_name: dict[str, Any]) -> Any:
    """Replace ``{"$ref": "file.schema.json#/$defs/x"}`` with the definition itself.

    Resolving references through the registry on every validation dominates the cost of
    checking a small message; the shipped schemas only refer to sibling files' ``$defs``.
    """
    if isinstance(node, list):
        return [_inline_refs(item, by_name) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and len(node) == 1 and "#/$defs/" in ref:
        file_part, _, def_name = ref.partition("#/$defs/")
        target = by_name.get(file_part.removesuffix(".schema.json"))
        if target is not None and def_name in target.get("$defs", {}):
            return _inline_refs(target["$defs"][def_name], by_name)
    return {key: _inline_refs(value, by_name) for key, value in node.items()}


@lru_cache(maxsize=64)
def message_validator(schemas_subdir: str, message_type: str, engine: str = "jsonschema") -> Any:
    """A validator for one message type of one protocol.

    ``engine="compiled"`` gives the closure-compiled equivalent (:mod:`validator.fastschema`), or
    the ``jsonschema`` one when the schema uses a keyword the compiler does not support.
    """
    registry, by_title = _registry(schemas_subdir)
    if message_type not in by_title:
        raise InputError(f"no schema for message type {message_type!r} in schemas/{schemas_subdir}")
    schema = _inline_refs(by_title[message_type], by_title)
    if engine == "compiled":
        from validator.fastschema import CompiledValidator, Unsupported

        try:
            return CompiledValidator(schema)
        except Unsupported:
            pass
    return StrictValidator(schema, registry=registry)


def message_schema(schemas_subdir: str, message_type: str) -> Any:
    """The schema of one message type with its references inlined (for other engines to compile)."""
    _, by_title = _registry(schemas_subdir)
    if message_type not in by_title:
        raise InputError(f"no schema for message type {message_type!r} in schemas/{schemas_subdir}")
    return _inline_refs(by_title[message_type], by_title)


def message_types(schemas_subdir: str) -> tuple[str, ...]:
    """Message types that have a schema (shared-definition files excluded)."""
    _, by_title = _registry(schemas_subdir)
    return tuple(name for name, schema in by_title.items() if "properties" in schema)


@lru_cache(maxsize=8)
def file_validator(name: str) -> Any:
    """A compiled validator for a top-level schema such as ``scenario``."""
    schema = _read_json(data_dir("schemas") / f"{name}.schema.json")
    return StrictValidator(schema)
