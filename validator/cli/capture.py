"""``nexus-validate check``: judge captured messages offline, with the same reports and gate as ``run``."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from validator.cli.common import die, pairs
from validator.errors import InputError
from validator.model import Level

PathOption = click.Path(dir_okay=False, path_type=Path)


@click.command("check")
@click.argument("files", nargs=-1, required=True, metavar="FILE... | -")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "jsonl", "array", "har"]),
    default="auto",
    show_default=True,
    help="Capture format; auto: HAR by .har or its shape, a JSON array by its '[', else JSON Lines.",
)
@click.option(
    "--engine",
    type=click.Choice(["auto", "msgspec", "python", "jsonschema"]),
    default="auto",
    show_default=True,
    help="Fast path for clean messages (auto: msgspec when installed, else python); jsonschema: none, the slowest.",
)
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes.")
@click.option(
    "--max-findings",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Findings kept per requirement and file; the rest are counted.",
)
@click.option(
    "--path",
    "paths",
    multiple=True,
    metavar="ENDPOINT=PATH",
    help="HAR: the path of an endpoint, to recognise its requests (repeatable).",
)
@click.option("--protocol", "protocol_id", default="backpressure", show_default=True, help="Protocol of the messages.")
@click.option(
    "--fail-on",
    type=click.Choice(["must", "should", "may"], case_sensitive=False),
    default="must",
    show_default=True,
    help="Lowest requirement level whose failure makes the exit code 1.",
)
@click.option("--strict", is_flag=True, help="Same as --fail-on should.")
@click.option("--known-failures", type=PathOption, default=None, help="File of requirement ids known to fail.")
@click.option(
    "--report-json",
    type=PathOption,
    default=Path("reports") / "nexus-validate.json",
    show_default=True,
    help="Where to write the JSON report ('-' for standard output).",
)
@click.option("--report-html", type=PathOption, default=None, help="Also write a self-contained HTML report.")
@click.option("--junit", type=PathOption, default=None, help="Also write JUnit XML (one testcase per requirement).")
@click.option("--report-markdown", type=PathOption, default=None, help="Also write a Markdown summary.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def check(files: tuple[str, ...], **opts: Any) -> None:
    """Check captured messages offline: JSON Lines, JSON arrays or HAR files, gzipped or not ('-': standard input).

    Every rule that needs no live target is applied to every message (schemas, envelope,
    timestamps, ids, FlowControl content, the rate algorithm); HAR request/response pairs are
    also judged as exchanges (echoed ids, accept/reject, error bodies). Findings name the file
    and line (or HAR entry) and the requirement.
    """
    from validator.cli.run import REPORT_FORMATS, RunSettings, finish
    from validator.known import parse_known_failures
    from validator.offline.engine import check_file
    from validator.offline.judge import available_engine
    from validator.offline.result import capture_result
    from validator.protocol import load_protocol
    from validator.reporting.terminal import CaptureProgress, make_console

    try:
        protocol = load_protocol(opts["protocol_id"])
        known = parse_known_failures(opts["known_failures"], protocol.catalog.ids) if opts["known_failures"] else ()
        engine = available_engine(opts["engine"])
    except (InputError, ValueError) as exc:
        die(str(exc))
    if protocol.capture is None:
        die(f"protocol {protocol.id} defines no capture rules")
    if files.count("-") > 1:
        die("standard input ('-') can be read only once")
    routes = pairs(tuple(opts["paths"]), "--path")
    outputs = {fmt: opts[name] for name, fmt in REPORT_FORMATS.items()}
    console = make_console(stderr=any(str(p) == "-" for p in outputs.values() if p is not None))
    tallies = []
    t0 = time.perf_counter()
    for source in files:
        plain = source != "-" and not source.endswith(".gz") and Path(source).is_file()
        size = Path(source).stat().st_size if plain else None
        bar = CaptureProgress(console, size, source) if not opts["quiet"] else None
        try:
            tally = check_file(
                source,
                protocol,
                engine=engine,
                fmt=opts["fmt"],
                jobs=opts["jobs"],
                max_samples=opts["max_findings"],
                paths=routes,
                progress=bar.update if bar is not None else None,
                stdin=sys.stdin.buffer if source == "-" else None,
            )
        except InputError as exc:
            die(str(exc))
        finally:
            if bar is not None:
                bar.stop()
        tallies.append(tally)
    elapsed = time.perf_counter() - t0
    messages = sum(t.messages for t in tallies)
    notes = [
        f"{t.source}: {t.format}, {t.messages:,} messages, {t.flagged:,} with violations"
        + (f", {t.pairs:,} request/response pairs" if t.pairs else "")
        + (f" ({t.remark})" if t.remark else "")
        for t in tallies
    ]
    notes.append(
        f"engine {engine}, {opts['jobs']} job(s): {messages:,} messages in {elapsed:.2f} s "
        f"({messages / max(elapsed, 1e-9):,.0f}/s)"
    )
    result = capture_result(protocol, tallies, duration_s=elapsed, notes=tuple(notes))
    for note in notes:
        console.print(f"note: {note}", highlight=False)
    settings = RunSettings(
        plan=None,
        adapter_options=None,
        fail_on=Level.SHOULD if opts["strict"] else Level.parse(opts["fail_on"]),
        known=known,
        outputs=outputs,
        verbose=False,
    )
    finish(console, result, settings)
