"""Run a whole validation without a terminal: the library entry point (used by selftest and tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from validator.adapters import AdapterOptions, build_adapter
from validator.adapters.base import Adapter
from validator.driver import Driver, RunPlan
from validator.errors import InputError
from validator.events import Event, RunFinished
from validator.loader import load_scenarios
from validator.model import RunResult, Scenario, ScenarioResult
from validator.protocol import Protocol, load_protocol
from validator.selection import SLOW_REASON, select_scenarios


def _protocol_and_scenarios(
    protocol_id: str, scenarios: tuple[Scenario, ...] | None
) -> tuple[Protocol, tuple[Scenario, ...]]:
    """The protocol, and the given scenarios or else the shipped ones (a broken file raises)."""
    protocol = load_protocol(protocol_id)
    if scenarios is None:
        loaded = load_scenarios(protocol)
        if loaded.errors:
            raise loaded.errors[0]
        scenarios = loaded.scenarios
    return protocol, scenarios


def validate(
    target: str,
    *,
    protocol_id: str = "backpressure",
    profile: str = "default",
    options: AdapterOptions | None = None,
    scenarios: tuple[Scenario, ...] | None = None,
    on_event: Callable[[Event], None] | None = None,
    include_slow: bool = False,
    fuzz_examples: int = 0,
    seed: int = 0,
) -> RunResult:
    """Validate ``target`` with the shipped scenarios (or the given ones) and return the result.

    Scenarios tagged slow are reported as skipped unless ``include_slow``.
    """
    protocol, scenarios = _protocol_and_scenarios(protocol_id, scenarios)
    if not scenarios:
        raise InputError("no scenarios to run")
    chosen, slow = select_scenarios(scenarios, protocol.catalog, include_slow=include_slow)
    adapter = build_adapter(target, protocol, options or AdapterOptions())
    plan = RunPlan(
        protocol=protocol,
        scenarios=chosen,
        profile=profile,
        target=target,
        skipped=tuple((s, SLOW_REASON) for s in slow),
    )
    stages: tuple[Callable[[Adapter], ScenarioResult], ...] = ()
    if fuzz_examples > 0:
        from validator.fuzz.stage import fuzz_stage

        stages = (fuzz_stage(protocol, examples=fuzz_examples, seed=seed, profile=profile),)
    try:
        for event in Driver(plan, adapter, stages=stages).run():
            if on_event is not None:
                on_event(event)
            if isinstance(event, RunFinished):
                return event.result
    finally:
        adapter.close()
    raise AssertionError("the driver ended without RunFinished")  # pragma: no cover - driver contract


def validate_producer(
    target: str,
    *,
    spawn: tuple[str, ...] | None = None,
    protocol_id: str = "backpressure",
    profile: str = "default",
    scenarios: tuple[Scenario, ...] | None = None,
    include_slow: bool = False,
    on_event: Callable[[Event], None] | None = None,
    **settings: Any,
) -> RunResult:
    """Validate a producer: a built-in one (``builtin:producer/NAME``) or the command ``spawn`` starts."""
    from validator.producer.driver import ProducerDriver, ProducerPlan
    from validator.producer.process import builtin_command

    protocol, scenarios = _protocol_and_scenarios(protocol_id, scenarios)
    chosen, slow = select_scenarios(scenarios, protocol.catalog, include_slow=include_slow, role="producer")
    argv = spawn if spawn is not None else tuple(builtin_command(target))
    plan = ProducerPlan(
        protocol=protocol,
        scenarios=chosen,
        target=target,
        spawn=argv,
        profile=profile,
        skipped=tuple((s, SLOW_REASON) for s in slow),
        **settings,
    )
    for event in ProducerDriver(plan).run():
        if on_event is not None:
            on_event(event)
        if isinstance(event, RunFinished):
            return event.result
    raise AssertionError("the driver ended without RunFinished")  # pragma: no cover - driver contract
