"""Load scenario files: YAML (safe, with line numbers) checked against the scenario schema.

Errors are values: :func:`load_scenarios` returns every scenario it could load
and one :class:`InputError` per problem, each naming ``file:line``.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema.exceptions import best_match

from validator.checks import BATCH_CHECKS, EXCHANGE_CHECKS, PRODUCER_CHECKS, STEP_CHECKS, judged_by
from validator.errors import InputError
from validator.model import Expectation, Scenario, Step
from validator.protocol import Protocol
from validator.schemas import file_validator
from validator.yamlio import LineDict, line_of, load_yaml, plain

CATALOG_FILES = frozenset({"requirements.yaml", "protocol.yaml"})


@dataclass(frozen=True, kw_only=True)
class LoadResult:
    """Scenarios loaded and the problems found, in file order."""

    scenarios: tuple[Scenario, ...]
    errors: tuple[InputError, ...]


def scenario_files(protocol: Protocol) -> list[Path]:
    """The shipped scenario files of a protocol, sorted by name."""
    return sorted(p for p in protocol.directory.glob("*.yaml") if p.name not in CATALOG_FILES)


def load_scenarios(protocol: Protocol, paths: list[Path] | None = None) -> LoadResult:
    """Load and check every scenario file (the shipped ones unless ``paths`` is given)."""
    scenarios: list[Scenario] = []
    errors: list[InputError] = []
    seen: dict[str, str] = {}
    for path in paths if paths is not None else scenario_files(protocol):
        try:
            loaded = _load_file(path, protocol)
        except InputError as exc:
            errors.append(exc)
            continue
        for scenario, file_errors in loaded:
            errors.extend(file_errors)
            if file_errors:
                continue
            where = f"{scenario.source}:{scenario.line}"
            if scenario.id in seen:
                errors.append(InputError(f"scenario id {scenario.id!r} is also defined at {seen[scenario.id]}", where))
                continue
            seen[scenario.id] = where
            scenarios.append(scenario)
    return LoadResult(scenarios=tuple(scenarios), errors=tuple(errors))


def _load_file(path: Path, protocol: Protocol) -> list[tuple[Scenario, list[InputError]]]:
    doc = load_yaml(path)
    if doc is None:
        raise InputError("file is empty", f"{path}:1")
    schema_errors = sorted(file_validator("scenario").iter_errors(doc), key=lambda e: list(e.absolute_path))
    if schema_errors:
        error = _best_error(schema_errors)
        where = f"{path}:{line_of(doc, list(error.absolute_path))}"
        raise InputError(_schema_message(error), where)
    out = []
    for raw in doc["scenarios"]:
        errs: list[InputError] = []
        scenario = _scenario(raw, path, protocol, errs)
        out.append((scenario, errs))
    return out


def _best_error(errors: list[Any]) -> Any:
    """The most specific schema error: the deepest one, descending into oneOf branches."""
    return best_match(errors)


def _schema_message(error: Any) -> str:
    path = "/".join(str(p) for p in error.absolute_path)
    prefix = f"{path}: " if path else ""
    return f"{prefix}{error.message}"


def _expectation(value: Any) -> Expectation:
    if isinstance(value, str):
        return Expectation(kind=value)
    return Expectation(kind="status", statuses=tuple(str(s) for s in value["status"]), prefer=value.get("prefer"))


def _expect_map(value: Any) -> dict[str, Expectation]:
    if isinstance(value, dict) and "default" in value:
        return {profile: _expectation(v) for profile, v in value.items()}
    return {"default": _expectation(value)}


def _scenario(raw: LineDict, path: Path, protocol: Protocol, errs: list[InputError]) -> Scenario:
    known = set(protocol.catalog.ids)
    covers = tuple(raw["covers"])
    for i, rid in enumerate(covers):
        if rid not in known:
            errs.append(
                InputError(f"unknown requirement id {rid!r} in covers", f"{path}:{raw['covers'].item_lines[i]}")
            )
    role = str(raw.get("role", "controller"))
    if role == "producer":
        return _producer_scenario(raw, path, protocol, covers, errs)
    steps = tuple(_step(i, s, path, protocol, covers, errs) for i, s in enumerate(raw["steps"]))
    for step, raw_step in zip(steps, raw["steps"], strict=True):
        if step.action == "answer":
            where = f"{path}:{raw_step.line}"
            errs.append(InputError("answer steps belong to producer scenarios (role: producer)", where))
    if "checks" in raw:
        where = f"{path}:{raw.key_lines['checks']}"
        errs.append(InputError("scenario-level checks belong to producer scenarios", where))
    scenario = Scenario(
        id=str(raw["id"]),
        title=str(raw["title"]),
        covers=covers,
        tags=tuple(raw.get("tags", ())),
        needs=tuple(raw.get("needs", ())),
        steps=steps,
        source=str(path),
        line=raw.line,
    )
    if not errs:
        judgeable = judged_by(list(protocol.scenario_checks), ())
        for step in steps:
            judgeable |= _step_judgeable(step, protocol)
        for rid in covers:
            if rid not in judgeable:
                errs.append(
                    InputError(
                        f"covers {rid} but no step or check of the scenario judges it",
                        f"{path}:{raw.key_lines['covers']}",
                    )
                )
    return scenario


def _producer_scenario(
    raw: LineDict, path: Path, protocol: Protocol, covers: tuple[str, ...], errs: list[InputError]
) -> Scenario:
    """A scenario whose steps script the validator's answers to a producer under test."""
    side = protocol.producer
    if side is None:
        errs.append(InputError(f"protocol {protocol.id} has no producer role", f"{path}:{raw.line}"))
    checks = tuple(str(c) for c in raw.get("checks", ()))
    for name in checks:
        if name not in PRODUCER_CHECKS:
            errs.append(
                InputError(
                    f"unknown producer check {name!r} (known: {', '.join(PRODUCER_CHECKS)})",
                    f"{path}:{raw.key_lines['checks']}",
                )
            )
    steps = []
    for index, raw_step in enumerate(raw["steps"]):
        where = f"{path}:{raw_step.line}"
        if "wait" in raw_step:
            steps.append(Step(index=index, line=raw_step.line, action="wait", wait=float(raw_step["wait"])))
            continue
        if "answer" not in raw_step:
            errs.append(InputError("producer scenarios have only answer and wait steps", where))
            continue
        endpoint = str(raw_step["answer"])
        if side is not None and endpoint not in side.answers:
            known = ", ".join(side.answers)
            errs.append(InputError(f"the validator does not answer {endpoint!r} (known: {known})", where))
        answer = {k: plain(v) for k, v in raw_step.items() if k != "answer"}
        steps.append(Step(index=index, line=raw_step.line, action="answer", endpoint=endpoint, answer=answer))
    scenario = Scenario(
        id=str(raw["id"]),
        title=str(raw["title"]),
        covers=covers,
        tags=tuple(raw.get("tags", ())),
        needs=(),
        steps=tuple(steps),
        source=str(path),
        line=raw.line,
        role="producer",
        checks=checks,
    )
    if not errs:
        judgeable = judged_by([*(side.checks if side else ()), *checks], ())
        for rid in covers:
            if rid not in judgeable:
                errs.append(
                    InputError(
                        f"covers {rid} but no check of the producer scenario judges it",
                        f"{path}:{raw.key_lines['covers']}",
                    )
                )
    return scenario


def _step_judgeable(step: Step, protocol: Protocol) -> set[str]:
    if step.action != "send":
        return set()
    names = [*STEP_CHECKS, *protocol.passive_checks.get(step.endpoint, ()), *step.checks, *step.batch_checks]
    ids = judged_by(names, step.judges)
    if step.probe_after:
        ids.update(protocol.probe_judges)
    return ids


def _step(
    index: int, raw: LineDict, path: Path, protocol: Protocol, covers: tuple[str, ...], errs: list[InputError]
) -> Step:
    where = f"{path}:{raw.line}"
    if "wait" in raw:
        return Step(index=index, line=raw.line, action="wait", wait=float(raw["wait"]))
    if "answer" in raw:
        return Step(index=index, line=raw.line, action="answer", endpoint=str(raw["answer"]))
    if "set_state" in raw:
        if protocol.state_hook is None:
            errs.append(InputError("set_state used but the protocol has no state hook", where))
        return Step(index=index, line=raw.line, action="set_state", state=dict(raw["set_state"]))
    endpoint = str(raw["send"])
    if endpoint not in protocol.endpoints:
        errs.append(InputError(f"unknown endpoint {endpoint!r} (known: {', '.join(protocol.endpoints)})", where))
    message = raw.get("message")
    if message is not None and message not in protocol.templates:
        errs.append(InputError(f"unknown message template {message!r}", where))
    for name in raw.get("checks", ()):
        if name not in EXCHANGE_CHECKS:
            errs.append(InputError(f"unknown check {name!r}", where))
    for name in raw.get("batch_checks", ()):
        if name not in BATCH_CHECKS:
            errs.append(InputError(f"unknown batch check {name!r} (known: {', '.join(BATCH_CHECKS)})", where))
    if "judges" in raw:
        judges = tuple(raw["judges"])
        for rid in judges:
            if rid not in protocol.catalog.ids:
                errs.append(InputError(f"unknown requirement id {rid!r} in judges", where))
    else:
        # By default the expectation judges what the scenario covers that no dedicated check of this step judges.
        names = [
            *STEP_CHECKS,
            *protocol.passive_checks.get(endpoint, ()),
            *raw.get("checks", ()),
            *raw.get("batch_checks", ()),
        ]
        dedicated = judged_by([n for n in names if n in EXCHANGE_CHECKS or n in BATCH_CHECKS], ()) | judged_by(
            list(protocol.scenario_checks), ()
        )
        judges = tuple(r for r in covers if r not in dedicated)
        if not judges:
            errs.append(InputError("the step's expectation judges nothing: name the ids in judges:", where))
    raw_body: bytes | None = None
    if "raw" in raw:
        raw_body = str(raw["raw"]).encode("utf-8")
    elif "raw_base64" in raw:
        try:
            raw_body = base64.b64decode(str(raw["raw_base64"]), validate=True)
        except (binascii.Error, ValueError):
            errs.append(InputError("raw_base64 is not valid base64", where))
    expect = _expect_map(raw["expect"])
    default_exp = expect["default"]
    probe = raw.get("probe_after")
    if probe is None:
        probe = default_exp.kind != "accept"
    return Step(
        index=index,
        line=raw.line,
        action="send",
        endpoint=endpoint,
        method=raw.get("method"),
        message_type=message,
        set_fields=plain(raw.get("set", {})),
        unset_fields=tuple(raw.get("unset", ())),
        raw_body=raw_body,
        pad_to=raw.get("pad_to"),
        content_type=raw.get("content_type"),
        auth=str(raw.get("auth", "default")),
        expect=expect,
        judges=judges,
        checks=tuple(raw.get("checks", ())),
        repeat=int(raw.get("repeat", 1)),
        parallel=int(raw.get("parallel", 1)),
        probe_after=bool(probe),
        variants=tuple(plain(v) for v in raw.get("variants", ())),
        rate=float(raw["rate"]) if "rate" in raw else None,
        within=float(raw["within"]) if "within" in raw else None,
        poll=float(raw.get("poll", 0.05)),
        batch_checks=tuple(raw.get("batch_checks", ())),
    )
