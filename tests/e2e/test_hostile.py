"""The robustness matrix: against every hostile target the run finishes within its deadline,
exits 1 or 3, prints no traceback and writes a schema-valid report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, cli
from tests.e2e.hostile import MODES
from validator.schemas import file_validator

pytestmark = pytest.mark.e2e
HOSTILE = Path(__file__).with_name("hostile.py")
DEADLINE_S = 40


def start(mode: str, *extra: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, str(HOSTILE), mode, *extra],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert " on " in line, line
    return proc, line.strip().rsplit(" ", 1)[-1]


@pytest.fixture
def hostile() -> Iterator[object]:
    procs: list[subprocess.Popen[str]] = []

    def _start(mode: str, *extra: str) -> str:
        proc, url = start(mode, *extra)
        procs.append(proc)
        return url

    yield _start
    for proc in procs:
        proc.kill()
        proc.wait()
        if proc.stdout:
            proc.stdout.close()


def check_run(url: str, tmp_path: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    report = tmp_path / "report.json"
    t0 = time.monotonic()
    proc = cli(
        "run",
        "--target",
        url,
        "--timeout",
        "2",
        "--deadline",
        str(DEADLINE_S),
        "--report-json",
        str(report),
        *extra,
        env=env,
        timeout=DEADLINE_S + 60,
    )
    elapsed = time.monotonic() - t0
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output, output[-3000:]
    assert proc.returncode in (1, 3), output[-3000:]
    assert elapsed < DEADLINE_S + 20, f"took {elapsed:.1f} s"
    data = json.loads(report.read_text())
    errors = [e.message for e in file_validator("report").iter_errors(data)]
    assert errors == []
    return proc.returncode, data, output


@pytest.mark.parametrize("mode", [m for m in MODES if m != "echo"])
def test_hostile_target(hostile: object, tmp_path: Path, mode: str) -> None:
    url = hostile(mode)  # type: ignore[operator]
    code, report, _ = check_run(url, tmp_path)
    if mode in ("silent", "drip"):
        assert code == 3
        assert report["unreachable"] is True
    else:
        assert report["summary"]["fail"] > 0
    assert report["summary"]["pass"] < 62


def test_oversized_answer_is_cut_at_the_cap(hostile: object, tmp_path: Path) -> None:
    url = hostile("huge")  # type: ignore[operator]
    _, report, _ = check_run(url, tmp_path, "--select", "backpressure/flowcontrol/shape")
    finding = next(f for r in report["requirements"] for f in r["findings"] if f["evidence"])
    evidence = finding["evidence"]
    assert evidence["response_truncated"] is True
    assert evidence["response_body"].endswith("more bytes]")
    assert len(evidence["response_body"]) < 3000


def test_interrupt_writes_a_partial_report(hostile: object, tmp_path: Path) -> None:
    import signal

    url = hostile("silent")  # type: ignore[operator]
    report = tmp_path / "report.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "validator", "run", "--target", url, "--timeout", "60", "--report-json", str(report)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    time.sleep(2.0)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert time.monotonic() - t0 < 10
    assert "Traceback" not in out + err
    assert proc.returncode == 130
    data = json.loads(report.read_text())
    assert data["incomplete"] is True
    assert any("interrupted" in n for n in data["notes"])
    assert not list(file_validator("report").iter_errors(data))


def test_tls_with_bad_certificate(hostile: object, tmp_path: Path) -> None:
    certs = tmp_path / "certs"
    certs.mkdir()
    made = subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=not-this-host.invalid",
            "-keyout",
            str(certs / "key.pem"),
            "-out",
            str(certs / "cert.pem"),
        ],
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        pytest.skip(f"openssl could not make a certificate: {made.stderr[-200:]}")
    url = hostile("tls-bad-cert", str(certs))  # type: ignore[operator]
    code, _report, output = check_run(url, tmp_path)
    assert code == 3
    assert "CERTIFICATE_VERIFY_FAILED" in output or "certificate" in output.lower()
    # Opting out of verification reaches the reference behind it, and the report says so.
    proc = cli("run", "--target", url, "--insecure", "--report-json", str(tmp_path / "insecure.json"))
    assert proc.returncode == 0, proc.stdout[-2000:]
    insecure = json.loads((tmp_path / "insecure.json").read_text())
    assert any("--insecure" in n for n in insecure["notes"])


def test_configured_secrets_appear_in_no_output(hostile: object, tmp_path: Path) -> None:
    url = hostile("echo")  # type: ignore[operator]
    env = {"NV_TOKEN": "tok-SECRET-4711", "NV_KEY": "key-SECRET-0815"}
    outputs = {
        "--report-html": tmp_path / "r.html",
        "--junit": tmp_path / "r.xml",
        "--report-markdown": tmp_path / "r.md",
    }
    extra = [a for flag, path in outputs.items() for a in (flag, str(path))]
    _, _report, output = check_run(
        url, tmp_path, "--token-env", "NV_TOKEN", "--header-env", "X-Api-Secret=NV_KEY", *extra, env=env
    )
    texts = {"json": (tmp_path / "report.json").read_text(), "terminal": output}
    texts.update({flag: path.read_text() for flag, path in outputs.items()})
    assert "[redacted]" in texts["json"]  # the echo really carried them back
    for name, text in texts.items():
        for secret in env.values():
            assert secret not in text, name
