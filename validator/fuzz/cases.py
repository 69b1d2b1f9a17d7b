"""What a generated case is, independent of any protocol."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, kw_only=True)
class FuzzCase:
    """One generated request and what the protocol says must happen to it."""

    endpoint: str
    expect: str  # accept | reject | either
    judges: tuple[str, ...]
    label: str  # which rule the case exercises, e.g. "timeout_ms out of range"
    message: dict[str, Any] | None = None
    raw: bytes | None = None

    def body(self, unique: str = "") -> bytes:
        """The bytes to send; valid messages get a unique producer-id suffix so rate limits never interfere."""
        if self.raw is not None:
            return self.raw
        message = dict(self.message or {})
        if unique and self.expect == "accept" and isinstance(message.get("producer_id"), str):
            message["producer_id"] += unique  # generated producer ids leave room for it
        return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
