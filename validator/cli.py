"""The ``nexus-validate`` command line. click lives here and nowhere else.

Heavy imports (httpx, the driver) happen inside the commands that need them,
so ``--help``, ``list`` and ``explain`` start fast.
"""

from __future__ import annotations

import fnmatch
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from validator import TOOL_NAME, __version__
from validator.errors import InputError, SelectionError, TargetError, ValidatorError
from validator.gate import EXIT_FAILURES, EXIT_OK, EXIT_USAGE
from validator.model import Level, RunResult

DEFAULT_REPORT = Path("reports") / "nexus-validate.json"


def _die(message: str, code: int = EXIT_USAGE) -> NoReturn:
    click.echo(f"{TOOL_NAME}: error: {message}", err=True)
    sys.exit(code)


def _pairs(values: tuple[str, ...], what: str) -> dict[str, str]:
    out = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            _die(f"{what} must look like NAME=VALUE, got {item!r}")
        out[name.strip()] = value
    return out


def _env(var: str, what: str) -> str:
    value = os.environ.get(var)
    if not value:
        _die(f"{what}: environment variable {var} is not set or empty")
    return value


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name=TOOL_NAME)
def main() -> None:
    """Check an implementation of a Nexus protocol against its numbered requirements.

    Run `nexus-validate run` to validate the built-in reference controller, or
    `nexus-validate run --target http://host:port` to validate yours.
    """


def _load(protocol_id: str, scenario_paths: tuple[str, ...]) -> tuple[Any, Any]:
    from validator.loader import load_scenarios
    from validator.protocol import load_protocol

    try:
        protocol = load_protocol(protocol_id)
    except InputError as exc:
        _die(str(exc))
    paths = _scenario_paths(scenario_paths) if scenario_paths else None
    loaded = load_scenarios(protocol, paths)
    if loaded.errors:
        for error in loaded.errors:
            click.echo(f"{error}", err=True)
        _die(f"{len(loaded.errors)} problem(s) in scenario files; nothing was run")
    return protocol, loaded.scenarios


def _scenario_paths(values: tuple[str, ...]) -> list[Path]:
    paths: list[Path] = []
    for value in values:
        path = Path(value)
        if path.is_dir():
            paths.extend(sorted(p for p in path.glob("*.yaml") if p.name not in ("requirements.yaml", "protocol.yaml")))
        elif path.is_file():
            paths.append(path)
        else:
            _die(f"scenario path {value} does not exist")
    return paths


def select_scenarios(
    scenarios: tuple[Any, ...], select: tuple[str, ...], deselect: tuple[str, ...], include_slow: bool
) -> tuple[Any, ...]:
    """Keep scenarios whose id or a covered requirement id matches a ``select`` glob and no ``deselect`` glob."""

    def matches(scenario: Any, pattern: str) -> bool:
        return fnmatch.fnmatchcase(scenario.id, pattern) or any(
            fnmatch.fnmatchcase(r, pattern) for r in scenario.covers
        )

    for pattern in select + deselect:
        if not any(matches(s, pattern) for s in scenarios):
            raise SelectionError(f"pattern {pattern!r} matches no scenario or covered requirement id")
    chosen = tuple(
        s
        for s in scenarios
        if (not select or any(matches(s, p) for p in select))
        and not any(matches(s, p) for p in deselect)
        and (include_slow or "slow" not in s.tags)
    )
    if not chosen:
        raise SelectionError("the selection matches no scenario")
    return chosen


@main.command()
@click.option(
    "--target",
    "-t",
    default="builtin:reference",
    show_default=True,
    help="builtin:reference, builtin:mutant/NAME, or the base URL of an HTTP target.",
)
@click.option(
    "--profile",
    type=click.Choice(["default", "strict"]),
    default="default",
    show_default=True,
    help="strict: every field required of requests, exact algorithm rates are MUST.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["must", "should", "may"]),
    default="must",
    show_default=True,
    help="Lowest requirement level whose failure makes the exit code 1.",
)
@click.option(
    "--timeout", type=click.FloatRange(min=0.05), default=5.0, show_default=True, help="Per-request timeout in seconds."
)
@click.option(
    "--path",
    "paths",
    multiple=True,
    metavar="ENDPOINT=PATH",
    help="Override an endpoint path, e.g. capacity=/v1/capacity (repeatable).",
)
@click.option("--state-hook-path", metavar="PATH", help="Path template of the test hook that sets consumer state.")
@click.option("--header", "headers", multiple=True, metavar="NAME=VALUE", help="Extra request header (repeatable).")
@click.option(
    "--header-env",
    "header_envs",
    multiple=True,
    metavar="NAME=VAR",
    help="Extra request header whose value is read from an environment variable (repeatable).",
)
@click.option("--token-env", metavar="VAR", help="Send 'Authorization: Bearer <$VAR>'; enables the auth scenarios.")
@click.option(
    "--select", multiple=True, metavar="GLOB", help="Run scenarios whose id or covered id matches (repeatable)."
)
@click.option("--deselect", multiple=True, metavar="GLOB", help="Leave out scenarios whose id or covered id matches.")
@click.option("--include-slow", is_flag=True, help="Also run scenarios tagged slow.")
@click.option(
    "--scenarios",
    "scenario_paths",
    multiple=True,
    metavar="PATH",
    help="Scenario files or directories to run instead of the shipped ones (repeatable).",
)
@click.option("--protocol", "protocol_id", default="backpressure", show_default=True, help="Protocol to validate.")
@click.option(
    "--clock-skew",
    type=click.FloatRange(min=0),
    default=300.0,
    show_default=True,
    help="Allowed difference between the target's timestamps and this machine's clock, in seconds.",
)
@click.option(
    "--report-json",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_REPORT,
    show_default=True,
    help="Where to write the JSON report ('-' for standard output).",
)
@click.option(
    "--report-html",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write a self-contained HTML report.",
)
@click.option(
    "--junit",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write JUnit XML (one testcase per requirement).",
)
@click.option(
    "--report-markdown",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write a Markdown summary (added to $GITHUB_STEP_SUMMARY automatically when set).",
)
@click.option("--insecure", is_flag=True, help="Do not verify TLS certificates.")
@click.option("--verbose", "-v", is_flag=True, help="Show every scenario's outcome as it finishes.")
@click.option(
    "--deadline",
    type=click.FloatRange(min=0.1),
    default=None,
    metavar="SECONDS",
    help="Stop the whole run after this long; unfinished scenarios become errors and the report is marked incomplete.",
)
@click.option(
    "--max-response-bytes",
    type=click.IntRange(min=1024),
    default=1024 * 1024,
    show_default=True,
    help="Read at most this much of any response body; the rest is discarded.",
)
def run(
    target: str,
    profile: str,
    fail_on: str,
    timeout: float,
    paths: tuple[str, ...],
    state_hook_path: str | None,
    headers: tuple[str, ...],
    header_envs: tuple[str, ...],
    token_env: str | None,
    select: tuple[str, ...],
    deselect: tuple[str, ...],
    include_slow: bool,
    scenario_paths: tuple[str, ...],
    protocol_id: str,
    clock_skew: float,
    report_json: Path,
    insecure: bool,
    verbose: bool,
    deadline: float | None,
    max_response_bytes: int,
    report_html: Path | None,
    junit: Path | None,
    report_markdown: Path | None,
) -> None:
    """Validate a controller: replay the scenarios, judge every requirement, write reports."""
    from validator.adapters import build_adapter
    from validator.driver import Driver, RunPlan
    from validator.events import RunFinished
    from validator.reporting.terminal import LiveView, make_console

    protocol, scenarios = _load(protocol_id, scenario_paths)
    try:
        chosen = select_scenarios(scenarios, select, deselect, include_slow)
    except SelectionError as exc:
        _die(str(exc))
    options, secrets = build_adapter_options(
        protocol, paths, state_hook_path, headers, header_envs, token_env, timeout, insecure, max_response_bytes
    )
    try:
        adapter = build_adapter(target, protocol, options)
    except TargetError as exc:
        _die(str(exc))
    outputs = {"json": report_json, "html": report_html, "junit": junit, "markdown": report_markdown}
    console = make_console(stderr=any(str(p) == "-" for p in outputs.values() if p is not None))
    view = LiveView(console, verbose=verbose)
    notes = ("TLS certificate verification is off (--insecure)",) if insecure else ()
    plan = RunPlan(
        protocol=protocol,
        scenarios=chosen,
        profile=profile,
        target=target,
        skew_ms=int(clock_skew * 1000),
        deadline_s=deadline,
        secrets=secrets,
        notes=notes,
    )
    driver = Driver(plan, adapter)
    result: RunResult | None = None
    try:
        for event in driver.run():
            view.handle(event)
            if isinstance(event, RunFinished):
                result = event.result
    except KeyboardInterrupt:
        view.stop()
        result = driver.result(interrupted="interrupted by the user; the report covers the scenarios that finished")
        _finish(console, result, fail_on, outputs, interrupted=True)
    finally:
        adapter.close()
    assert result is not None
    _finish(console, result, fail_on, outputs)


def build_adapter_options(
    protocol: Any,
    paths: tuple[str, ...],
    state_hook_path: str | None,
    headers: tuple[str, ...],
    header_envs: tuple[str, ...],
    token_env: str | None,
    timeout: float,
    insecure: bool,
    max_response_bytes: int,
) -> tuple[Any, tuple[str, ...]]:
    """Adapter options from the command line, and the secret values that must never be shown."""
    from validator.adapters import AdapterOptions

    route_overrides = _pairs(paths, "--path")
    unknown = set(route_overrides) - set(protocol.endpoints)
    if unknown:
        _die(f"--path names unknown endpoint(s) {', '.join(sorted(unknown))} (known: {', '.join(protocol.endpoints)})")
    extra = _pairs(headers, "--header")
    from_env = {name: _env(var, "--header-env") for name, var in _pairs(header_envs, "--header-env").items()}
    extra.update(from_env)
    token = _env(token_env, "--token-env") if token_env else None
    secrets = tuple(v for v in (token, *from_env.values()) if v)
    options = AdapterOptions(
        paths=route_overrides,
        state_hook_path=state_hook_path,
        headers=extra,
        token=token,
        timeout_s=timeout,
        verify_tls=not insecure,
        max_response_bytes=max_response_bytes,
        secrets=secrets,
    )
    return options, secrets


def _finish(
    console: Any, result: RunResult, fail_on: str, outputs: dict[str, Path | None], interrupted: bool = False
) -> None:
    """Decide the gate, render the summary, write every requested report, exit with the gate's code."""
    from validator.gate import evaluate_gate
    from validator.reporting import build_report
    from validator.reporting.terminal import render_summary

    level = Level.parse(fail_on)
    gate = evaluate_gate(result, level, interrupted=interrupted)
    render_summary(console, result, level)
    report = build_report(result, gate)
    write_reports(report, outputs, console)
    _append_step_summary(report)
    styles = {"pass": "bold green", "fail": "bold red", "unreachable": "bold red", "interrupted": "bold yellow"}
    note = f"; {len(gate.below)} failure(s) below the gate" if gate.below else ""
    console.print(
        f"verdict: [{styles[gate.verdict]}]{gate.verdict.upper()}[/] (fail-on {fail_on}{note}, exit {gate.exit_code})"
    )
    sys.exit(gate.exit_code)


def write_reports(report: dict[str, Any], outputs: dict[str, Path | None], console: Any) -> None:
    """Render and write each requested format (``-`` means standard output)."""
    from validator.reporting import REPORTERS

    for fmt, path in outputs.items():
        if path is not None:
            _write_report(path, REPORTERS[fmt](report), console)


def _append_step_summary(report: dict[str, Any]) -> None:
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


def _write_report(path: Path, text: str, console: Any) -> None:
    if str(path) == "-":
        sys.stdout.write(text)
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        _die(f"cannot write report {path}: {exc.strerror or exc}")
    console.print(f"report: {path}", highlight=False)


@main.command(name="list")
@click.option("--protocol", "protocol_id", default="backpressure", show_default=True)
@click.option("--mutants", is_flag=True, help="List the built-in mutant controllers instead.")
def list_command(protocol_id: str, mutants: bool) -> None:
    """List the requirement catalog (or the mutant gallery)."""
    from validator.reporting.terminal import make_console, render_catalog, render_rows

    console = make_console()
    if mutants:
        from validator.reference.mutants import MUTANTS

        rows = []
        for m in MUTANTS.values():
            breaks = ", ".join(sorted(m.breaks)) or "(nothing in the default profile)"
            if m.strict_breaks is not None:
                breaks += f"; strict: {', '.join(sorted(m.strict_breaks))}"
            rows.append((m.name, breaks + (" (with a token)" if m.needs_token else ""), m.summary))
        render_rows(console, ("mutant", "breaks", "what is wrong with it"), rows)
        return
    protocol, scenarios = _load(protocol_id, ())
    counts: dict[str, int] = {}
    for s in scenarios:
        for rid in s.covers:
            counts[rid] = counts.get(rid, 0) + 1
    render_catalog(console, protocol.catalog, counts)


@main.command()
@click.argument("requirement_id")
@click.option("--protocol", "protocol_id", default="backpressure", show_default=True)
def explain(requirement_id: str, protocol_id: str) -> None:
    """Show one requirement, the checks that judge it and the scenarios that cover it."""
    from validator.checks import EXCHANGE_CHECKS, SCENARIO_CHECKS

    protocol, scenarios = _load(protocol_id, ())
    req = protocol.catalog.get(requirement_id.upper())
    if req is None:
        _die(f"unknown requirement id {requirement_id!r}; see 'nexus-validate list'")
    click.echo(
        f"{req.id}  {req.level.name}  role {req.role}  area {req.area} "
        f"({protocol.catalog.areas.get(req.area, '')})  spec section {req.section}"
    )
    if req.strict_level:
        click.echo(f"under --profile strict: {req.strict_level.name}")
    click.echo(f"\n{req.title}\n  {req.text}\n")
    checks = [(c.name, c.description) for c in EXCHANGE_CHECKS.values() if req.id in c.requirements]
    checks += [(c.name, c.description) for c in SCENARIO_CHECKS.values() if req.id in c.requirements]
    if checks:
        click.echo("checks:")
        for name, description in checks:
            click.echo(f"  {name}: {description}")
    covering = [s for s in scenarios if req.id in s.covers]
    click.echo(f"scenarios ({len(covering)}):")
    for s in covering:
        needs = f"  [needs {', '.join(s.needs)}]" if s.needs else ""
        click.echo(f"  {s.id}: {s.title}{needs}\n      {s.source}:{s.line}")
    if not covering:
        click.echo("  none yet: this requirement is reported as untested")


@main.command()
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes (default: one per CPU).")
@click.option(
    "--scenarios",
    "scenario_paths",
    multiple=True,
    metavar="PATH",
    help="Scenario files or directories to use instead of the shipped ones (repeatable).",
)
def selftest(jobs: int | None, scenario_paths: tuple[str, ...]) -> None:
    """Prove every check can fail: run the suite against the reference and every mutant.

    Exits 1 if the reference fails anything, a mutant survives, a mutant fails ids it does not
    declare, or a testable requirement is killed by no mutant.
    """
    from validator.reporting.terminal import make_console, render_selftest
    from validator.selftest import plan_cases, run_selftest

    paths = tuple(str(p) for p in _scenario_paths(scenario_paths)) if scenario_paths else ()
    if paths:
        _load("backpressure", tuple(paths))  # report broken files once, here, with exit 2
    console = make_console()
    cases = plan_cases()
    done = 0

    def progress(outcome: Any) -> None:
        nonlocal done
        done += 1
        mark = "ok" if outcome.ok else "MISMATCH"
        console.print(f"[{done}/{len(cases)}] {outcome.case.name} ({outcome.case.profile}): {mark}", highlight=False)

    result = run_selftest(jobs=jobs, scenario_paths=paths, cases=cases, on_outcome=progress)
    render_selftest(console, result)
    sys.exit(EXIT_OK if result.ok else EXIT_FAILURES)


def _load_report_or_die(path: Path) -> dict[str, Any]:
    from validator.reporting.load import load_report

    try:
        return load_report(path)
    except InputError as exc:
        _die(str(exc))


@main.command()
@click.argument("report_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--html", "html_out", type=click.Path(dir_okay=False, path_type=Path), help="Write the HTML report.")
@click.option("--junit", "junit_out", type=click.Path(dir_okay=False, path_type=Path), help="Write JUnit XML.")
@click.option(
    "--markdown", "markdown_out", type=click.Path(dir_okay=False, path_type=Path), help="Write the Markdown summary."
)
def report(report_file: Path, html_out: Path | None, junit_out: Path | None, markdown_out: Path | None) -> None:
    """Render a saved JSON report in other formats (identical to rendering during the run)."""
    from validator.reporting.terminal import make_console

    if not (html_out or junit_out or markdown_out):
        _die("give at least one of --html, --junit, --markdown")
    data = _load_report_or_die(report_file)
    outputs = {"html": html_out, "junit": junit_out, "markdown": markdown_out}
    write_reports(data, outputs, make_console(stderr=any(str(p) == "-" for p in outputs.values() if p)))


@main.command()
@click.argument("report_files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--html",
    "html_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write an HTML matrix here, with each report's HTML page beside it for the links.",
)
def compare(report_files: tuple[Path, ...], html_out: Path | None) -> None:
    """Compare saved reports: a matrix of implementations × requirements."""
    from validator.reporting import render_html
    from validator.reporting.compare import matrix_rows, render_compare_html
    from validator.reporting.terminal import make_console, render_compare

    if len(report_files) < 2:
        _die("compare needs at least two reports")
    reports = [_load_report_or_die(path) for path in report_files]
    names = _unique_names(report_files)
    console = make_console()
    render_compare(console, names, matrix_rows(reports), [r["gate"]["verdict"] for r in reports])
    if html_out is not None:
        links: list[str | None] = []
        for name, data in zip(names, reports, strict=True):
            page = html_out.with_name(f"{html_out.stem}-{name}.html")
            _write_report(page, render_html(data), console)
            links.append(page.name)
        _write_report(html_out, render_compare_html(reports, names, links), console)


def _unique_names(paths: tuple[Path, ...]) -> list[str]:
    names: list[str] = []
    for path in paths:
        base = "".join(c if c.isalnum() or c in "-_" else "-" for c in path.stem) or "report"
        name, n = base, 2
        while name in names:
            name, n = f"{base}-{n}", n + 1
        names.append(name)
    return names


@main.command("serve-reference")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="0 picks a free port.")
@click.option("--mutant", metavar="NAME", help="Serve a mutant from the gallery instead of the reference.")
@click.option("--token-env", metavar="VAR", help="Require 'Authorization: Bearer <$VAR>' on message paths.")
@click.option("--verbose", "-v", is_flag=True, help="Log every request.")
def serve_reference(host: str, port: int, mutant: str | None, token_env: str | None, verbose: bool) -> None:
    """Serve the reference controller (or a mutant) over HTTP until interrupted."""
    import signal

    from validator.adapters.builtin import controller_for
    from validator.reference.server import ControllerServer

    token = _env(token_env, "--token-env") if token_env else None
    try:
        controller = controller_for(f"builtin:mutant/{mutant}" if mutant else "builtin:reference", token)
        server = ControllerServer(controller, host, port, verbose=verbose)
    except TargetError as exc:
        _die(str(exc))
    except OSError as exc:
        _die(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    click.echo(f"serving {'mutant ' + mutant if mutant else 'reference controller'} on {server.url}", err=False)
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def run_main() -> None:
    """Console-script entry point: turns stray validator errors into exit 2 without a traceback."""
    try:
        main()
    except ValidatorError as exc:
        _die(str(exc))


if __name__ == "__main__":
    run_main()
