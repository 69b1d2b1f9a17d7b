"""Known failures: a ratchet for CI.

File format, one entry per line::

    BP-ENV-04                 # timestamps in seconds until release 2.0
    BP-HTTP-0[35]  2027-03-31  # proxy rewrites methods; remove after the migration

A requirement id or glob, an optional expiry date (YYYY-MM-DD), and a reason after ``#``
(required). Blank lines and lines starting with ``#`` are ignored. A listed requirement
that fails or errors does not fail the gate but stays visible as known; a listed one that
passes fails the gate ("unexpected pass"); an entry past its expiry date fails the gate; a
pattern that matches no requirement id is an error.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path

from validator.errors import InputError

_LINE = re.compile(r"^(?P<pattern>\S+)(?:\s+(?P<expires>\d{4}-\d{2}-\d{2}))?\s*(?:#\s*(?P<reason>.*))?$")


@dataclass(frozen=True, kw_only=True)
class KnownFailure:
    """One entry of a known-failures file."""

    pattern: str
    reason: str
    expires: dt.date | None
    source: str
    line: int

    @property
    def where(self) -> str:
        """``file:line`` of the entry."""
        return f"{self.source}:{self.line}"

    def matches(self, requirement_id: str) -> bool:
        """Glob match on the requirement id (case-sensitive)."""
        return fnmatch.fnmatchcase(requirement_id, self.pattern)


def parse_known_failures(path: Path, catalog_ids: tuple[str, ...]) -> tuple[KnownFailure, ...]:
    """Read and check a known-failures file; any problem is an :class:`InputError` naming ``file:line``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read known-failures file: {exc.strerror or exc}", str(path)) from None
    except UnicodeDecodeError:
        raise InputError("known-failures file is not UTF-8 text", str(path)) from None
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path}:{number}"
        match = _LINE.match(line)
        if match is None:
            raise InputError("expected 'PATTERN [YYYY-MM-DD] # reason'", where)
        reason = (match["reason"] or "").strip()
        if not reason:
            raise InputError(f"entry {match['pattern']!r} gives no reason (write it after '#')", where)
        expires = None
        if match["expires"]:
            try:
                expires = dt.date.fromisoformat(match["expires"])
            except ValueError:
                raise InputError(f"invalid expiry date {match['expires']!r}", where) from None
        entry = KnownFailure(pattern=match["pattern"], reason=reason, expires=expires, source=str(path), line=number)
        if not any(entry.matches(rid) for rid in catalog_ids):
            raise InputError(f"pattern {entry.pattern!r} matches no requirement id (a stale entry?)", where)
        entries.append(entry)
    return tuple(entries)


def starting_file(failing: list[tuple[str, str]]) -> str:
    """A known-failures file listing these (id, first finding) pairs, for ``known-failures --from``."""
    lines = [
        "# Known failures for nexus-validate --known-failures.",
        "# One id or glob per line, optional expiry date, and the reason after '#'.",
        "",
    ]
    width = max((len(rid) for rid, _ in failing), default=10) + 2
    for rid, why in failing:
        reason = " ".join(why.split())[:160] or "fails; say why it is accepted"
        lines.append(f"{rid.ljust(width)}# {reason}")
    return "\n".join(lines) + "\n"
