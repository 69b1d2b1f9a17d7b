"""Judge one captured message on its own: a fast "is it clean?" first, the full checks only when not.

Engines (``--engine``):

- ``msgspec``: the message schemas are turned into msgspec structs (a tagged union on the
  dispatch field) and decoded with their constraints in one pass of C; no Python object is
  built for a field that is fine. Needs the optional ``msgspec`` wheel.
- ``python``: ``json.loads`` and the closure-compiled schemas (:mod:`validator.fastschema`).
- ``jsonschema``: no fast path; every message goes through the full checks with ``jsonschema``
  itself. The slowest and the reference the others are held to.

Whatever the engine, a message that is not clean is judged by the same check functions a
live run uses, so a finding reads the same whether it came from a capture or a target.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from validator.checks import EXCHANGE_CHECKS, CheckContext, Issue, judged_by
from validator.checks.base import NO_JSON, json_int
from validator.fastschema import Unsupported, ecma
from validator.model import Exchange, FindingKind, Request, Response
from validator.protocol import Protocol
from validator.schemas import message_schema, message_validator

ENGINES = ("auto", "msgspec", "python", "jsonschema")
_UNPARSED: Any = object()
NO_SKEW = 10**18  # offline, timestamps are judged for their unit, not against this machine's clock
ENVELOPE_ID = "BP-ENV-01"


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """What one message that was not clean broke (violations) or deserves (notes)."""

    message_type: str | None
    issues: tuple[Issue, ...]

    @property
    def violated(self) -> frozenset[str]:
        """Ids with a violation (notes excluded): what engines must agree on."""
        return frozenset(i.requirement_id for i in self.issues if i.kind is FindingKind.VIOLATION)


def available_engine(requested: str = "auto") -> str:
    """The engine that will run: ``auto`` is msgspec when its wheel is installed, else python."""
    if requested not in ENGINES:
        raise ValueError(f"unknown engine {requested!r} (known: {', '.join(ENGINES)})")
    if requested in ("auto", "msgspec"):
        try:
            import msgspec  # noqa: F401 - only whether it imports
        except ImportError:
            if requested == "msgspec":
                raise ValueError("engine msgspec needs the msgspec package (pip install msgspec)") from None
            return "python"
        return "msgspec"
    return requested


class MessageJudge:
    """Judges messages of one protocol; ``clean_bytes`` is the fast path, ``judge_value`` the full one."""

    def __init__(
        self,
        protocol: Protocol,
        engine: str = "auto",
        *,
        fast_rules: dict[str, tuple[tuple[str, ...], Any]] | None = None,
        field_bounds: dict[str, tuple[int, int]] | None = None,
    ) -> None:
        rules = protocol.capture
        if rules is None:
            raise ValueError(f"protocol {protocol.id} defines no capture rules")
        self.protocol = protocol
        self.rules = rules
        self.engine = available_engine(engine)
        self.schema_engine = "jsonschema" if self.engine == "jsonschema" else "compiled"
        self.types = tuple(rules.types)
        self.fast_rules = fast_rules or {}
        self.field_bounds = field_bounds or {}
        self._checks: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
            name: ((*rules.checks, *checks), judges) for name, (checks, judges) in rules.types.items()
        }
        self._validators = {t: message_validator(protocol.schemas_dir, t, "compiled") for t in self.types}
        self._funcs = {t: tuple(EXCHANGE_CHECKS[n].func for n in checks) for t, (checks, _) in self._checks.items()}
        # the checks read an emitted message from a successful answer; this one stands for all of them
        self._exchange = Exchange(
            request=Request(endpoint="capture", method="", body=None),
            method="",
            url="",
            sent_headers=(),
            response=Response(status=200, headers=(("content-type", "application/json"),), body=b""),
        )
        self.scan: Callable[[list[bytes], dict[str, int], list[int]], None] | None = None
        self._untyped: Callable[[bytes], Any] | None = None
        if self.engine == "msgspec":
            import msgspec

            self._untyped = msgspec.json.Decoder().decode
        self.clean_bytes: Callable[[bytes], str | None] = self._no_fast_path
        self.clean_value: Callable[[Any], str | None] = self._no_fast_value
        if self.engine == "msgspec":
            self.clean_bytes, self.clean_value = self._msgspec_fast_path()
        elif self.engine == "python":
            self.clean_bytes, self.clean_value = self._python_bytes, self._python_value

    # ----------------------------------------------------------------- ids
    def judged_ids(self, message_type: str | None) -> set[str]:
        """Ids a message of this type is judged on (``None``: a message that names no known type)."""
        if message_type is None:
            return {ENVELOPE_ID}
        checks, judges = self._checks[message_type]
        return judged_by(list(checks), judges)

    # ---------------------------------------------------------- fast paths
    def _no_fast_path(self, raw: bytes) -> str | None:
        return None

    def _no_fast_value(self, value: Any) -> str | None:
        return None

    def _python_bytes(self, raw: bytes) -> str | None:
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError):
            return None
        return self._python_value(value)

    def _python_value(self, value: Any) -> str | None:
        """The message's type when it is clean, else ``None``."""
        if not isinstance(value, dict):
            return None
        kind = value.get(self.rules.dispatch)
        validator = self._validators.get(kind) if isinstance(kind, str) else None
        if validator is None or not validator.is_valid(value):
            return None
        for item in value.values():
            if isinstance(item, float):
                return None  # a 5.0 for 5 earns a note: not clean
        for name, (low, high) in self.field_bounds.items():
            number = value.get(name)
            if number is not None and not (isinstance(number, int) and low <= number <= high):
                return None
        rule = self.fast_rules.get(str(kind))
        if rule is not None:
            fields, predicate = rule
            if not predicate(*(value[f] for f in fields)):
                return None
        return str(kind)

    def _msgspec_fast_path(self) -> tuple[Callable[[bytes], str | None], Callable[[Any], str | None]]:
        import msgspec

        try:
            built = [self._struct(t, msgspec) for t in self.types]
        except Unsupported:
            self.engine = "python"
            return self._python_bytes, self._python_value
        structs = [struct for struct, _, _ in built]
        union: Any = structs[0] if len(structs) == 1 else _union(structs)
        decode = msgspec.json.Decoder(union).decode
        decode_error = msgspec.DecodeError
        # per struct: (type name, extra test or None) -- the test covers id alphabets and cross-field rules
        specs: dict[Any, tuple[str, Callable[[Any], bool] | None]] = {}
        for (struct, id_fields, alphabet), name in zip(built, self.types, strict=True):
            specs[struct] = (name, _extra_test(id_fields, alphabet, self.fast_rules.get(name)))

        def clean_bytes(raw: bytes) -> str | None:
            try:
                obj = decode(raw)
            except decode_error:
                return None
            name, test = specs[type(obj)]
            return name if test is None or test(obj) else None

        def clean_value(value: Any) -> str | None:
            try:
                obj = msgspec.convert(value, union, strict=True)
            except (msgspec.ValidationError, TypeError):
                return None
            name, test = specs[type(obj)]
            return name if test is None or test(obj) else None

        def scan(lines: list[bytes], counts: dict[str, int], rejected: list[int]) -> None:
            for index, raw in enumerate(lines):
                try:
                    obj = decode(raw)
                except decode_error:
                    rejected.append(index)
                    continue
                name, test = specs[type(obj)]
                if test is None or test(obj):
                    counts[name] += 1
                else:
                    rejected.append(index)

        self.scan = scan
        return clean_bytes, clean_value

    def _struct(self, message_type: str, msgspec: Any) -> tuple[Any, tuple[str, ...], str]:
        """A msgspec struct as strict as the message's schema (stricter is allowed: the full checks decide).

        Required string fields whose pattern is one character class (``^[A-Za-z0-9_-]+$``) are
        returned apart, with the class's characters: testing them with ``str.strip`` after the
        decode costs a fraction of a regular expression per field.
        """
        from typing import Annotated, Literal

        schema = message_schema(self.protocol.schemas_dir, message_type)
        if schema.get("type") != "object" or set(schema) - {
            "$schema",
            "$id",
            "title",
            "description",
            "type",
            "required",
            "properties",
            "$defs",
        }:
            raise Unsupported(message_type)
        required = set(schema.get("required", ()))
        fields: list[Any] = []
        id_fields: list[str] = []
        alphabets: set[str] = set()
        for name, sub in schema.get("properties", {}).items():
            if name == self.rules.dispatch:
                continue  # the tag
            alphabet = char_class(sub.get("pattern")) if isinstance(sub, dict) else None
            prop = sub
            if alphabet is not None and name in required and sub.get("type") == "string":
                prop = {k: v for k, v in sub.items() if k != "pattern"}
                id_fields.append(name)
                alphabets.add(alphabet)
            annotation = _annotation(prop, self.field_bounds.get(name), msgspec, Annotated, Literal)
            if name in required:
                fields.append((name, annotation))
            else:
                fields.append((name, annotation | msgspec.UnsetType, msgspec.UNSET))
        if self.rules.dispatch not in required:
            raise Unsupported("dispatch field optional")
        if len(alphabets) > 1:
            raise Unsupported("id fields with different alphabets")
        fields.sort(key=lambda f: len(f) == 3)  # required fields first
        struct = msgspec.defstruct(message_type, fields, tag_field=self.rules.dispatch, tag=message_type, gc=False)
        return struct, tuple(id_fields), alphabets.pop() if alphabets else ""

    # ------------------------------------------------------------ full path
    def judge_bytes(self, raw: bytes) -> Verdict:
        """Full checks of one raw message (a line of JSON Lines)."""
        value = self._parse(raw)
        if value is not _UNPARSED:
            return self.judge_value(value)
        try:
            value = json.loads(raw)
        except UnicodeDecodeError:
            return _not_json("the line is not valid UTF-8")
        except (ValueError, RecursionError) as exc:
            return _not_json(f"the line is not valid JSON ({str(exc).split(':')[0]})")
        return self.judge_value(value)

    def _parse(self, raw: bytes) -> Any:
        """msgspec's untyped decode when it gives exactly what ``json.loads`` would, else ``_UNPARSED``.

        It is several times faster; floats (``json`` and msgspec may differ on huge integers and
        on NaN) and nested values go to ``json.loads``.
        """
        if self._untyped is None:
            return _UNPARSED
        try:
            value = self._untyped(raw)
        except Exception:
            return _UNPARSED
        if type(value) is not dict:
            return _UNPARSED
        for item in value.values():
            kind = type(item)
            if kind is float or kind is dict or kind is list:
                return _UNPARSED
        return value

    def judge_value(self, value: Any, *, clock_ms: int | None = None) -> Verdict:
        """Full checks of one parsed message, by the same functions a live run uses."""
        if not isinstance(value, dict):
            return Verdict(
                message_type=None,
                issues=(
                    Issue(
                        requirement_id=ENVELOPE_ID,
                        message="not a JSON object",
                        expected="a protocol message (a JSON object)",
                        actual=_short(value),
                    ),
                ),
            )
        kind = value.get(self.rules.dispatch)
        if not isinstance(kind, str) or kind not in self._checks:
            return Verdict(
                message_type=None,
                issues=(
                    Issue(
                        requirement_id=ENVELOPE_ID,
                        message=f"{self.rules.dispatch} names no message type of the protocol",
                        expected=" | ".join(self.types),
                        actual=_short(kind) if self.rules.dispatch in value else "(missing)",
                    ),
                ),
            )
        return Verdict(message_type=kind, issues=tuple(self.run_checks(kind, value, clock_ms=clock_ms)))

    def run_checks(self, kind: str, value: dict[str, Any], *, clock_ms: int | None = None) -> list[Issue]:
        """The type's checks on a message, presented as if a target had just emitted it."""
        judges = self._checks[kind][1]
        exchange = self._exchange
        stamp = json_int(value.get("timestamp"))
        ctx = CheckContext(
            scenario_id="",
            step=None,
            profile="default",
            judges=judges,
            expectation=None,
            endpoint="capture",
            response_type=kind,
            schemas_dir=self.protocol.schemas_dir,
            body=value if value is not None else NO_JSON,
            clock_ms=clock_ms if clock_ms is not None else (stamp or 0),
            skew_ms=NO_SKEW if clock_ms is None else 300_000,
            extra={"schema_engine": self.schema_engine},
        )
        issues: list[Issue] = []
        for func in self._funcs[kind]:
            found = func(exchange, ctx)
            if found:
                issues.extend(found)
        return issues


def char_class(pattern: Any) -> str | None:
    """The characters of a pattern that is exactly one repeated class, ``^[...]+$``; else ``None``."""
    if not isinstance(pattern, str):
        return None
    match = re.fullmatch(r"\^\[((?:[A-Za-z0-9]-[A-Za-z0-9]|[A-Za-z0-9_])*)(-?)\]\+\$", pattern)
    if match is None:
        return None
    chars = set(match.group(2))
    for piece in re.findall(r"[A-Za-z0-9]-[A-Za-z0-9]|[A-Za-z0-9_]", match.group(1)):
        if len(piece) == 3:
            chars.update(chr(c) for c in range(ord(piece[0]), ord(piece[2]) + 1))
        else:
            chars.add(piece)
    return "".join(sorted(chars))


KNOWN_IDS_LIMIT = 1 << 16  # ids remembered as valid (bounded: memory stays flat on any capture)


def _extra_test(
    id_fields: tuple[str, ...], alphabet: str, rule: tuple[tuple[str, ...], Any] | None
) -> Callable[[Any], bool] | None:
    """What a decoded struct must also meet to be clean: ids of the alphabet, and the type's rule.

    Captures repeat the same few producer and consumer ids millions of times, so ids already
    seen valid are remembered: a set lookup instead of a scan of the string.
    """
    get_ids: Any = operator.attrgetter(*id_fields) if id_fields else None
    single = len(id_fields) == 1
    get_args: Any = None
    if rule and len(rule[0]) == 1:
        only = rule[0][0]
        get_args = lambda obj: (getattr(obj, only),)  # noqa: E731 - same shape as attrgetter of several
    elif rule:
        get_args = operator.attrgetter(*rule[0])
    predicate = rule[1] if rule else None
    if get_ids is None and predicate is None:
        return None
    known: set[str] = set()
    remember = known.update
    seen_all = known.issuperset

    def fresh_ids_ok(values: tuple[str, ...]) -> bool:
        for value in values:
            if value.strip(alphabet):
                return False
        if len(known) < KNOWN_IDS_LIMIT:
            remember(values)
        return True

    # one closure per shape, so the common case is a few C calls and no branching
    if get_ids is not None and single and predicate is None:
        return lambda obj: (value := get_ids(obj)) in known or fresh_ids_ok((value,))
    if get_ids is not None and predicate is None:
        return lambda obj: seen_all(ids := get_ids(obj)) or fresh_ids_ok(ids)
    if get_ids is None:
        assert get_args is not None and predicate is not None
        return lambda obj: bool(predicate(*get_args(obj)))
    assert get_args is not None and predicate is not None and not single
    return lambda obj: (seen_all(ids := get_ids(obj)) or fresh_ids_ok(ids)) and bool(predicate(*get_args(obj)))


def _union(structs: list[Any]) -> Any:
    from typing import Union

    return Union[tuple(structs)]  # noqa: UP007 - a runtime union of generated types


def _annotation(sub: Any, bounds: tuple[int, int] | None, msgspec: Any, annotated: Any, literal: Any) -> Any:
    """The msgspec type of one property's schema."""
    allowed = {"type", "const", "enum", "minimum", "maximum", "minLength", "maxLength", "pattern", "description"}
    if not isinstance(sub, dict) or set(sub) - allowed:
        raise Unsupported(str(sub))
    if "const" in sub:
        if not isinstance(sub["const"], str | int) or isinstance(sub["const"], bool):
            raise Unsupported("const")
        return literal[sub["const"]]
    kind = sub.get("type")
    if kind == "integer":
        if "enum" in sub:
            values = sub["enum"]
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                raise Unsupported("enum")
            return literal[tuple(values)]
        low, high = sub.get("minimum"), sub.get("maximum")
        if bounds is not None:
            low = bounds[0] if low is None else max(low, bounds[0])
            high = bounds[1] if high is None else min(high, bounds[1])
        return annotated[int, msgspec.Meta(ge=low, le=high)] if (low, high) != (None, None) else int
    if kind == "string":
        pattern = sub.get("pattern")
        meta = msgspec.Meta(
            min_length=sub.get("minLength"),
            max_length=sub.get("maxLength"),
            pattern=ecma(pattern).pattern if pattern else None,
        )
        return annotated[str, meta]
    if kind == "boolean":
        return bool
    raise Unsupported(f"type {kind!r}")


def _not_json(why: str) -> Verdict:
    return Verdict(
        message_type=None,
        issues=(Issue(requirement_id=ENVELOPE_ID, message=why, expected="a JSON object", actual="(unparseable)"),),
    )


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, bytes) else repr(value)
    return text if len(text) <= 80 else text[:79] + "…"
