"""Reading captures as streams: JSON Lines, JSON arrays and HAR files.

JSON Lines are read in large blocks and split on newlines (memory stays at one block);
a JSON array is decoded element by element from a sliding text buffer (memory stays at
one element); a HAR file is one JSON document and is loaded whole (browsers and proxies
export them in megabytes, not gigabytes).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from validator.errors import InputError

BLOCK = 1 << 20
FORMATS = ("auto", "jsonl", "array", "har")


def detect_format(head: bytes, name: str) -> str:
    """``jsonl``, ``array`` or ``har`` from a file's name and first bytes."""
    if name.endswith(".har"):
        return "har"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"["):
        return "array"
    if stripped.startswith(b"{"):
        first = stripped.split(b"\n", 1)[0]
        try:
            value = json.loads(first)
        except ValueError:
            value = None
        if isinstance(value, dict) and "log" not in value:
            return "jsonl"
        if b'"log"' in stripped[:4096] and b'"entries"' in head:
            return "har"
        if value is None and b'"log"' in stripped[:200]:
            return "har"
    return "jsonl"


def jsonl_blocks(stream: IO[bytes], limit: int | None = None) -> Iterator[list[bytes]]:
    """Lists of complete lines (without their newline), reading at most ``limit`` bytes when given."""
    rest = b""
    remaining = limit
    while True:
        size = BLOCK if remaining is None else min(BLOCK, remaining)
        block = stream.read(size) if size > 0 else b""
        if remaining is not None:
            remaining -= len(block)
        if not block:
            if rest:
                yield [rest]
            return
        lines = (rest + block).split(b"\n")
        rest = lines.pop()
        yield lines


def iter_array(stream: IO[bytes], name: str = "") -> Iterator[tuple[int, Any, str]]:
    """(line where the element starts, parsed element or the error text, raw excerpt) for each element."""
    decoder = json.JSONDecoder()
    text_decoder = codecs.getincrementaldecoder("utf-8")("replace")
    buffer = ""
    line = 1
    pos = 0
    eof = False

    def fill() -> bool:
        nonlocal buffer, eof
        if eof:
            return False
        block = stream.read(BLOCK)
        if not block:
            eof = True
            buffer += text_decoder.decode(b"", final=True)
            return False
        buffer += text_decoder.decode(block)
        return True

    def skip_space() -> None:
        nonlocal pos, line
        while True:
            while pos < len(buffer) and buffer[pos] in " \t\r\n\ufeff":
                if buffer[pos] == "\n":
                    line += 1
                pos += 1
            if pos < len(buffer) or not fill():
                return

    fill()
    skip_space()
    if pos >= len(buffer) or buffer[pos] != "[":
        raise InputError("not a JSON array", f"{name}:{line}")
    pos += 1
    first = True
    while True:
        skip_space()
        if pos >= len(buffer):
            raise InputError("the JSON array is not closed", f"{name}:{line}")
        if buffer[pos] == "]":
            return
        if not first:
            if buffer[pos] != ",":
                found = buffer[pos]
                raise InputError(f"expected ',' or ']' in the JSON array, found {found!r}", f"{name}:{line}")
            pos += 1
            skip_space()
        first = False
        while True:
            try:
                value, end = decoder.raw_decode(buffer, pos)
            except json.JSONDecodeError as exc:
                if fill():
                    continue
                where = f"{name}:{line + buffer.count(chr(10), pos, exc.pos)}"
                raise InputError(f"element is not valid JSON: {exc.msg}", where) from None
            break
        raw = buffer[pos:end]
        yield line, value, raw[:2048]
        line += raw.count("\n")
        pos = end
        if pos > BLOCK:  # keep the buffer at about one block
            buffer = buffer[pos:]
            pos = 0


@dataclass(frozen=True, kw_only=True)
class HarEntry:
    """One request/response pair of a HAR file."""

    index: int
    method: str
    url: str
    started_ms: int | None
    request_body: bytes | None
    request_headers: tuple[tuple[str, str], ...]
    status: int
    response_headers: tuple[tuple[str, str], ...]
    response_body: bytes


def _har_text(container: Any) -> bytes | None:
    if not isinstance(container, dict) or not isinstance(container.get("text"), str):
        return None
    text: str = container["text"]
    if container.get("encoding") == "base64":
        try:
            return base64.b64decode(text)
        except (binascii.Error, ValueError):
            return text.encode("utf-8", errors="replace")
    return text.encode("utf-8")


def _headers(raw: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, list):
        return ()
    return tuple((str(h.get("name", "")), str(h.get("value", ""))) for h in raw if isinstance(h, dict))


def _started_ms(value: Any) -> int | None:
    from datetime import datetime

    if not isinstance(value, str):
        return None
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return None


def iter_har(stream: IO[bytes], name: str) -> Iterator[HarEntry]:
    """The entries of a HAR file, in order; a file that is not HAR is an :class:`InputError`."""
    try:
        doc = json.loads(stream.read())
    except (ValueError, RecursionError) as exc:
        raise InputError(f"not a HAR file (invalid JSON: {str(exc).split(':')[0]})", name) from None
    entries = doc.get("log", {}).get("entries") if isinstance(doc, dict) and isinstance(doc.get("log"), dict) else None
    if not isinstance(entries, list):
        raise InputError("not a HAR file (no log.entries)", name)
    for index, entry in enumerate(entries):
        request = entry.get("request", {}) if isinstance(entry, dict) else {}
        response = entry.get("response", {}) if isinstance(entry, dict) else {}
        status = response.get("status", 0) if isinstance(response, dict) else 0
        yield HarEntry(
            index=index,
            method=str(request.get("method", "")).upper(),
            url=str(request.get("url", "")),
            started_ms=_started_ms(entry.get("startedDateTime") if isinstance(entry, dict) else None),
            request_body=_har_text(request.get("postData")),
            request_headers=_headers(request.get("headers")),
            status=status if isinstance(status, int) else 0,
            response_headers=_headers(response.get("headers")),
            response_body=_har_text(response.get("content")) or b"",
        )
