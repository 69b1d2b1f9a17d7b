"""``nexus-validate run``: options, the event loop, the gate and the reports."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from validator import TOOL_NAME
from validator.cli.common import die, env_value, load_protocol_and_scenarios, pairs, write_text
from validator.errors import InputError, SelectionError, TargetError
from validator.model import Level, RunResult

DEFAULT_REPORT = Path("reports") / "nexus-validate.json"
REPORT_FORMATS = {"report_json": "json", "report_html": "html", "junit": "junit", "report_markdown": "markdown"}

PathOption = click.Path(dir_okay=False, path_type=Path)

OPTIONS = [
    click.option(
        "--target",
        "-t",
        default="builtin:reference",
        show_default=True,
        help="builtin:reference, builtin:mutant/NAME, or the base URL of an HTTP target.",
    ),
    click.option(
        "--profile",
        type=click.Choice(["default", "strict"]),
        default="default",
        show_default=True,
        help="strict: every field required of requests, exact algorithm rates are MUST.",
    ),
    click.option(
        "--fail-on",
        type=click.Choice(["must", "should", "may"], case_sensitive=False),
        default="must",
        show_default=True,
        help="Lowest requirement level whose failure makes the exit code 1.",
    ),
    click.option("--strict", is_flag=True, help="Same as --fail-on should."),
    click.option(
        "--known-failures",
        type=PathOption,
        default=None,
        help="File of requirement ids/globs that are known to fail, each with a reason (see docs).",
    ),
    click.option(
        "--timeout",
        type=click.FloatRange(min=0.05),
        default=5.0,
        show_default=True,
        help="Whole-request timeout in seconds.",
    ),
    click.option(
        "--deadline",
        type=click.FloatRange(min=0.1),
        default=None,
        metavar="SECONDS",
        help="Stop the whole run after this long; unfinished scenarios become errors, the report is marked incomplete.",
    ),
    click.option(
        "--path",
        "paths",
        multiple=True,
        metavar="ENDPOINT=PATH",
        help="Override an endpoint path, e.g. capacity=/v1/capacity (repeatable).",
    ),
    click.option("--state-hook-path", metavar="PATH", help="Path template of the test hook that sets consumer state."),
    click.option("--header", "headers", multiple=True, metavar="NAME=VALUE", help="Extra request header (repeatable)."),
    click.option(
        "--header-env",
        "header_envs",
        multiple=True,
        metavar="NAME=VAR",
        help="Extra request header whose value is read from an environment variable; never shown.",
    ),
    click.option(
        "--token-env",
        metavar="VAR",
        help="Send 'Authorization: Bearer <$VAR>'; enables the auth scenarios; never shown.",
    ),
    click.option(
        "--select",
        multiple=True,
        metavar="PATTERN",
        help="Run scenarios matching: a glob on scenario or requirement ids, or area:CS, level:MUST, "
        "role:C, tag:slow (repeatable).",
    ),
    click.option("--deselect", multiple=True, metavar="PATTERN", help="Leave out scenarios matching (repeatable)."),
    click.option("--include-slow", is_flag=True, help="Also run scenarios tagged slow."),
    click.option("--shuffle", is_flag=True, help="Run scenarios in a random order (the seed is in the report)."),
    click.option("--seed", type=int, default=None, help="Seed for --shuffle (implies it); same seed, same order."),
    click.option(
        "--scenarios",
        "scenario_paths",
        multiple=True,
        metavar="PATH",
        help="Scenario files or directories to run instead of the shipped ones (repeatable).",
    ),
    click.option("--protocol", "protocol_id", default="backpressure", show_default=True, help="Protocol to validate."),
    click.option(
        "--clock-skew",
        type=click.FloatRange(min=0),
        default=300.0,
        show_default=True,
        help="Allowed difference between the target's timestamps and this machine's clock, in seconds.",
    ),
    click.option(
        "--report-json",
        type=PathOption,
        default=DEFAULT_REPORT,
        show_default=True,
        help="Where to write the JSON report ('-' for standard output).",
    ),
    click.option("--report-html", type=PathOption, default=None, help="Also write a self-contained HTML report."),
    click.option("--junit", type=PathOption, default=None, help="Also write JUnit XML (one testcase per requirement)."),
    click.option(
        "--report-markdown",
        type=PathOption,
        default=None,
        help="Also write a Markdown summary (added to $GITHUB_STEP_SUMMARY automatically when set).",
    ),
    click.option("--insecure", is_flag=True, help="Do not verify TLS certificates (noted in the report)."),
    click.option(
        "--max-response-bytes",
        type=click.IntRange(min=1024),
        default=1024 * 1024,
        show_default=True,
        help="Read at most this much of any response body; the rest is discarded.",
    ),
    click.option(
        "--latency-budget-ms",
        type=click.FloatRange(min=1),
        default=100.0,
        show_default=True,
        help="p99 latency a CapacitySignal answer must stay under (BP-RSP-*).",
    ),
    click.option(
        "--fair-tolerance",
        type=click.FloatRange(min=0),
        default=10.0,
        show_default=True,
        help="Allowed deviation from proportional shares, in percent (BP-FAIR-02; at least 1 item/s).",
    ),
    click.option(
        "--timing-slack",
        type=click.FloatRange(min=0),
        default=0.0,
        show_default=True,
        help="Seconds added to every 'must happen within' window (e.g. BP-ALG-05's 1 s).",
    ),
    click.option(
        "--fuzz-examples",
        type=click.IntRange(min=0),
        default=150,
        show_default=True,
        help="Generated inputs to try after the scenarios (0: no fuzzing; not run with --select); "
        "seeded by --seed, else 0.",
    ),
    click.option(
        "--role",
        type=click.Choice(["controller", "producer"]),
        default=None,
        help="Which side is under test [default: controller; producer when --spawn, --listen or a "
        "builtin:producer/ target is given].",
    ),
    click.option(
        "--spawn",
        metavar="COMMAND",
        help="Producer role: start the producer with this command, once per scenario; {controller_url}, "
        "{sink_url}, {capacity_url} and {metrics_url} are filled in.",
    ),
    click.option(
        "--listen",
        metavar="HOST:PORT",
        help="Producer role: serve the controller and sink here and wait for a producer started by you.",
    ),
    click.option(
        "--startup-timeout",
        type=click.FloatRange(min=0.1),
        default=None,
        metavar="SECONDS",
        help="Producer role: how long to wait for the producer's first request [default: 10, 60 with --listen].",
    ),
    click.option(
        "--signal-interval",
        type=click.FloatRange(min=0.1),
        default=3.0,
        show_default=True,
        help="Producer role: longest a producer may go without a CapacitySignal (BP-PR-06).",
    ),
    click.option(
        "--rate-tolerance",
        type=click.FloatRange(min=0),
        default=10.0,
        show_default=True,
        help="Producer role: items per second allowed above recommended_rate, in percent (BP-PR-03; plus 1 item).",
    ),
    click.option("--verbose", "-v", is_flag=True, help="Show every scenario's outcome as it finishes."),
]


@dataclass(frozen=True, kw_only=True)
class RunSettings:
    """The parsed, checked options of one run."""

    plan: Any
    adapter_options: Any
    fail_on: Level
    known: tuple[Any, ...]
    outputs: dict[str, Path | None]
    verbose: bool
    stages: tuple[Any, ...] = ()


def with_options(func: Any) -> Any:
    """Apply every ``run`` option (also used by ``config`` to describe them)."""
    for option in reversed(OPTIONS):
        func = option(func)
    return func


@click.command()
@with_options
def run(**opts: Any) -> None:
    """Validate a controller (or, with --role producer, a producer): judge every requirement, write reports."""
    if run_role(opts) == "producer":
        from validator.cli.producer import run_producer

        run_producer(opts)
        return
    from validator.adapters import build_adapter
    from validator.driver import Driver

    settings = build_run_settings(opts)
    try:
        adapter = build_adapter(settings.plan.target, settings.plan.protocol, settings.adapter_options)
    except TargetError as exc:
        die(str(exc))
    try:
        drive(Driver(settings.plan, adapter, stages=settings.stages), settings)
    finally:
        adapter.close()


def drive(driver: Any, settings: RunSettings) -> None:
    """Show a driver's events live, then decide the gate and write the reports (Ctrl-C: what finished)."""
    from validator.events import RunFinished
    from validator.reporting.terminal import LiveView, make_console

    console = make_console(stderr=any(str(p) == "-" for p in settings.outputs.values() if p is not None))
    view = LiveView(console, verbose=settings.verbose)
    result: RunResult | None = None
    try:
        for event in driver.run():
            view.handle(event)
            if isinstance(event, RunFinished):
                result = event.result
    except TargetError as exc:
        view.stop()
        die(str(exc))
    except KeyboardInterrupt:
        view.stop()
        result = driver.result(interrupted="interrupted by the user; the report covers the scenarios that finished")
        finish(console, result, settings, interrupted=True)
    assert result is not None
    finish(console, result, settings)


def run_role(opts: dict[str, Any]) -> str:
    """The side under test: explicit --role, else implied by the producer-only options."""
    implied = bool(opts["spawn"] or opts["listen"] or str(opts["target"]).startswith("builtin:producer/"))
    role = opts["role"] or ("producer" if implied else "controller")
    if role == "controller" and implied:
        die("--spawn, --listen and builtin:producer/ targets validate a producer: use --role producer")
    return str(role)


def build_run_settings(opts: dict[str, Any]) -> RunSettings:
    """Turn raw option values into a plan and adapter options; any mistake exits 2 with a clear message."""
    from validator.driver import RunPlan
    from validator.known import parse_known_failures
    from validator.selection import SLOW_REASON, ordered, select_scenarios

    protocol, scenarios = load_protocol_and_scenarios(opts["protocol_id"], tuple(opts["scenario_paths"]))
    try:
        chosen, slow = select_scenarios(
            scenarios, protocol.catalog, tuple(opts["select"]), tuple(opts["deselect"]), opts["include_slow"]
        )
        known = parse_known_failures(opts["known_failures"], protocol.catalog.ids) if opts["known_failures"] else ()
    except (SelectionError, InputError) as exc:
        die(str(exc))
    seed = opts["seed"]
    if opts["shuffle"] and seed is None:
        seed = int.from_bytes(os.urandom(4), "big")
    adapter_options, secrets = _adapter_options(protocol, opts)
    notes = []
    if opts["insecure"]:
        notes.append("TLS certificate verification is off (--insecure)")
    if seed is not None:
        notes.append(f"scenario order shuffled with --seed {seed}")
    plan = RunPlan(
        protocol=protocol,
        scenarios=ordered(chosen, seed),
        profile=opts["profile"],
        target=opts["target"],
        skew_ms=int(opts["clock_skew"] * 1000),
        deadline_s=opts["deadline"],
        secrets=secrets,
        notes=tuple(notes),
        skipped=tuple((s, SLOW_REASON) for s in slow),
        latency_budget_ms=opts["latency_budget_ms"],
        fair_tolerance_pct=opts["fair_tolerance"],
        timing_slack_s=opts["timing_slack"],
    )
    fail_on = Level.SHOULD if opts["strict"] else Level.parse(opts["fail_on"])
    stages: tuple[Any, ...] = ()
    # The fuzz stage judges many ids at once: it belongs to whole-suite runs, not to a --select of a few.
    if (
        opts["fuzz_examples"] > 0
        and protocol.id == "backpressure"
        and not opts["scenario_paths"]
        and not opts["select"]
    ):
        from validator.fuzz.stage import DEFAULT_RUN_SEED, fuzz_stage

        stages = (
            fuzz_stage(
                protocol,
                examples=opts["fuzz_examples"],
                seed=opts["seed"] if opts["seed"] is not None else DEFAULT_RUN_SEED,
                profile=opts["profile"],
            ),
        )
    outputs = {fmt: opts[name] for name, fmt in REPORT_FORMATS.items()}
    return RunSettings(
        plan=plan,
        adapter_options=adapter_options,
        fail_on=fail_on,
        known=known,
        outputs=outputs,
        verbose=opts["verbose"],
        stages=stages,
    )


def _adapter_options(protocol: Any, opts: dict[str, Any]) -> tuple[Any, tuple[str, ...]]:
    """Adapter options from the command line, and the secret values that must never be shown."""
    from validator.adapters import AdapterOptions

    route_overrides = pairs(tuple(opts["paths"]), "--path")
    unknown = set(route_overrides) - set(protocol.endpoints)
    if unknown:
        die(f"--path names unknown endpoint(s) {', '.join(sorted(unknown))} (known: {', '.join(protocol.endpoints)})")
    extra = pairs(tuple(opts["headers"]), "--header")
    from_env = {
        name: env_value(var, "--header-env") for name, var in pairs(tuple(opts["header_envs"]), "--header-env").items()
    }
    extra.update(from_env)
    token = env_value(opts["token_env"], "--token-env") if opts["token_env"] else None
    secrets = tuple(v for v in (token, *from_env.values()) if v)
    options = AdapterOptions(
        paths=route_overrides,
        state_hook_path=opts["state_hook_path"],
        headers=extra,
        token=token,
        timeout_s=opts["timeout"],
        verify_tls=not opts["insecure"],
        max_response_bytes=opts["max_response_bytes"],
        secrets=secrets,
    )
    return options, secrets


def finish(console: Any, result: RunResult, settings: RunSettings, interrupted: bool = False) -> None:
    """Decide the gate, render the summary, write every requested report, exit with the gate's code."""
    from validator.gate import evaluate_gate
    from validator.reporting import build_report
    from validator.reporting.terminal import render_gate, render_summary

    gate = evaluate_gate(result, settings.fail_on, known=settings.known, interrupted=interrupted)
    render_summary(console, result, settings.fail_on)
    report = build_report(result, gate)
    write_reports(report, settings.outputs, console)
    append_step_summary(report)
    render_gate(console, gate)
    sys.exit(gate.exit_code)


def write_reports(report: dict[str, Any], outputs: dict[str, Path | None], console: Any) -> None:
    """Render and write each requested format (``-`` means standard output)."""
    from validator.reporting import REPORTERS

    for fmt, path in outputs.items():
        if path is not None:
            write_text(path, REPORTERS[fmt](report), console)


def append_step_summary(report: dict[str, Any]) -> None:
    """On GitHub Actions, add the Markdown summary to the job's step summary."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    from validator.reporting import render_markdown

    try:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(render_markdown(report) + "\n")
    except OSError as exc:
        click.echo(f"{TOOL_NAME}: warning: cannot append to GITHUB_STEP_SUMMARY: {exc}", err=True)
