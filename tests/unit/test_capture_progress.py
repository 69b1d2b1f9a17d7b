"""The capture progress bar draws only on a terminal, and says how fast it goes."""

from __future__ import annotations

import io

from rich.console import Console

from validator.reporting.terminal import CaptureProgress


def test_progress_shows_messages_and_rate_on_a_terminal() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    bar = CaptureProgress(console, 1000, "capture.jsonl")
    bar.update(500, 12_345)
    bar._progress.refresh()
    bar.stop()
    text = out.getvalue()
    assert "capture.jsonl" in text
    assert "12,345 messages" in text and "/s" in text


def test_progress_is_silent_when_not_a_terminal() -> None:
    out = io.StringIO()
    bar = CaptureProgress(Console(file=out, force_terminal=False), None, "-")
    bar.update(10, 10)
    bar.stop()
    assert out.getvalue() == ""
