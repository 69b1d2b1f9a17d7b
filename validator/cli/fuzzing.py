"""``nexus-validate fuzz``: generated inputs against a target, shrunk failures, replay."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import click

from validator.cli.common import die, env_value, write_text
from validator.errors import TargetError
from validator.gate import EXIT_FAILURES, EXIT_OK


@click.command()
@click.option("--target", "-t", default="builtin:reference", show_default=True)
@click.option(
    "--max-examples", type=click.IntRange(min=1), default=500, show_default=True, help="Generated inputs per round."
)
@click.option(
    "--duration",
    type=click.FloatRange(min=0.1),
    default=None,
    help="Keep fuzzing in rounds (new seed each) until this many seconds have passed.",
)
@click.option("--seed", type=int, default=None, help="Same seed, same inputs, same findings (default: random).")
@click.option(
    "--save",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("reports") / "fuzz-failures.json",
    show_default=True,
    help="Where failures are saved for --replay.",
)
@click.option(
    "--replay",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Send the saved failures again and say which still fail.",
)
@click.option("--token-env", metavar="VAR", help="Send 'Authorization: Bearer <$VAR>'.")
@click.option("--timeout", type=click.FloatRange(min=0.05), default=5.0, show_default=True)
def fuzz(
    target: str,
    max_examples: int,
    duration: float | None,
    seed: int | None,
    save: Path,
    replay: Path | None,
    token_env: str | None,
    timeout: float,
) -> None:
    """Fuzz a target with generated valid and invalid messages; failures are shrunk to a minimal case."""
    from validator.adapters import AdapterOptions, build_adapter
    from validator.protocol import load_protocol
    from validator.reporting.terminal import make_console

    protocol = load_protocol()
    token = env_value(token_env, "--token-env") if token_env else None
    try:
        adapter = build_adapter(
            target, protocol, AdapterOptions(token=token, timeout_s=timeout, secrets=(token,) if token else ())
        )
    except TargetError as exc:
        die(str(exc))
    console = make_console()
    try:
        code = (
            _replay(adapter, protocol, replay, console)
            if replay
            else _fuzz(adapter, protocol, target, max_examples, duration, seed, save, console)
        )
    finally:
        adapter.close()
    raise SystemExit(code)


def _fuzz(
    adapter: Any,
    protocol: Any,
    target: str,
    max_examples: int,
    duration: float | None,
    seed: int | None,
    save: Path,
    console: Any,
) -> int:
    from validator.fuzz.engine import fuzz as run_fuzz

    report = run_fuzz(adapter, protocol, max_examples=max_examples, seed=seed, duration_s=duration)
    console.print(
        f"fuzzed {target}: {report.examples} inputs in {report.duration_s:.1f} s "
        f"({report.examples / max(report.duration_s, 1e-9):.0f}/s), seed {report.seed}",
        highlight=False,
    )
    if not report.failures:
        console.print("[green]no violation found[/]")
        return EXIT_OK
    for failure in report.failures:
        data = failure.as_dict()
        console.print(f"[bold red]{data['requirement_id']}[/] {data['label']}: {data['message']}", highlight=False)
        console.print(f"  expected {data['expected']}, got {data['actual']} (status {data['status']})", highlight=False)
        console.print(f"  reproduce: {data['curl']}", highlight=False, soft_wrap=True)
    write_text(
        save,
        json.dumps(
            {"target": target, "seed": report.seed, "failures": [f.as_dict() for f in report.failures]}, indent=2
        )
        + "\n",
        console,
    )
    return EXIT_FAILURES


def _replay(adapter: Any, protocol: Any, path: Path, console: Any) -> int:
    from validator.fuzz.cases import FuzzCase
    from validator.fuzz.engine import judge
    from validator.model import Request

    try:
        saved = json.loads(path.read_text(encoding="utf-8"))["failures"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        die(f"{path}: not a saved fuzz-failures file ({exc})")
    still = 0
    for item in saved:
        body = base64.b64decode(item["body_base64"])
        case = FuzzCase(
            endpoint=item["endpoint"],
            expect=item["expect"],
            judges=tuple(item["judges"]),
            label=item["label"],
            raw=body,
        )
        exchange = adapter.send(Request(endpoint=case.endpoint, method="", body=body))
        violations, _ = judge(protocol, case, exchange)
        same = [issue for _, issue in violations if issue.requirement_id == item["requirement_id"]]
        if same:
            still += 1
            console.print(
                f"[red]still fails[/] {item['requirement_id']} {item['label']}: {same[0].message}", highlight=False
            )
        else:
            console.print(f"[green]fixed[/] {item['requirement_id']} {item['label']}", highlight=False)
    return EXIT_FAILURES if still else EXIT_OK
