"""The ``nexus-validate`` command line. click lives in this package and nowhere else.

Heavy imports (httpx, the driver) happen inside the commands that need them, so
``--help``, ``list`` and ``explain`` start fast. Settings come from, in rising
precedence: built-in defaults, a config file (``nexus-validate.toml`` or
``[tool.nexus-validate]`` in ``pyproject.toml``), command-line flags.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from validator import TOOL_NAME, __version__
from validator.cli.capture import check
from validator.cli.common import die
from validator.cli.fuzzing import fuzz
from validator.cli.info import bench, explain, list_command, selftest, serve_reference
from validator.cli.reports import compare, known_failures, report
from validator.cli.run import run, with_options
from validator.errors import InputError, ValidatorError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name=TOOL_NAME)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Config file (default: ./nexus-validate.toml, or [tool.nexus-validate] in ./pyproject.toml).",
)
@click.pass_context
def main(ctx: click.Context, config_path: Path | None) -> None:
    """Check an implementation of a Nexus protocol against its numbered requirements.

    Run `nexus-validate run` to validate the built-in reference controller, or
    `nexus-validate run --target http://host:port` to validate yours.
    """
    from validator.config import find_config, load_config

    path = config_path or find_config(Path.cwd())
    if path is None:
        ctx.obj = None
        return
    try:
        config = load_config(path)
    except InputError as exc:
        die(str(exc))
    ctx.obj = config
    ctx.default_map = {"run": config.values, "config": config.values}


@click.command("config")
@with_options
@click.pass_context
def show_config(ctx: click.Context, /, **opts: Any) -> None:
    """Show the effective settings of `run` and where each came from (the same flags as `run` apply)."""
    from validator.reporting.terminal import make_console, render_rows

    config = ctx.obj
    rows = []
    for param in ctx.command.params:
        name = param.name or ""
        source = ctx.get_parameter_source(name)
        if source is click.core.ParameterSource.COMMANDLINE:
            origin = "command line"
        elif source is click.core.ParameterSource.DEFAULT_MAP and config is not None:
            origin = config.sources.get(name, str(config.path))
        else:
            origin = "default"
        value = opts.get(name)
        shown = ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
        rows.append((param.opts[0] if param.opts else name, shown, origin))
    console = make_console()
    if config is not None:
        console.print(f"config file: {config.path}", highlight=False)
    render_rows(console, ("setting", "value", "from"), rows)


COMMANDS = (
    run,
    check,
    fuzz,
    bench,
    list_command,
    explain,
    selftest,
    serve_reference,
    report,
    compare,
    known_failures,
    show_config,
)
for command in COMMANDS:
    main.add_command(command)


def run_main() -> None:
    """Console-script entry point: stray validator errors become exit 2 without a traceback."""
    try:
        main()
    except ValidatorError as exc:
        die(str(exc))


__all__ = ["main", "run_main"]
