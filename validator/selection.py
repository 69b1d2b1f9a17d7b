"""Choosing scenarios: ``--select`` / ``--deselect`` patterns.

A pattern is a glob on a scenario id or on a covered requirement id (``BP-CS-*``,
``backpressure/http/*``), or a prefixed filter: ``area:CS``, ``level:MUST``, ``role:C``,
``tag:slow``. A pattern that matches nothing is an error, never a silent pass.
"""

from __future__ import annotations

import fnmatch
import random

from validator.errors import SelectionError
from validator.model import Catalog, Scenario

PREFIXES = ("area", "level", "role", "tag", "id")


def matches(scenario: Scenario, pattern: str, catalog: Catalog) -> bool:
    """Whether one pattern selects this scenario."""
    kind, sep, value = pattern.partition(":")
    if not sep or kind not in PREFIXES:
        return fnmatch.fnmatchcase(scenario.id, pattern) or any(
            fnmatch.fnmatchcase(rid, pattern) for rid in scenario.covers
        )
    reqs = [r for r in (catalog.get(rid) for rid in scenario.covers) if r is not None]
    if kind == "tag":
        return any(fnmatch.fnmatchcase(tag, value) for tag in scenario.tags)
    if kind == "area":
        return any(fnmatch.fnmatchcase(r.area, value.upper()) for r in reqs)
    if kind == "level":
        return any(r.level.name == value.upper() for r in reqs)
    if kind == "role":
        return any(r.role == value.upper() for r in reqs)
    return any(fnmatch.fnmatchcase(r.id, value) for r in reqs) or fnmatch.fnmatchcase(scenario.id, value)


SLOW_REASON = "tagged slow; run with --include-slow"


def select_scenarios(
    scenarios: tuple[Scenario, ...],
    catalog: Catalog,
    select: tuple[str, ...] = (),
    deselect: tuple[str, ...] = (),
    include_slow: bool = False,
    role: str = "controller",
) -> tuple[tuple[Scenario, ...], tuple[Scenario, ...]]:
    """(scenarios to run, selected scenarios left out for being slow), both in their original order.

    Only scenarios of ``role`` (whose implementation is under test) take part.
    """
    scenarios = tuple(s for s in scenarios if s.role == role)
    if not scenarios:
        raise SelectionError(f"no scenario judges a {role}")
    for pattern in (*select, *deselect):
        if not any(matches(s, pattern, catalog) for s in scenarios):
            raise SelectionError(f"pattern {pattern!r} matches no scenario or covered requirement id")
    wanted = tuple(
        s
        for s in scenarios
        if (not select or any(matches(s, p, catalog) for p in select))
        and not any(matches(s, p, catalog) for p in deselect)
    )
    tag_selects = [p for p in select if p.startswith("tag:")]
    # slow scenarios need --include-slow, or a tag: selection that names them
    runnable = tuple(
        s for s in wanted if include_slow or "slow" not in s.tags or any(matches(s, p, catalog) for p in tag_selects)
    )
    if not runnable:
        raise SelectionError("the selection matches no scenario" + (" that is not slow" if wanted else ""))
    return runnable, tuple(s for s in wanted if s not in runnable)


def ordered(scenarios: tuple[Scenario, ...], seed: int | None) -> tuple[Scenario, ...]:
    """File order, or a reproducible shuffle when a seed is given."""
    if seed is None:
        return scenarios
    shuffled = list(scenarios)
    random.Random(seed).shuffle(shuffled)  # noqa: S311 - reproducible order, not security
    return tuple(shuffled)
