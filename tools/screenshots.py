"""Regenerate the README's screenshots: reports/report.png and reports/compare.png.

    python tools/screenshots.py        (needs Debian's chromium)

Runs the reference and three mutants in-process, renders the HTML report of one mutant and
the comparison matrix, and photographs both with headless Chromium.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
TARGETS = ["reference", "mutant/timeout-unchecked", "mutant/inverted-level", "mutant/no-health"]


def nexus(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "validator", *args], cwd=ROOT, check=False, capture_output=True)


def shoot(page: Path, out: Path, height: int) -> None:
    browser = shutil.which("chromium") or sys.exit("chromium not found: apt-get install chromium")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                browser,
                *FLAGS,
                f"--user-data-dir={profile}",
                "--virtual-time-budget=3000",
                f"--window-size=1280,{height}",
                f"--screenshot={out}",
                page.as_uri() + "#status=fail,error,pass",
            ],
            check=True,
            capture_output=True,
        )
    print(f"wrote {out.relative_to(ROOT)}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        reports = []
        for target in TARGETS:
            out = work / (target.replace("/", "-") + ".json")
            nexus("run", "--target", f"builtin:{target}", "--report-json", str(out))
            reports.append(str(out))
        nexus("report", reports[1], "--html", str(work / "report.html"))
        nexus("compare", *reports, "--html", str(work / "compare.html"))
        shoot(work / "report.html", ROOT / "reports" / "report.png", 1500)
        shoot(work / "compare.html", ROOT / "reports" / "compare.png", 1700)


if __name__ == "__main__":
    main()
