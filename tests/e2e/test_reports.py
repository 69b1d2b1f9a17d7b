"""Reports people and CI systems read: JSON, HTML, JUnit, Markdown, comparison — from a run and
from a saved report, identical either way; the HTML checked in a real browser."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from junitparser import JUnitXml

from tests.conftest import ROOT, cli
from tests.e2e.browser import dump_dom
from validator.schemas import file_validator

pytestmark = pytest.mark.e2e
FORMATS = {"json": "--report-json", "html": "--report-html", "junit": "--junit", "markdown": "--report-markdown"}


def run_all_formats(tmp_path: Path, target: str, *extra: str, env: dict[str, str] | None = None) -> dict[str, Path]:
    paths = {fmt: tmp_path / f"run.{fmt}" for fmt in FORMATS}
    args = [a for fmt, flag in FORMATS.items() for a in (flag, str(paths[fmt]))]
    proc = cli("run", "--target", target, *args, *extra, env=env)
    assert proc.returncode in (0, 1), proc.stdout[-2000:] + proc.stderr[-2000:]
    return paths


def test_formats_from_run_and_from_saved_report_are_identical(tmp_path: Path) -> None:
    paths = run_all_formats(tmp_path, "builtin:mutant/timeout-unchecked")
    proc = cli(
        "report",
        str(paths["json"]),
        "--html",
        str(tmp_path / "again.html"),
        "--junit",
        str(tmp_path / "again.junit"),
        "--markdown",
        str(tmp_path / "again.markdown"),
    )
    assert proc.returncode == 0, proc.stderr
    for fmt in ("html", "junit", "markdown"):
        assert (tmp_path / f"again.{fmt}").read_bytes() == paths[fmt].read_bytes(), fmt


def test_every_format_is_valid(tmp_path: Path) -> None:
    paths = run_all_formats(tmp_path, "builtin:mutant/timestamp-seconds", "--fail-on", "must")
    report = json.loads(paths["json"].read_text())
    assert list(file_validator("report").iter_errors(report)) == []
    assert report["gate"] == {
        "fail_on": "MUST",
        "verdict": "pass",
        "exit_code": 0,
        "gating": [],
        "below": ["BP-ENV-04"],
        "known": [],
        "unexpected_passes": [],
        "expired": [],
    }
    xml = JUnitXml.fromfile(str(paths["junit"]))
    cases = [case for suite in xml for case in suite]
    assert len(cases) == 62
    by_name = {case.name.split()[0]: case for case in cases}
    assert by_name["BP-CS-05"].is_passed
    env04 = by_name["BP-ENV-04"]
    assert env04.is_skipped  # a SHOULD failure below --fail-on must does not fail the CI view
    assert "below the gate" in env04.result[0].message
    assert by_name["BP-PR-01"].is_skipped
    assert xml.failures == 0
    strict_dir = tmp_path / "strict"
    strict_dir.mkdir()
    strict = run_all_formats(strict_dir, "builtin:mutant/timestamp-seconds", "--fail-on", "should")
    xml = JUnitXml.fromfile(str(strict["junit"]))
    failed = [case for suite in xml for case in suite if not case.is_passed and not case.is_skipped]
    assert [case.name.split()[0] for case in failed] == ["BP-ENV-04"]
    assert "timestamp looks like seconds" in failed[0].result[0].text
    markdown = strict["markdown"].read_text()
    assert "FAIL" in markdown.splitlines()[0]
    assert "**BP-ENV-04**" in markdown

    class Collector(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.ids: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "details":
                self.ids.append(dict(attrs).get("id") or "")

    collector = Collector()
    collector.feed(strict["html"].read_text())
    assert len(collector.ids) == 62
    assert "req-BP-ENV-04" in collector.ids


def test_markdown_goes_to_github_step_summary(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    proc = cli("run", "--report-json", str(tmp_path / "r.json"), env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert proc.returncode == 0
    text = summary.read_text()
    assert text.startswith("earlier step\n")
    assert "## nexus-validate: PASS" in text


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ('{\n  "tool": ,\n}', ":2: not valid JSON"),
        ("[]\n", "not a nexus-validate report"),
        ('{\n  "report_format": 1,\n  "tool": {"name": "other"}\n}\n', "not a nexus-validate report"),
    ],
)
def test_report_command_rejects_bad_files_with_file_and_line(tmp_path: Path, content: str, needle: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    proc = cli("report", str(bad), "--html", str(tmp_path / "x.html"))
    assert proc.returncode == 2
    assert f"{bad}:" in proc.stderr
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "x.html").exists()


def test_compare_matrix_over_reference_and_three_mutants(tmp_path: Path) -> None:
    targets = ["reference", "mutant/timeout-unchecked", "mutant/inverted-level", "mutant/no-health"]
    reports = []
    for target in targets:
        out = tmp_path / (target.replace("/", "-") + ".json")
        cli("run", "--target", f"builtin:{target}", "--report-json", str(out))
        reports.append(str(out))
    matrix = tmp_path / "matrix.html"
    proc = cli("compare", *reports, "--html", str(matrix), env={"COLUMNS": "250"})
    assert proc.returncode == 0, proc.stderr
    rows = {
        line.split("│")[1].strip(): [c.strip() for c in line.split("│")[3:7]]
        for line in proc.stdout.splitlines()
        if line.startswith("│ BP-")
    }
    assert rows["BP-CS-05"] == ["pass", "fail", "pass", "pass"]
    assert rows["BP-ALG-03"] == ["pass", "pass", "fail", "pass"]
    assert rows["BP-HTTP-04"] == ["pass", "pass", "pass", "fail"]
    assert rows["BP-PR-01"] == ["untested"] * 4
    html = matrix.read_text()
    assert 'href="matrix-mutant-timeout-unchecked.html#req-BP-CS-05">fail<' in html
    assert (tmp_path / "matrix-mutant-timeout-unchecked.html").exists()


def test_html_in_a_real_browser_filters_and_escapes(tmp_path: Path) -> None:
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("hostile.py")), "markup"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip().rsplit(" ", 1)[-1]
        paths = run_all_formats(tmp_path, url)
    finally:
        server.kill()
        server.wait()
        if server.stdout:
            server.stdout.close()
    html_text = paths["html"].read_text()
    assert "<script>document.body" not in html_text  # escaped at the source
    assert "&lt;script&gt;document.body" in html_text
    dom = dump_dom(paths["html"])
    assert 'data-filters="ready"' in dom  # the page's own script ran
    assert "data-pwned" not in dom.split("<body", 1)[1].split(">", 1)[0]  # the planted markup did not
    assert "&lt;img src=x onerror=" in dom  # shown as text
    details = re.findall(r'<details class="req"[^>]*>', dom)
    assert len(details) == 62 and not any("hidden" in d for d in details)
    filtered = dump_dom(paths["html"], "#status=fail&level=MUST")
    shown = [d for d in re.findall(r'<details class="req"[^>]*>', filtered) if "hidden" not in d]
    assert shown and all('data-status="fail"' in d and 'data-level="MUST"' in d for d in shown)
    searched = dump_dom(paths["html"], "#q=bp-fc-02")
    visible = [d for d in re.findall(r'<details class="req"[^>]*>', searched) if "hidden" not in d]
    assert [re.search(r'id="([^"]+)"', d)[1] for d in visible] == ["req-BP-FC-02"]  # type: ignore[index]
    assert not re.search(r'(src|href)="https?://', html_text)  # self-contained: nothing fetched
