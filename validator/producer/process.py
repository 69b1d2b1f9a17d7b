"""Start, watch and stop a producer under test as a child process, keeping its output."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass

from validator.errors import TargetError

PLACEHOLDERS = ("controller_url", "sink_url", "capacity_url", "metrics_url")
BUILTIN_PREFIX = "builtin:producer/"


@dataclass(frozen=True, kw_only=True)
class Exit:
    """How a producer process ended (or that it was still running when stopped)."""

    code: int | None
    stopped_by_us: bool
    output_tail: str


def builtin_command(target: str) -> list[str]:
    """The command line of a built-in producer (``builtin:producer/reference`` or ``…/MUTANT``)."""
    from validator.producer.reference import PRODUCER_MUTANTS

    name = target.removeprefix(BUILTIN_PREFIX)
    if name != "reference" and name not in PRODUCER_MUTANTS:
        known = ", ".join(["reference", *PRODUCER_MUTANTS])
        raise TargetError(f"unknown built-in producer {name!r} (known: {known})")
    command = [sys.executable, "-m", "validator.producer.reference", "{controller_url}", "{sink_url}"]
    command += ["--capacity-url", "{capacity_url}", "--metrics-url", "{metrics_url}"]
    if name != "reference":
        command += ["--mutant", name]
    return command


def expand(command: str | list[str], urls: dict[str, str]) -> list[str]:
    """Split a ``--spawn`` command like a shell would and fill its ``{placeholders}``."""
    words = shlex.split(command) if isinstance(command, str) else list(command)
    out = []
    for word in words:
        filled = word
        for name, value in urls.items():
            filled = filled.replace("{" + name + "}", value)
        out.append(filled)
    return out


class ProducerProcess:
    """One running producer: started with the harness URLs, stopped with SIGTERM, then SIGKILL."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        if not argv:
            raise TargetError("--spawn command is empty")
        self.argv = argv
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        try:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **(env or {})},
                start_new_session=True,
            )
        except OSError as exc:
            self._log.close()
            raise TargetError(f"cannot start producer {shlex.join(argv)!r}: {exc.strerror or exc}") from None

    def poll(self) -> int | None:
        """The exit code, or ``None`` while it runs."""
        return self.proc.poll()

    def output_tail(self, lines: int = 40, limit: int = 4000) -> str:
        """The last lines the producer printed (stdout and stderr together)."""
        self._log.flush()
        self._log.seek(0, os.SEEK_END)
        size = self._log.tell()
        self._log.seek(max(0, size - limit))
        text = self._log.read().decode("utf-8", errors="backslashreplace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, grace_s: float = 3.0) -> Exit:
        """SIGTERM the process group, wait up to ``grace_s``, then SIGKILL; return how it ended."""
        code = self.proc.poll()
        stopped = False
        if code is None:
            stopped = True
            self._signal(signal.SIGTERM)
            try:
                code = self.proc.wait(grace_s)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                code = self.proc.wait()
        tail = self.output_tail()
        self._log.close()
        return Exit(code=code, stopped_by_us=stopped, output_tail=tail)

    def _signal(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)
