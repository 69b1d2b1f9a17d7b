"""Terminal output with rich: live progress while running, then a summary table and failures.

This is the only module that draws to a terminal; it reads events and results, never runs anything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from validator.bench import BenchResult
from validator.events import (
    Event,
    Notice,
    RunFinished,
    RunStarted,
    ScenarioFinished,
    ScenarioStarted,
    TargetUnreachable,
)
from validator.gate import GateResult
from validator.model import Catalog, FindingKind, Level, RunResult, Status
from validator.selftest import SelftestResult

STATUS_STYLE = {
    Status.PASS: "green",
    Status.FAIL: "bold red",
    Status.SKIP: "yellow",
    Status.ERROR: "magenta",
    Status.UNTESTED: "dim",
}


class CaptureProgress:
    """A progress bar for checking a capture: bytes read of the total (when known) and messages per second."""

    def __init__(self, console: Console, total_bytes: int | None, label: str) -> None:
        import time

        self._clock = time.perf_counter
        self._t0 = self._clock()
        self.enabled = console.is_terminal
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%" if total_bytes else ""),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task = self._progress.add_task(label, total=total_bytes or None, rate="")
        if self.enabled:
            self._progress.start()

    def update(self, bytes_read: int, messages: int) -> None:
        """Show how far the check is, and how fast it goes."""
        if not self.enabled:
            return
        elapsed = max(self._clock() - self._t0, 1e-9)
        rate = f"{messages:,} messages, {messages / elapsed:,.0f}/s"
        self._progress.update(self._task, completed=bytes_read, rate=rate)

    def stop(self) -> None:
        """Remove the bar."""
        if self.enabled:
            self._progress.stop()


class LiveView:
    """Consumes driver events and shows progress on a console (a bar on a terminal, lines elsewhere)."""

    def __init__(self, console: Console, verbose: bool = False) -> None:
        self.console = console
        self.verbose = verbose
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def handle(self, event: Event) -> None:
        """React to one event."""
        if isinstance(event, RunStarted):
            self.console.print(
                f"[bold]nexus-validate[/] → {event.target}  (profile {event.profile}, {event.total} scenarios)"
            )
            if self.console.is_terminal:
                self._progress = Progress(
                    TextColumn("{task.description}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(),
                    console=self.console,
                    transient=True,
                )
                self._progress.start()
                self._task = self._progress.add_task("scenarios", total=event.total)
        elif isinstance(event, Notice):
            self.console.print(f"[yellow]note:[/] {event.message}", highlight=False)
        elif isinstance(event, TargetUnreachable):
            self.console.print(f"[bold red]target unreachable:[/] {event.reason}", highlight=False)
        elif isinstance(event, ScenarioStarted):
            if self._progress is not None and self._task is not None:
                self._progress.update(self._task, description=event.scenario.id)
        elif isinstance(event, ScenarioFinished):
            if self._progress is not None and self._task is not None:
                self._progress.advance(self._task)
            status = event.result.status
            if self.verbose or status in (Status.FAIL, Status.ERROR):
                style = STATUS_STYLE[status]
                self.console.print(Text.assemble((f"{status.value:>5} ", style), event.result.scenario.id))
        elif isinstance(event, RunFinished):
            self.stop()

    def stop(self) -> None:
        """Remove the progress bar."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def render_summary(console: Console, result: RunResult, fail_on: Level) -> None:
    """The per-area table, then every failing or erroring requirement with one line of evidence."""
    table = Table(
        title=f"{result.catalog.protocol_name} {result.catalog.protocol_version} — {result.target}",
        title_justify="left",
    )
    table.add_column("area")
    for status in Status:
        table.add_column(status.value, justify="right", style=STATUS_STYLE[status])
    by_area: dict[str, Counter[Status]] = {}
    other_role = 0
    for rr in result.requirements:
        if rr.status is Status.UNTESTED and ("judged by run --role" in rr.reason or rr.reason.startswith("not judged")):
            other_role += 1  # the other side's requirements: counted below, not drawn as rows
            continue
        by_area.setdefault(rr.requirement.area, Counter())[rr.status] += 1
    for area, counts in by_area.items():
        name = result.catalog.areas.get(area, area)
        table.add_row(f"{area}  {name}", *[str(counts[s] or "") for s in Status])
    console.print(table)
    problems = [rr for rr in result.requirements if rr.status in (Status.FAIL, Status.ERROR)]
    for rr in problems:
        style = STATUS_STYLE[rr.status]
        gating = rr.status is Status.FAIL and rr.level >= fail_on
        marker = "✗" if gating else "·"
        console.print(
            Text.assemble(
                (f"{marker} {rr.requirement.id} ", style), (f"{rr.level.name} ", "bold"), rr.requirement.title
            )
        )
        first = next((f for f in rr.findings if f.kind is not FindingKind.NOTE), None)
        if first is not None:
            detail = first.message
            if first.expected or first.actual:
                detail += f" (expected {first.expected or '—'}, got {first.actual or '—'})"
            more = len([f for f in rr.findings if f.kind is not FindingKind.NOTE]) - 1
            suffix = f"  [+{more} more]" if more > 0 else ""
            console.print(Text(f"    {first.scenario_id}: {detail}{suffix}", style="dim"), overflow="fold")
    summary = result.summary()
    line = "  ".join(f"{k} {v}" for k, v in summary.items())
    console.print(f"\nrequirements: {line}   ({result.duration_s:.2f} s)", highlight=False)
    if other_role:
        console.print(f"({other_role} requirements this kind of run cannot judge are not shown)", style="dim")


def make_console(stderr: bool = False) -> Console:
    """The console every command draws on (stderr when stdout carries a report)."""
    return Console(stderr=stderr)


def render_catalog(console: Console, catalog: Catalog, coverage: dict[str, int]) -> None:
    """The requirement catalog as a table, with how many scenarios cover each id."""
    table = Table(
        "id",
        "level",
        "role",
        "title",
        "scenarios",
        title=f"{catalog.protocol_name} {catalog.protocol_version}",
        title_justify="left",
    )
    for req in catalog.requirements:
        level = req.level.name + (f" ({req.strict_level.name} strict)" if req.strict_level else "")
        count = coverage.get(req.id, 0)
        table.add_row(req.id, level, req.role, req.title, str(count) if count else "[dim]0[/]")
    console.print(table)


def render_rows(console: Console, headers: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    """A plain table of text rows."""
    table = Table(*headers)
    for row in rows:
        table.add_row(*row)
    console.print(table)


def render_selftest(console: Console, result: SelftestResult) -> None:
    """The mutant × expected/actual matrix, then the mutation score and any unkilled requirement."""
    table = Table(
        "target",
        "profile",
        "expected to fail",
        "actually failed",
        "result",
        "s",
        title="selftest",
        title_justify="left",
    )
    for outcome in result.outcomes:
        case = outcome.case
        if outcome.problem:
            verdict = f"[magenta]{outcome.problem}[/]"
        elif outcome.ok:
            verdict = "[green]exact[/]" if case.expected else "[green]clean[/]"
        else:
            parts = []
            if outcome.missed:
                parts.append(f"survived: {', '.join(sorted(outcome.missed))}")
            if outcome.unexpected:
                parts.append(f"also failed: {', '.join(sorted(outcome.unexpected))}")
            if outcome.errors:
                parts.append(f"errors: {', '.join(sorted(outcome.errors))}")
            verdict = "[bold red]" + "; ".join(parts) + "[/]"
        table.add_row(
            case.name if case.role == "controller" else f"producer/{case.name}",
            case.profile,
            ", ".join(sorted(case.expected)) or "—",
            ", ".join(sorted(outcome.failing)) or "—",
            verdict,
            f"{outcome.duration_s:.2f}",
        )
    console.print(table)
    mutants = len({(o.case.role, o.case.name) for o in result.outcomes if o.case.name != "reference"})
    killed = len(result.testable & result.killed)
    console.print(
        f"mutants: {mutants}   testable requirements: {len(result.testable)}   killed: {killed}   "
        f"mutation score: {result.score:.1%}   wall time: {result.duration_s:.1f} s",
        highlight=False,
    )
    if result.unkilled:
        console.print(f"[bold red]no mutant kills:[/] {', '.join(sorted(result.unkilled))}", highlight=False)


def render_compare(
    console: Console, names: Sequence[str], rows: Sequence[dict[str, Any]], verdicts: Sequence[str]
) -> None:
    """The comparison matrix in the terminal: requirements down, implementations across."""
    table = Table("requirement", "level", *names, title="comparison", title_justify="left")
    table.add_row("[dim]verdict[/]", "", *[f"[{'green' if v == 'pass' else 'red'}]{v}[/]" for v in verdicts])
    for row in rows:
        cells = [Text(status, style=STATUS_STYLE[Status(status)]) for status in row["cells"]]
        table.add_row(row["id"], row["level"], *cells)
    console.print(table)


def render_gate(console: Console, gate: GateResult) -> None:
    """Known failures, unexpected passes, expired entries, then the verdict line."""
    for rid, entry in gate.known:
        console.print(Text(f"known failure {rid} ({entry})", style="yellow"), overflow="fold")
    for line in gate.problems[len(gate.gating) :]:
        console.print(Text(line, style="bold red"), overflow="fold")
    styles = {"pass": "bold green", "fail": "bold red", "unreachable": "bold red", "interrupted": "bold yellow"}
    note = f"; {len(gate.below)} failure(s) below the gate" if gate.below else ""
    console.print(
        Text.assemble(
            "verdict: ",
            (gate.verdict.upper(), styles[gate.verdict]),
            f" (fail-on {gate.fail_on.name.lower()}{note}, exit {gate.exit_code})",
        )
    )


def render_bench(console: Console, results: Sequence[BenchResult]) -> None:
    """Figures for each target side by side, then a latency histogram per target."""
    table = Table("", *[r.target for r in results], title="bench", title_justify="left")
    rows = [
        ("mode", [f"{r.mode}, {r.concurrency} workers" for r in results]),
        ("requests", [str(r.requests) for r in results]),
        ("requests/s", [f"{r.throughput:.0f}" for r in results]),
        ("errors", [str(r.errors) for r in results]),
        ("statuses", [", ".join(f"{k}:{v}" for k, v in sorted(r.statuses.items())) for r in results]),
    ]
    for key in ("p50", "p90", "p99", "max"):
        rows.append((f"latency {key}", [f"{r.latency_ms.get(key, float('nan')):.2f} ms" for r in results]))
    rows.append(
        (
            "validator overhead p99",
            [f"{r.overhead_p99_ms:.2f} ms" if r.overhead_p99_ms is not None else "n/a (in-process)" for r in results],
        )
    )
    for label, cells in rows:
        table.add_row(label, *cells)
    console.print(table)
    for r in results:
        console.print(f"latency histogram — {r.target}", highlight=False)
        peak = max((count for _, count in r.histogram), default=0) or 1
        for label, count in r.histogram:
            if count:
                console.print(f"  {label:>7} ms {'█' * max(1, round(40 * count / peak))} {count}", highlight=False)
