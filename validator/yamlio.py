"""Safe YAML loading that remembers where every mapping and sequence item came from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from validator.errors import InputError


class LineDict(dict[str, Any]):
    """A mapping loaded from YAML, with the 1-based line of itself and of each key."""

    line: int = 0
    key_lines: dict[str, int]


class LineList(list[Any]):
    """A sequence loaded from YAML, with the 1-based line of itself and of each item."""

    line: int = 0
    item_lines: list[int]


# The C parser (libyaml) is several times faster; the pure-Python one is the fallback.
_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeBase):  # type: ignore[valid-type, misc]
    """A safe loader whose containers carry line numbers."""

    source_name = "<yaml>"


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise InputError("mapping keys must be scalars", f"{loader.source_name}:{key_node.start_mark.line + 1}")
        skey = str(key) if not isinstance(key, str) else key
        if skey in result:
            raise InputError(f"duplicate key {skey!r}", f"{loader.source_name}:{key_node.start_mark.line + 1}")
        result[skey] = loader.construct_object(value_node, deep=True)
        result.key_lines[skey] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(path: Path) -> Any:
    """Load one YAML document safely; raise :class:`InputError` naming ``file:line`` on any problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", str(path)) from None
    try:
        return yaml.load(text, Loader=_make_loader(path))  # noqa: S506 - _LineLoader derives from SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError(f"invalid YAML: {problem}", f"{path}:{line}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", str(path)) from None


def _make_loader(path: Path) -> type[_LineLoader]:
    """A loader class whose marks name the file (so messages say file:line)."""
    name = str(path)

    class _Named(_LineLoader):
        def __init__(self, stream: Any) -> None:
            super().__init__(stream)
            self.source_name = name

    return _Named


def line_of(root: Any, path: tuple[Any, ...] | list[Any]) -> int:
    """Best line for a JSON-path into a loaded document: the deepest node that knows its line."""
    best = getattr(root, "line", 0)
    node = root
    for part in path:
        if isinstance(node, LineDict) and isinstance(part, str) and part in node:
            best = node.key_lines.get(part, best)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            best = node.item_lines[part]
            node = node[part]
        else:
            break
        best = getattr(node, "line", best) if isinstance(node, (LineDict, LineList)) else best
    return best


def plain(value: Any) -> Any:
    """Strip line-tracking containers so the value is plain JSON-like data."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
