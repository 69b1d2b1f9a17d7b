"""Events the driver yields. The CLI turns them into progress; nothing here prints."""

from __future__ import annotations

from dataclasses import dataclass

from validator.model import RunResult, Scenario, ScenarioResult


@dataclass(frozen=True, kw_only=True)
class RunStarted:
    """The run is about to execute ``total`` scenarios against ``target``."""

    target: str
    total: int
    profile: str


@dataclass(frozen=True, kw_only=True)
class Notice:
    """Something the user should know that is not a finding (e.g. a capability is missing)."""

    message: str


@dataclass(frozen=True, kw_only=True)
class TargetUnreachable:
    """The target could not be reached at all; no scenario ran."""

    reason: str


@dataclass(frozen=True, kw_only=True)
class ScenarioStarted:
    """A scenario begins."""

    scenario: Scenario
    index: int
    total: int


@dataclass(frozen=True, kw_only=True)
class ScenarioFinished:
    """A scenario ended (passed, failed, skipped or errored)."""

    result: ScenarioResult
    index: int
    total: int


@dataclass(frozen=True, kw_only=True)
class RunFinished:
    """The run ended; ``result`` is what reporters render."""

    result: RunResult


Event = RunStarted | Notice | TargetUnreachable | ScenarioStarted | ScenarioFinished | RunFinished
