"""Commands on saved reports: ``report``, ``compare`` and ``known-failures``."""

from __future__ import annotations

from pathlib import Path

import click

from validator.cli.common import die, load_report_or_die, write_text
from validator.cli.run import write_reports


@click.command()
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
        die("give at least one of --html, --junit, --markdown")
    data = load_report_or_die(report_file)
    outputs = {"html": html_out, "junit": junit_out, "markdown": markdown_out}
    write_reports(data, outputs, make_console(stderr=any(str(p) == "-" for p in outputs.values() if p)))


@click.command()
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
        die("compare needs at least two reports")
    reports = [load_report_or_die(path) for path in report_files]
    names = _unique_names(report_files)
    console = make_console()
    render_compare(console, names, matrix_rows(reports), [r["gate"]["verdict"] for r in reports])
    if html_out is not None:
        links: list[str | None] = []
        for name, data in zip(names, reports, strict=True):
            page = html_out.with_name(f"{html_out.stem}-{name}.html")
            write_text(page, render_html(data), console)
            links.append(page.name)
        write_text(html_out, render_compare_html(reports, names, links), console)


def _unique_names(paths: tuple[Path, ...]) -> list[str]:
    names: list[str] = []
    for path in paths:
        base = "".join(c if c.isalnum() or c in "-_" else "-" for c in path.stem) or "report"
        name, n = base, 2
        while name in names:
            name, n = f"{base}-{n}", n + 1
        names.append(name)
    return names


@click.command("known-failures")
@click.option(
    "--from",
    "from_report",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A saved JSON report whose failing requirements become the list.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("-"),
    show_default=True,
    help="Where to write the file ('-' for standard output).",
)
def known_failures(from_report: Path, output: Path) -> None:
    """Write a starting known-failures file from a run's failing requirements."""
    from validator.known import starting_file
    from validator.reporting.terminal import make_console

    data = load_report_or_die(from_report)
    failing = []
    for req in data["requirements"]:
        if req["status"] in ("fail", "error"):
            first = next((f["message"] for f in req["findings"] if f["kind"] != "note"), req.get("reason", ""))
            failing.append((req["id"], first))
    if not failing:
        die("the report has no failing requirement; nothing to list", 1)
    write_text(output, starting_file(failing), make_console(stderr=True))
