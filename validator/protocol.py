"""A protocol as data: its catalog, endpoints, templates and default checks.

Everything protocol-specific the core needs is read from
``scenarios/<protocol>/requirements.yaml`` and ``protocol.yaml``; adding a
protocol means adding those files, schemas and scenarios (and checks where the
existing ones do not fit).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from validator.errors import InputError
from validator.model import Catalog, Level, Requirement
from validator.resources import data_dir, protocol_dir
from validator.yamlio import LineDict, load_yaml, plain

DEFAULT_PROTOCOL = "backpressure"


@dataclass(frozen=True, kw_only=True)
class Endpoint:
    """A named place messages are sent to."""

    name: str
    method: str
    path: str
    request: str | None = None
    response: str | None = None


@dataclass(frozen=True, kw_only=True)
class Answer:
    """How the validator, standing in for the peer, answers requests to one endpoint by default."""

    message: str | None = None  # a template name; its ``{{request.FIELD}}`` placeholders echo the request
    body: Any = None  # a fixed JSON body when no template is named
    status: int = 200


@dataclass(frozen=True, kw_only=True)
class ProducerSide:
    """What the validator serves when the implementation under test is a producer."""

    sink_path: str
    answers: dict[str, Answer]
    checks: tuple[str, ...]  # run on every recorded session


@dataclass(frozen=True, kw_only=True)
class CaptureRules:
    """How captured messages are judged offline: the field naming the type, checks for all and per type."""

    dispatch: str
    checks: tuple[str, ...]
    types: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]  # type -> (checks, ids its generic checks judge)


@dataclass(frozen=True, kw_only=True)
class Protocol:
    """Everything the driver and checks need to know about one protocol."""

    id: str
    catalog: Catalog
    schemas_dir: str
    endpoints: dict[str, Endpoint]
    state_hook: Endpoint | None
    probe_endpoint: str
    probe_message: str
    probe_judges: tuple[str, ...]
    passive_checks: dict[str, tuple[str, ...]]
    scenario_checks: tuple[str, ...]
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)
    directory: Path = Path()
    producer: ProducerSide | None = None
    capture: CaptureRules | None = None


def available_protocols() -> tuple[str, ...]:
    """Ids of the protocols shipped in ``scenarios/``."""
    root = data_dir("scenarios")
    return tuple(sorted(p.name for p in root.iterdir() if (p / "protocol.yaml").is_file()))


def _require(mapping: Any, key: str, where: str, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(mapping, dict) or key not in mapping:
        raise InputError(f"missing key {key!r}", where)
    value = mapping[key]
    if not isinstance(value, kind):
        raise InputError(f"{key!r} has the wrong type ({type(value).__name__})", where)
    return value


def load_catalog(path: Path) -> Catalog:
    """Read a requirement catalog file."""
    doc = load_yaml(path)
    where = f"{path}:{getattr(doc, 'line', 1)}"
    proto = _require(doc, "protocol", where, dict)
    areas = _require(doc, "areas", where, dict)
    reqs: list[Requirement] = []
    seen: set[str] = set()
    for item in _require(doc, "requirements", where, list):
        line = f"{path}:{getattr(item, 'line', 0)}"
        rid = str(_require(item, "id", line, str))
        if rid in seen:
            raise InputError(f"duplicate requirement id {rid}", line)
        seen.add(rid)
        area = rid.split("-")[1] if rid.count("-") >= 2 else ""
        if area not in areas:
            raise InputError(f"requirement {rid} belongs to no declared area", line)
        try:
            level = Level.parse(str(_require(item, "level", line, str)))
            strict = Level.parse(item["strict_level"]) if "strict_level" in item else None
        except KeyError as exc:
            raise InputError(f"unknown level {exc}", line) from None
        reqs.append(
            Requirement(
                id=rid,
                level=level,
                strict_level=strict,
                role=str(_require(item, "role", line, str)),
                area=area,
                section=str(item.get("section", "")),
                title=str(_require(item, "title", line, str)),
                text=str(_require(item, "text", line, str)),
            )
        )
    return Catalog(
        protocol_id=str(_require(proto, "id", where, str)),
        protocol_name=str(_require(proto, "name", where, str)),
        protocol_version=str(_require(proto, "version", where, str)),
        areas={str(k): str(v) for k, v in areas.items()},
        requirements=tuple(reqs),
    )


def _endpoint(name: str, spec: Any, where: str) -> Endpoint:
    return Endpoint(
        name=name,
        method=str(_require(spec, "method", where, str)).upper(),
        path=str(_require(spec, "path", where, str)),
        request=spec.get("request"),
        response=spec.get("response"),
    )


@lru_cache(maxsize=8)
def load_protocol(protocol_id: str = DEFAULT_PROTOCOL) -> Protocol:
    """Load a shipped protocol by id."""
    directory = protocol_dir(protocol_id)
    if not (directory / "protocol.yaml").is_file():
        known = ", ".join(available_protocols())
        raise InputError(f"unknown protocol {protocol_id!r} (known: {known})")
    catalog = load_catalog(directory / "requirements.yaml")
    path = directory / "protocol.yaml"
    doc = load_yaml(path)
    where = f"{path}:{getattr(doc, 'line', 1)}"
    endpoints = {
        str(name): _endpoint(str(name), spec, f"{path}:{getattr(spec, 'line', 0)}")
        for name, spec in _require(doc, "endpoints", where, dict).items()
    }
    hook = doc.get("state_hook")
    probe = _require(doc, "liveness_probe", where, dict)
    passive = {str(k): tuple(str(c) for c in v) for k, v in _require(doc, "passive_checks", where, dict).items()}
    for ep in passive:
        if ep not in endpoints:
            raise InputError(f"passive checks name unknown endpoint {ep!r}", where)
    proto = Protocol(
        id=protocol_id,
        catalog=catalog,
        schemas_dir=str(_require(doc, "schemas_dir", where, str)),
        endpoints=endpoints,
        state_hook=_endpoint("state_hook", hook, where) if isinstance(hook, LineDict) else None,
        probe_endpoint=str(_require(probe, "endpoint", where, str)),
        probe_message=str(_require(probe, "message", where, str)),
        probe_judges=tuple(str(x) for x in _require(probe, "judges", where, list)),
        passive_checks=passive,
        scenario_checks=tuple(str(c) for c in doc.get("scenario_checks", [])),
        templates={str(k): plain(v) for k, v in _require(doc, "templates", where, dict).items()},
        directory=directory,
        capture=_capture_rules(doc.get("capture"), f"{path}:{getattr(doc.get('capture'), 'line', 1)}"),
        producer=_producer_side(doc.get("producer"), endpoints, f"{path}:{getattr(doc.get('producer'), 'line', 1)}"),
    )
    if proto.probe_endpoint not in endpoints or proto.probe_message not in proto.templates:
        raise InputError("liveness_probe names an unknown endpoint or template", where)
    return proto


def _producer_side(spec: Any, endpoints: dict[str, Endpoint], where: str) -> ProducerSide | None:
    if spec is None:
        return None
    answers = {}
    for name, raw in _require(spec, "answers", where, dict).items():
        if name not in endpoints:
            raise InputError(f"producer answers name unknown endpoint {name!r}", where)
        answers[str(name)] = Answer(
            message=raw.get("message"), body=plain(raw.get("body")), status=int(raw.get("status", 200))
        )
    return ProducerSide(
        sink_path=str(_require(spec, "sink", where, str)),
        answers=answers,
        checks=tuple(str(c) for c in spec.get("checks", [])),
    )


def _capture_rules(spec: Any, where: str) -> CaptureRules | None:
    if spec is None:
        return None
    types = {}
    for name, raw in _require(spec, "types", where, dict).items():
        types[str(name)] = (tuple(str(c) for c in raw.get("checks", [])), tuple(str(j) for j in raw.get("judges", [])))
    return CaptureRules(
        dispatch=str(_require(spec, "dispatch", where, str)),
        checks=tuple(str(c) for c in _require(spec, "checks", where, list)),
        types=types,
    )
