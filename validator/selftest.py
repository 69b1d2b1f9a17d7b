"""Self-test: the reference must pass, every mutant must fail exactly the ids it declares,
and every testable requirement must be killed by some mutant (the mutation score).

No terminal code here: :func:`run_selftest` returns a :class:`SelftestResult` and reports
progress through a callback; the CLI draws it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from validator.adapters import AdapterOptions
from validator.loader import load_scenarios
from validator.model import Status
from validator.producer.reference import PRODUCER_MUTANTS
from validator.protocol import load_protocol
from validator.reference.mutants import MUTANTS
from validator.runner import validate, validate_producer

SELFTEST_TOKEN = "nexus-selftest-token"  # noqa: S105 - a fixed token for built-in targets
REFERENCE = "reference"
FUZZ_EXAMPLES = 150  # as in a default run, with its fixed seed


@dataclass(frozen=True, kw_only=True)
class SelftestCase:
    """One run of the suite against one built-in target under one profile."""

    name: str
    profile: str
    expected: frozenset[str]
    token: bool
    role: str = "controller"

    @property
    def target(self) -> str:
        """The ``--target`` spec of this case."""
        if self.role == "producer":
            return f"builtin:producer/{self.name}"
        return "builtin:reference" if self.name == REFERENCE else f"builtin:mutant/{self.name}"


@dataclass(frozen=True, kw_only=True)
class CaseOutcome:
    """What a case actually failed, next to what it should have failed."""

    case: SelftestCase
    failing: frozenset[str]
    errors: frozenset[str]
    passing: frozenset[str]
    duration_s: float
    problem: str = ""

    @property
    def missed(self) -> frozenset[str]:
        """Declared ids the run did not fail (the mutant survived for them)."""
        return self.case.expected - self.failing

    @property
    def unexpected(self) -> frozenset[str]:
        """Ids the run failed that the case did not declare (false positives)."""
        return self.failing - self.case.expected

    @property
    def ok(self) -> bool:
        """Exactly the declared ids failed, and nothing errored."""
        return not self.missed and not self.unexpected and not self.errors and not self.problem


@dataclass(frozen=True, kw_only=True)
class SelftestResult:
    """The matrix and the mutation score."""

    outcomes: tuple[CaseOutcome, ...]
    testable: frozenset[str]
    killed: frozenset[str]
    duration_s: float

    @property
    def unkilled(self) -> frozenset[str]:
        """Testable requirements no mutant kills."""
        return self.testable - self.killed

    @property
    def score(self) -> float:
        """Share of testable requirements some mutant kills (1.0 when nothing is testable)."""
        return len(self.testable & self.killed) / len(self.testable) if self.testable else 1.0

    @property
    def ok(self) -> bool:
        """Every case exact and every testable requirement killed."""
        return all(o.ok for o in self.outcomes) and not self.unkilled


def plan_cases(
    profiles: Sequence[str] = ("default", "strict"), roles: Sequence[str] = ("controller", "producer")
) -> list[SelftestCase]:
    """The reference under each profile, then every mutant (under strict too where it declares a difference).

    Producer cases (the reference producer and its mutants, run as real processes) come after.
    """
    cases = []
    if "controller" in roles:
        cases += _controller_cases(profiles)
    if "producer" in roles:
        reference = SelftestCase(name=REFERENCE, profile="default", expected=frozenset(), token=False, role="producer")
        cases.append(reference)
        for pm in PRODUCER_MUTANTS.values():
            if not pm.slow_only:  # its scenario takes over a minute; the test suite checks it separately
                cases.append(
                    SelftestCase(name=pm.name, profile="default", expected=pm.breaks, token=False, role="producer")
                )
    return cases


def _controller_cases(profiles: Sequence[str]) -> list[SelftestCase]:
    cases = [SelftestCase(name=REFERENCE, profile=p, expected=frozenset(), token=True) for p in profiles]
    for mutant in MUTANTS.values():
        if mutant.slow_only:
            continue  # its scenario waits out a rate-limit minute; the test suite checks it separately
        for profile in profiles:
            if profile != "default" and mutant.strict_breaks is None:
                continue
            cases.append(
                SelftestCase(
                    name=mutant.name, profile=profile, expected=mutant.expected(profile), token=mutant.needs_token
                )
            )
    return cases


def run_case(case: SelftestCase, scenario_paths: tuple[str, ...] = ()) -> CaseOutcome:
    """Run one case in this process (it is also the unit of work sent to worker processes)."""
    protocol = load_protocol()
    loaded = load_scenarios(protocol, [Path(p) for p in scenario_paths] if scenario_paths else None)
    t0 = time.perf_counter()
    if loaded.errors:
        return CaseOutcome(
            case=case,
            failing=frozenset(),
            errors=frozenset(),
            passing=frozenset(),
            duration_s=0.0,
            problem=str(loaded.errors[0]),
        )
    if case.role == "producer":
        result = validate_producer(case.target, profile=case.profile, scenarios=loaded.scenarios)
    else:
        options = AdapterOptions(token=SELFTEST_TOKEN if case.token else None)
        result = validate(
            case.target, profile=case.profile, options=options, scenarios=loaded.scenarios, fuzz_examples=FUZZ_EXAMPLES
        )
    by_status: dict[Status, set[str]] = {s: set() for s in Status}
    for rr in result.requirements:
        by_status[rr.status].add(rr.requirement.id)
    return CaseOutcome(
        case=case,
        failing=frozenset(by_status[Status.FAIL]),
        errors=frozenset(by_status[Status.ERROR]),
        passing=frozenset(by_status[Status.PASS]),
        duration_s=time.perf_counter() - t0,
    )


def run_selftest(
    *,
    jobs: int | None = None,
    scenario_paths: tuple[str, ...] = (),
    cases: Sequence[SelftestCase] | None = None,
    on_outcome: Callable[[CaseOutcome], None] | None = None,
) -> SelftestResult:
    """Run every case (in ``jobs`` worker processes) and compute the mutation score."""
    planned = list(cases if cases is not None else plan_cases())
    jobs = jobs or os.cpu_count() or 1
    t0 = time.perf_counter()
    outcomes: list[CaseOutcome] = []
    if jobs <= 1 or len(planned) <= 1:
        for case in planned:
            outcomes.append(run_case(case, scenario_paths))
            if on_outcome:
                on_outcome(outcomes[-1])
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(run_case, case, scenario_paths) for case in planned]
            for future in as_completed(futures):
                outcomes.append(future.result())
                if on_outcome:
                    on_outcome(outcomes[-1])
    index = {case: i for i, case in enumerate(planned)}
    outcomes.sort(key=lambda o: index[o.case])
    testable: frozenset[str] = frozenset()
    for role in {case.role for case in planned}:
        references = [o for o in outcomes if o.case.name == REFERENCE and o.case.role == role]
        if references:  # what every reference run of the role passes can be killed
            testable |= frozenset.intersection(*(o.passing for o in references))
    killed = frozenset().union(*(o.failing & o.case.expected for o in outcomes if o.case.name != REFERENCE))
    return SelftestResult(
        outcomes=tuple(outcomes), testable=testable, killed=killed, duration_s=time.perf_counter() - t0
    )
