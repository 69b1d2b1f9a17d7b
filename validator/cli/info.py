"""Commands that describe things: ``list``, ``explain``, ``selftest``, ``serve-reference``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from validator.cli.common import die, env_value, expand_scenario_paths, load_protocol_and_scenarios, write_text
from validator.errors import TargetError
from validator.gate import EXIT_FAILURES, EXIT_OK


@click.command(name="list")
@click.option("--protocol", "protocol_id", default="backpressure", show_default=True)
@click.option("--mutants", is_flag=True, help="List the built-in mutant controllers and producers instead.")
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
        from validator.producer.reference import PRODUCER_MUTANTS

        for pm in PRODUCER_MUTANTS.values():
            slow = " (slow scenario)" if pm.slow_only else ""
            rows.append((f"producer/{pm.name}", ", ".join(sorted(pm.breaks)) + slow, pm.description))
        render_rows(console, ("mutant", "breaks", "what is wrong with it"), rows)
        return
    protocol, scenarios = load_protocol_and_scenarios(protocol_id, ())
    counts: dict[str, int] = {}
    for s in scenarios:
        for rid in s.covers:
            counts[rid] = counts.get(rid, 0) + 1
    render_catalog(console, protocol.catalog, counts)


@click.command()
@click.argument("requirement_id")
@click.option("--protocol", "protocol_id", default="backpressure", show_default=True)
def explain(requirement_id: str, protocol_id: str) -> None:
    """Show one requirement, the checks that judge it and the scenarios that cover it."""
    from validator.checks import BATCH_CHECKS, EXCHANGE_CHECKS, PRODUCER_CHECKS, SCENARIO_CHECKS

    protocol, scenarios = load_protocol_and_scenarios(protocol_id, ())
    req = protocol.catalog.get(requirement_id.upper())
    if req is None:
        die(f"unknown requirement id {requirement_id!r}; see 'nexus-validate list'")
    click.echo(
        f"{req.id}  {req.level.name}  role {req.role}  area {req.area} "
        f"({protocol.catalog.areas.get(req.area, '')})  spec section {req.section}"
    )
    if req.strict_level:
        click.echo(f"under --profile strict: {req.strict_level.name}")
    click.echo(f"\n{req.title}\n  {req.text}\n")
    checks = [(c.name, c.description) for c in EXCHANGE_CHECKS.values() if req.id in c.requirements]
    checks += [(c.name, c.description) for c in BATCH_CHECKS.values() if req.id in c.requirements]
    checks += [(c.name, c.description) for c in SCENARIO_CHECKS.values() if req.id in c.requirements]
    checks += [(c.name, c.description) for c in PRODUCER_CHECKS.values() if req.id in c.requirements]
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


@click.command()
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes (default: one per CPU).")
@click.option(
    "--scenarios",
    "scenario_paths",
    multiple=True,
    metavar="PATH",
    help="Scenario files or directories to use instead of the shipped ones (repeatable).",
)
@click.option(
    "--role",
    "roles",
    type=click.Choice(["controller", "producer"]),
    multiple=True,
    help="Only the cases of this role (repeatable; default: both).",
)
def selftest(jobs: int | None, scenario_paths: tuple[str, ...], roles: tuple[str, ...]) -> None:
    """Prove every check can fail: run the suite against the reference and every mutant.

    Exits 1 if the reference fails anything, a mutant survives, a mutant fails ids it does not
    declare, or a testable requirement is killed by no mutant.
    """
    from validator.reporting.terminal import make_console, render_selftest
    from validator.selftest import plan_cases, run_selftest

    paths = tuple(str(p) for p in expand_scenario_paths(scenario_paths)) if scenario_paths else ()
    if paths:
        load_protocol_and_scenarios("backpressure", tuple(paths))  # report broken files once, here, with exit 2
    console = make_console()
    cases = plan_cases(roles=roles or ("controller", "producer"))
    done = 0

    def progress(outcome: Any) -> None:
        nonlocal done
        done += 1
        mark = "ok" if outcome.ok else "MISMATCH"
        console.print(f"[{done}/{len(cases)}] {outcome.case.target} ({outcome.case.profile}): {mark}", highlight=False)

    result = run_selftest(jobs=jobs, scenario_paths=paths, cases=cases, on_outcome=progress)
    render_selftest(console, result)
    sys.exit(EXIT_OK if result.ok else EXIT_FAILURES)


@click.command("serve-reference")
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

    token = env_value(token_env, "--token-env") if token_env else None
    try:
        controller = controller_for(f"builtin:mutant/{mutant}" if mutant else "builtin:reference", token)
        server = ControllerServer(controller, host, port, verbose=verbose)
    except TargetError as exc:
        die(str(exc))
    except OSError as exc:
        die(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    click.echo(f"serving {'mutant ' + mutant if mutant else 'reference controller'} on {server.url}", err=False)
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@click.command()
@click.option(
    "--target",
    "-t",
    "targets",
    multiple=True,
    default=("builtin:reference",),
    show_default=True,
    help="Target to load (repeat to compare several side by side).",
)
@click.option(
    "--concurrency", "-c", type=click.IntRange(1, 256), default=16, show_default=True, help="Workers sending at once."
)
@click.option(
    "--duration",
    "-d",
    type=click.FloatRange(0.1, 3600),
    default=5.0,
    show_default=True,
    help="Seconds of load per target.",
)
@click.option(
    "--rate",
    type=click.FloatRange(min=0.1),
    default=None,
    help="Pace each worker at this many requests per second (open loop); default: as fast as it can.",
)
@click.option("--timeout", type=click.FloatRange(min=0.05), default=5.0, show_default=True)
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the figures as JSON ('-' for standard output).",
)
def bench(
    targets: tuple[str, ...],
    concurrency: int,
    duration: float,
    rate: float | None,
    timeout: float,
    json_out: Path | None,
) -> None:
    """Measure latency and throughput of CapacitySignal answers."""
    import json

    from validator.adapters import AdapterOptions, build_adapter
    from validator.bench import run_bench
    from validator.protocol import load_protocol
    from validator.reporting.terminal import make_console, render_bench

    protocol = load_protocol()
    console = make_console(stderr=json_out is not None and str(json_out) == "-")
    results = []
    for target in targets:
        try:
            adapter = build_adapter(target, protocol, AdapterOptions(timeout_s=timeout))
        except TargetError as exc:
            die(str(exc))
        console.print(f"loading {target} for {duration:g} s with {concurrency} workers…", highlight=False)
        try:
            results.append(
                run_bench(adapter, protocol, target=target, concurrency=concurrency, duration_s=duration, rate=rate)
            )
        finally:
            adapter.close()
    render_bench(console, results)
    if json_out is not None:
        write_text(json_out, json.dumps({"bench": [r.as_dict() for r in results]}, indent=2) + "\n", console)
    if any(r.errors == r.requests for r in results):  # also true when nothing was sent
        die("a target answered no request successfully", EXIT_FAILURES)
