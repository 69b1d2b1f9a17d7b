"""Fuzzing as a stage of ``run``: a small generated budget after the scripted scenarios."""

from __future__ import annotations

import time
from collections.abc import Callable

from validator.adapters.base import Adapter
from validator.fuzz.engine import fuzz
from validator.model import FindingKind, Scenario, ScenarioResult, Status
from validator.protocol import Protocol

DEFAULT_RUN_EXAMPLES = 150
DEFAULT_RUN_SEED = 0  # a fixed default keeps a CI gate's verdict reproducible; --seed changes it


def fuzz_stage(protocol: Protocol, *, examples: int, seed: int, profile: str) -> Callable[[Adapter], ScenarioResult]:
    """A driver stage that fuzzes the target and reports like a scenario."""

    def stage(adapter: Adapter) -> ScenarioResult:
        started = time.perf_counter()
        report = fuzz(adapter, protocol, max_examples=examples, seed=seed, profile=profile)
        covers = tuple(rid for rid in protocol.catalog.ids if rid in report.judged)
        scenario = Scenario(
            id=f"{protocol.id}/fuzz/generated",
            title=f"{report.examples} generated inputs (seed {seed})",
            covers=covers,
            tags=("fuzz",),
            needs=(),
            steps=(),
            source="(generated)",
            line=0,
        )
        findings = tuple(report.findings(scenario.id))
        failed = any(f.kind is FindingKind.VIOLATION for f in findings)
        return ScenarioResult(
            scenario=scenario,
            status=Status.FAIL if failed else Status.PASS,
            judged=frozenset(report.judged),
            findings=findings,
            duration_s=time.perf_counter() - started,
            exchanges=report.examples,
        )

    return stage
