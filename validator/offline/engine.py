"""Stream captures through a :class:`MessageJudge` into tallies: counts, and the first findings of each id.

Memory stays flat however long the capture: only counters and at most ``max_samples``
findings per requirement are kept. With ``jobs > 1`` a JSON Lines file is cut at line
boundaries into ranges that worker processes check; their tallies are merged in order,
so line numbers and the findings kept are the same as with one process.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import gzip
import itertools
import json
import os
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from validator.checks import EXCHANGE_CHECKS, STEP_CHECKS, CheckContext, Issue, judged_by
from validator.checks.backpressure.capture import ACCEPT_IDS, CLEAN_RULES, FIELD_BOUNDS, rejection_ids
from validator.checks.base import NO_JSON
from validator.errors import InputError
from validator.evidence import excerpt
from validator.model import Exchange, Expectation, FindingKind, Request, Response
from validator.offline.judge import MessageJudge, Verdict
from validator.offline.sources import HarEntry, detect_format, iter_array, iter_har, jsonl_blocks
from validator.protocol import Protocol, load_protocol
from validator.schemas import message_validator

Progress = Callable[[int, int], None]  # (bytes read so far, messages so far)
MIN_RANGE = 4 << 20


@dataclass(frozen=True, kw_only=True)
class Sample:
    """One finding kept as evidence: where it is in the capture and what is wrong."""

    where: str
    requirement_id: str
    kind: str
    message: str
    expected: str
    actual: str
    excerpt: str
    line: int = 0


@dataclass(kw_only=True)
class Tally:
    """What a capture (or a range of one) held: counts per type and per id, and kept findings."""

    source: str
    max_samples: int = 20
    types: Counter[str] = field(default_factory=Counter)
    unknown: int = 0
    flagged: int = 0  # messages with at least one violation
    violations: Counter[str] = field(default_factory=Counter)  # id -> messages breaking it
    notes: Counter[str] = field(default_factory=Counter)
    samples: dict[str, list[Sample]] = field(default_factory=dict)
    judged: set[str] = field(default_factory=set)
    lines: int = 0
    bytes_read: int = 0
    pairs: int = 0
    format: str = ""
    remark: str = ""

    @property
    def messages(self) -> int:
        """Messages read (of a known type or not)."""
        return sum(self.types.values()) + self.unknown

    def add(self, where: str, line: int, verdict: Verdict, raw: str | bytes) -> None:
        """Count a message's findings, keeping the first few per id."""
        if verdict.message_type is None:
            self.unknown += 1
        else:
            self.types[verdict.message_type] += 1
        self.add_issues(where, line, verdict.issues, raw)

    def add_issues(self, where: str, line: int, issues: tuple[Issue, ...] | list[Issue], raw: str | bytes) -> None:
        """Count issues of one message (or one request/response pair)."""
        seen: set[tuple[str, bool]] = set()
        violated = False
        for issue in issues:
            rid = issue.requirement_id
            is_violation = issue.kind is FindingKind.VIOLATION
            violated = violated or is_violation
            if (rid, is_violation) not in seen:
                (self.violations if is_violation else self.notes)[rid] += 1
                seen.add((rid, is_violation))
            kept = self.samples.get(rid)
            if kept is None:
                kept = self.samples[rid] = []
            if len(kept) < self.max_samples:
                kept.append(
                    Sample(
                        where=where,
                        line=line,
                        requirement_id=issue.requirement_id,
                        kind=issue.kind.value,
                        message=issue.message,
                        expected=issue.expected,
                        actual=issue.actual,
                        excerpt=excerpt(raw) if isinstance(raw, bytes) else raw,
                    )
                )
        if violated:
            self.flagged += 1

    def merge(self, other: Tally, line_offset: int = 0) -> None:
        """Add a later range's tally (its line numbers shifted by ``line_offset``)."""
        self.types.update(other.types)
        self.unknown += other.unknown
        self.flagged += other.flagged
        self.violations.update(other.violations)
        self.notes.update(other.notes)
        self.judged |= other.judged
        self.lines += other.lines
        self.bytes_read += other.bytes_read
        self.pairs += other.pairs
        for rid, samples in other.samples.items():
            kept = self.samples.setdefault(rid, [])
            for sample in samples:
                if len(kept) >= self.max_samples:
                    break
                line = sample.line + line_offset
                where = f"line {line}" if sample.where.startswith("line ") else sample.where
                kept.append(Sample(**{**sample.__dict__, "line": line, "where": where}))


@contextlib.contextmanager
def young_collections_only() -> Iterator[None]:
    """Run without the automatic cyclic collector; the caller collects the youngest generation per block.

    Judging millions of messages allocates and frees millions of small objects, all by
    reference counting; the automatic collector's frequent passes cost about a quarter of the
    time and find nothing. Collecting generation 0 once per block keeps memory flat regardless.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def make_judge(protocol: Protocol, engine: str) -> MessageJudge:
    """The judge for a protocol, with its fast-path rules."""
    return MessageJudge(protocol, engine, fast_rules=CLEAN_RULES, field_bounds=FIELD_BOUNDS)


# ------------------------------------------------------------------ JSON Lines
def check_jsonl(
    stream: IO[bytes],
    judge: MessageJudge,
    tally: Tally,
    *,
    limit: int | None = None,
    progress: Progress | None = None,
) -> Tally:
    """Judge every line of a JSON Lines stream; blank lines are skipped."""
    counts: dict[str, int] = dict.fromkeys(judge.types, 0)
    line = tally.lines
    with young_collections_only():
        line, read = _scan_blocks(stream, judge, tally, counts, line, limit, progress)
    tally.types.update({k: v for k, v in counts.items() if v})
    tally.lines = line
    tally.bytes_read += read
    _close_judged(tally, judge)
    return tally


def _scan_blocks(
    stream: IO[bytes],
    judge: MessageJudge,
    tally: Tally,
    counts: dict[str, int],
    line: int,
    limit: int | None,
    progress: Progress | None,
) -> tuple[int, int]:
    clean = judge.clean_bytes
    scan = judge.scan
    read = 0
    for block in jsonl_blocks(stream, limit):
        rejected: list[int] = []
        if scan is not None:
            scan(block, counts, rejected)
        else:
            for index, raw in enumerate(block):
                kind = clean(raw)
                if kind is None:
                    rejected.append(index)
                else:
                    counts[kind] += 1
        for index in rejected:
            raw = block[index]
            if raw.strip():
                where = line + index + 1
                tally.add(f"line {where}", where, judge.judge_bytes(raw), raw)
        line += len(block)
        gc.collect(0)
        if progress is not None:
            read += sum(len(raw) + 1 for raw in block)
            progress(tally.bytes_read + read, sum(counts.values()) + tally.messages)
    return line, read


def _close_judged(tally: Tally, judge: MessageJudge) -> None:
    for kind in tally.types:
        tally.judged |= judge.judged_ids(kind)
    if tally.unknown:
        tally.judged |= judge.judged_ids(None)


# ------------------------------------------------------------------ JSON arrays
def check_array(stream: IO[bytes], judge: MessageJudge, tally: Tally, progress: Progress | None = None) -> Tally:
    """Judge every element of a JSON array, decoded one element at a time."""
    for count, (line, value, raw) in enumerate(iter_array(stream, tally.source), start=1):
        kind = judge.clean_value(value)
        if kind is not None:
            tally.types[kind] += 1
        else:
            tally.add(f"line {line}", line, judge.judge_value(value), raw)
        if progress is not None and count % 4096 == 0:
            progress(stream.tell() if stream.seekable() else 0, count)
    _close_judged(tally, judge)
    return tally


# ------------------------------------------------------------------ HAR
def _endpoint_of(protocol: Protocol, entry: HarEntry, paths: dict[str, str]) -> str | None:
    path = urlsplit(entry.url).path
    for name, endpoint in protocol.endpoints.items():
        if endpoint.request is None:
            continue
        want = paths.get(name, endpoint.path)
        if entry.method == endpoint.method and (path == want or path.endswith(want)):
            return name
    return None


def check_har(stream: IO[bytes], judge: MessageJudge, tally: Tally, *, paths: dict[str, str] | None = None) -> Tally:
    """Judge each message exchanged, and each request/response pair as a live run judges an exchange."""
    protocol = judge.protocol
    for entry in iter_har(stream, tally.source):
        name = _endpoint_of(protocol, entry, paths or {})
        if name is None or entry.request_body is None:
            continue
        tally.pairs += 1
        where = f"entry {entry.index}"
        try:
            sent = json.loads(entry.request_body)
        except (ValueError, RecursionError):
            sent = NO_JSON
        verdict = judge.judge_value(sent, clock_ms=entry.started_ms) if sent is not NO_JSON else None
        if verdict is None:
            verdict = judge.judge_bytes(entry.request_body)
        tally.add(where, entry.index, verdict, excerpt(entry.request_body))
        issues, judged = judge_pair(protocol, judge, name, entry, sent, verdict)
        tally.judged |= judged
        tally.add_issues(where, entry.index, issues, excerpt(entry.response_body))
    _close_judged(tally, judge)
    return tally


def judge_pair(
    protocol: Protocol, judge: MessageJudge, name: str, entry: HarEntry, sent: Any, verdict: Verdict
) -> tuple[list[Issue], set[str]]:
    """The endpoint's passive checks and the accept/reject expectation on one recorded exchange."""
    endpoint = protocol.endpoints[name]
    exchange = Exchange(
        request=Request(endpoint=name, method=entry.method, body=entry.request_body),
        method=entry.method,
        url=entry.url,
        sent_headers=entry.request_headers,
        response=Response(status=entry.status, headers=entry.response_headers, body=entry.response_body)
        if entry.status
        else None,
        error_kind=None if entry.status else "dropped",
        error=None if entry.status else "no response recorded",
        message_sent=sent if isinstance(sent, dict) else None,
    )
    try:
        body = json.loads(entry.response_body) if entry.response_body else NO_JSON
    except (ValueError, RecursionError):
        body = NO_JSON
    expectation: Expectation | None = None
    judges: tuple[str, ...] = ()
    kind = verdict.message_type
    if kind is not None and isinstance(sent, dict) and entry.status != 429:
        errors = list(message_validator(protocol.schemas_dir, kind, judge.schema_engine).iter_errors(sent))
        if not errors and kind in ACCEPT_IDS:
            expectation, judges = Expectation(kind="accept"), (ACCEPT_IDS[kind],)
        elif errors:
            ids = rejection_ids(kind, errors)
            if ids:
                expectation, judges = Expectation(kind="reject"), ids
    ctx = CheckContext(
        scenario_id="",
        step=None,
        profile="default",
        judges=judges,
        expectation=expectation,
        endpoint=name,
        response_type=endpoint.response,
        schemas_dir=protocol.schemas_dir,
        body=body,
        clock_ms=entry.started_ms or 0,
        skew_ms=300_000 if entry.started_ms else 10**18,
        extra={"schema_engine": judge.schema_engine},
    )
    names = [*STEP_CHECKS, *protocol.passive_checks.get(name, ())]
    issues: list[Issue] = []
    judged: set[str] = set()
    for check_name in names:
        check = EXCHANGE_CHECKS[check_name]
        found = check.func(exchange, ctx)
        if found is None:
            continue
        judged |= judged_by([check_name], judges)
        issues.extend(found)
    return issues, judged


# ------------------------------------------------------------------ files
@functools.lru_cache(maxsize=4)
def _worker_judge(protocol_id: str, engine: str) -> MessageJudge:
    return make_judge(load_protocol(protocol_id), engine)


def _range_worker(args: tuple[str, int, int, str, str, int]) -> Tally:
    path, start, end, engine, protocol_id, max_samples = args
    judge = _worker_judge(protocol_id, engine)
    tally = Tally(source=path, max_samples=max_samples)
    with open(path, "rb") as handle:
        handle.seek(start)
        check_jsonl(handle, judge, tally, limit=end - start)
    tally.bytes_read = end - start
    return tally


def split_ranges(path: Path, parts: int) -> list[tuple[int, int]]:
    """Byte ranges of a file, each starting at the beginning of a line."""
    size = path.stat().st_size
    if parts <= 1 or size < 2 * MIN_RANGE:
        return [(0, size)]
    parts = min(parts, size // MIN_RANGE)
    cuts = [0]
    with path.open("rb") as handle:
        for i in range(1, parts):
            handle.seek(size * i // parts)
            handle.readline()
            position = handle.tell()
            if position > cuts[-1] and position < size:
                cuts.append(position)
    cuts.append(size)
    return list(itertools.pairwise(cuts))


def check_file(
    source: str,
    protocol: Protocol,
    *,
    engine: str = "auto",
    fmt: str = "auto",
    jobs: int = 1,
    max_samples: int = 20,
    paths: dict[str, str] | None = None,
    progress: Progress | None = None,
    stdin: IO[bytes] | None = None,
) -> Tally:
    """Check one capture file (``-``: ``stdin``) and return its tally."""
    tally = Tally(source=source, max_samples=max_samples)
    if source == "-":
        if stdin is None:
            raise InputError("no standard input to read", "-")
        head = stdin.peek(4096)[:4096] if hasattr(stdin, "peek") else b""
        tally.format = fmt if fmt != "auto" else detect_format(head, "-")
        return _check_stream(stdin, tally, protocol, engine, paths, progress)
    path = Path(source)
    compressed = path.name.endswith(".gz")

    def opener(where: Path) -> Any:
        """The file's bytes, decompressed on the fly for ``.gz``."""
        return gzip.open(where, "rb") if compressed else where.open("rb")

    try:
        with opener(path) as handle:
            head = handle.read(65536)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"cannot read: {getattr(exc, 'strerror', None) or exc}", source) from None
    tally.format = fmt if fmt != "auto" else detect_format(head, path.name.removesuffix(".gz"))
    if jobs > 1:
        if tally.format == "jsonl" and not compressed:
            ranges = split_ranges(path, jobs * 4)
            if len(ranges) > 1:
                return _check_ranges(path, ranges, tally, protocol, engine, jobs, max_samples, progress)
        else:
            tally.remark = "--jobs applies to uncompressed JSON Lines; this file was checked in one process"
    try:
        with opener(path) as handle:
            return _check_stream(handle, tally, protocol, engine, paths, progress)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError(f"the compressed stream is damaged ({exc})", source) from None


def _check_stream(
    stream: IO[bytes],
    tally: Tally,
    protocol: Protocol,
    engine: str,
    paths: dict[str, str] | None,
    progress: Progress | None,
) -> Tally:
    judge = make_judge(protocol, engine)
    if tally.format == "har":
        return check_har(stream, judge, tally, paths=paths)
    if tally.format == "array":
        return check_array(stream, judge, tally, progress)
    return check_jsonl(stream, judge, tally, progress=progress)


def _check_ranges(
    path: Path,
    ranges: list[tuple[int, int]],
    tally: Tally,
    protocol: Protocol,
    engine: str,
    jobs: int,
    max_samples: int,
    progress: Progress | None,
) -> Tally:
    work = [(str(path), start, end, engine, protocol.id, max_samples) for start, end in ranges]
    with ProcessPoolExecutor(max_workers=min(jobs, os.cpu_count() or 1, len(work))) as pool:
        for part in pool.map(_range_worker, work):
            tally.merge(part, line_offset=tally.lines)
            if progress is not None:
                progress(tally.bytes_read, tally.messages)
    return tally
