"""Build request bodies from templates, overrides and per-scenario placeholders."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)(?:\.([0-9a-z]+))?(?::(\d+))?\s*\}\}")


class IdBook:
    """Fresh, unique ids for one scenario of one run (state isolation between scenarios)."""

    def __init__(self, run_tag: str, scenario_index: int) -> None:
        self.prefix = f"nv{run_tag}-s{scenario_index}"

    def value(self, name: str, qualifier: str | None, length: int | None, now_ms: Callable[[], int], rep: int) -> Any:
        """Resolve one placeholder."""
        if name == "now_ms":
            return now_ms()
        if name == "now_s":
            return now_ms() // 1000
        if name == "rep":
            return rep
        if name in ("producer", "consumer", "flow", "id"):
            suffix = "" if qualifier is None else f"-{rep if qualifier == 'i' else qualifier}"
            base = f"{self.prefix}-{name[0]}{suffix}"
            if length is not None:
                base = (base + "-" + "x" * length)[:length] if length >= len(base) else base[-length:]
            return base
        raise ValueError(f"unknown placeholder {{{{{name}}}}}")


def fill(value: Any, book: IdBook, now_ms: Callable[[], int], rep: int = 0) -> Any:
    """Replace placeholders: a string that is one placeholder takes the placeholder's type."""
    if isinstance(value, dict):
        return {k: fill(v, book, now_ms, rep) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, book, now_ms, rep) for v in value]
    if isinstance(value, str) and "{{" in value:
        whole = PLACEHOLDER.fullmatch(value.strip())
        if whole:
            return book.value(whole[1], whole[2], int(whole[3]) if whole[3] else None, now_ms, rep)
        return PLACEHOLDER.sub(lambda m: str(book.value(m[1], m[2], int(m[3]) if m[3] else None, now_ms, rep)), value)
    return value


def build_message(
    template: dict[str, Any] | None, set_fields: dict[str, Any], unset: tuple[str, ...]
) -> dict[str, Any]:
    """Template, then overrides, then removals (before placeholders are filled)."""
    message = copy.deepcopy(template) if template is not None else {}
    message.update(copy.deepcopy(set_fields))
    for key in unset:
        message.pop(key, None)
    return message


def encode(message: dict[str, Any], pad_to: int | None = None) -> bytes:
    """Serialise to compact JSON, growing it with a padding field to ``pad_to`` bytes."""
    body = json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if pad_to is not None and len(body) < pad_to:
        filler = pad_to - len(body) - len(',"padding":""')
        padded = dict(message, padding="x" * max(filler, 0))
        body = json.dumps(padded, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return body
