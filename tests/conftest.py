"""Shared fixtures: the protocol, real served targets (subprocesses on loopback), a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from validator.loader import load_scenarios
from validator.model import Scenario
from validator.protocol import Protocol, load_protocol

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def protocol() -> Protocol:
    return load_protocol("backpressure")


@pytest.fixture(scope="session")
def scenarios(protocol: Protocol) -> tuple[Scenario, ...]:
    loaded = load_scenarios(protocol)
    assert not loaded.errors, loaded.errors
    return loaded.scenarios


def cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "validator", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class ServedTarget:
    """A controller served by `nexus-validate serve-reference` in its own process."""

    def __init__(self, *extra: str, env: dict[str, str] | None = None) -> None:
        full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "validator", "serve-reference", "--port", "0", *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=full_env,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if "http://" not in line:
            self.stop()
            raise RuntimeError(f"server did not start: {line!r} {self.proc.stderr.read() if self.proc.stderr else ''}")
        self.url = line.strip().rsplit(" ", 1)[-1]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def serve() -> Iterator[type[ServedTarget]]:
    """Start served targets; every one started is stopped at teardown."""
    started: list[ServedTarget] = []

    class _Tracked(ServedTarget):
        def __init__(self, *extra: str, env: dict[str, str] | None = None) -> None:
            super().__init__(*extra, env=env)
            started.append(self)

    yield _Tracked
    for target in started:
        target.stop()
