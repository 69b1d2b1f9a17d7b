"""Producer role end to end: the real CLI serves as controller and sink; producers are real processes."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from junitparser import JUnitXml

from tests.conftest import ROOT, cli
from validator.producer.reference import PRODUCER_MUTANTS

pytestmark = pytest.mark.e2e

PR_IDS = [f"BP-PR-0{i}" for i in range(1, 9)]
ENV_IDS = [f"BP-ENV-0{i}" for i in range(1, 7)]
NODE_EXAMPLE = ROOT / "examples" / "node-producer" / "producer.js"


def statuses(report_path: Path) -> dict[str, str]:
    report = json.loads(report_path.read_text())
    return {r["id"]: r["status"] for r in report["requirements"]}


def test_reference_producer_passes_every_producer_id(tmp_path: Path) -> None:
    report, junit = tmp_path / "r.json", tmp_path / "r.xml"
    # non-default paths prove the served controller follows --path and the producer is told where to go
    proc = cli(
        "run",
        "--role",
        "producer",
        "--path",
        "capacity=/v1/capacity",
        "--path",
        "sink=/ingest",
        "--report-json",
        str(report),
        "--junit",
        str(junit),
        "--report-html",
        str(tmp_path / "r.html"),
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    got = statuses(report)
    assert {rid: got[rid] for rid in PR_IDS} == {rid: ("skip" if rid == "BP-PR-05" else "pass") for rid in PR_IDS}
    assert all(got[rid] == "pass" for rid in ENV_IDS)
    # controller ids are not judged here, and say why
    data = json.loads(report.read_text())
    cs01 = next(r for r in data["requirements"] if r["id"] == "BP-CS-01")
    assert cs01["status"] == "untested" and "--role controller" in cs01["reason"]
    cases = {c.name.split(" ", 1)[0]: c for suite in JUnitXml.fromfile(str(junit)) for c in suite}
    assert cases["BP-PR-03"].is_passed and cases["BP-PR-04"].is_passed
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("name", ["ignores-rate", "bare-signal"])
def test_mutant_producer_fails_exactly_its_ids_through_the_cli(tmp_path: Path, name: str) -> None:
    report = tmp_path / "r.json"
    proc = cli("run", "--target", f"builtin:producer/{name}", "--report-json", str(report))
    assert proc.returncode == 1, proc.stdout[-3000:]
    failing = {rid for rid, status in statuses(report).items() if status == "fail"}
    assert failing == PRODUCER_MUTANTS[name].breaks
    assert "Traceback" not in proc.stderr


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed (.ci/run installs it)")
def test_node_producer_example_passes(tmp_path: Path) -> None:
    report = tmp_path / "node.json"
    command = f"node {shlex.quote(str(NODE_EXAMPLE))} {{capacity_url}} {{metrics_url}} {{sink_url}}"
    proc = cli("run", "--role", "producer", "--spawn", command, "--report-json", str(report))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    got = statuses(report)
    assert all(got[rid] == "pass" for rid in PR_IDS if rid != "BP-PR-05")
    assert json.loads(report.read_text())["target"].startswith("spawn:node ")


def test_producer_that_exits_at_once_is_an_error_with_its_output(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    command = shlex.join([sys.executable, "-c", "print('config missing: BROKER_URL'); raise SystemExit(3)"])
    proc = cli("run", "--role", "producer", "--spawn", command, "--report-json", str(report))
    assert proc.returncode == 1
    data = json.loads(report.read_text())
    pr03 = next(r for r in data["requirements"] if r["id"] == "BP-PR-03")
    assert pr03["status"] == "error"
    finding = pr03["findings"][0]
    assert "exited with code 3 before its first request" in finding["message"]
    assert "config missing: BROKER_URL" in finding["evidence"]["response_body"]
    assert "Traceback" not in proc.stderr


def test_producer_that_dies_mid_scenario_is_judged_on_what_it_did(tmp_path: Path) -> None:
    code = (
        "import json, sys, time, urllib.request as u\n"
        "msg = {'action': 'CapacitySignal', 'version': '1.0', 'producer_id': 'p', 'consumer_id': 'c',"
        " 'requested_rate': 10, 'priority_level': 0, 'timeout_ms': 5000, 'timestamp': int(time.time() * 1000)}\n"
        "req = u.Request(sys.argv[1], json.dumps(msg).encode(), {'Content-Type': 'application/json'})\n"
        "u.urlopen(req).read()\n"
        "time.sleep(0.5)\n"
        "print('segfault-like crash', flush=True)\n"
        "raise SystemExit(139)\n"
    )
    report = tmp_path / "r.json"
    command = shlex.join([sys.executable, "-c", code, "{capacity_url}"])
    proc = cli(
        "run",
        "--role",
        "producer",
        "--spawn",
        command,
        "--select",
        "backpressure/producer/follows-rate",
        "--report-json",
        str(report),
    )
    assert proc.returncode == 1
    data = json.loads(report.read_text())
    by_id = {r["id"]: r for r in data["requirements"]}
    assert by_id["BP-PR-01"]["status"] == "error"  # its one signal was valid, but the rest could not be judged
    messages = [f["message"] for f in by_id["BP-PR-03"]["findings"]]
    assert any("exited with code 139" in m for m in messages), messages
    assert "Traceback" not in proc.stderr


def test_command_that_cannot_start_is_an_error(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    proc = cli("run", "--role", "producer", "--spawn", "/nonexistent/producer {sink_url}", "--report-json", str(report))
    assert proc.returncode == 1
    assert "cannot start producer" in proc.stdout + report.read_text()
    assert "Traceback" not in proc.stderr


def test_silent_producer_times_out(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    proc = cli(
        "run",
        "--role",
        "producer",
        "--spawn",
        "sleep 30",
        "--startup-timeout",
        "0.5",
        "--select",
        "backpressure/producer/pause",
        "--report-json",
        str(report),
    )
    assert proc.returncode == 1
    assert "made no request within 0.5 s" in report.read_text()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_listen_mode_with_a_producer_started_by_the_user(tmp_path: Path) -> None:
    port = _free_port()
    report = tmp_path / "r.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    validator = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "validator",
            "run",
            "--role",
            "producer",
            "--listen",
            f"127.0.0.1:{port}",
            "--select",
            "backpressure/producer/pause",
            "--report-json",
            str(report),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    producer = None
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        producer = subprocess.Popen(
            [sys.executable, "-m", "validator.producer.reference", base, f"{base}/sink"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        out, err = validator.communicate(timeout=60)
    finally:
        if producer is not None:
            producer.terminate()
            producer.wait(10)
        validator.kill() if validator.poll() is None else None
    assert validator.returncode == 0, out[-3000:] + err[-2000:]
    assert statuses(report)["BP-PR-04"] == "pass"


def test_listen_mode_with_nobody_calling_is_unreachable(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    proc = cli(
        "run", "--role", "producer", "--listen", "127.0.0.1:0", "--startup-timeout", "0.5", "--report-json", str(report)
    )
    assert proc.returncode == 3, proc.stdout[-2000:]
    assert json.loads(report.read_text())["unreachable"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "controller", "--spawn", "true"], "use --role producer"),
        (["--role", "producer", "--spawn", "true", "--listen", "127.0.0.1:1"], "alternatives"),
        (["--role", "producer", "--target", "http://127.0.0.1:9"], "needs --spawn COMMAND"),
        (["--role", "producer", "--target", "builtin:producer/nope"], "unknown built-in producer"),
        (["--role", "producer", "--listen", "nonsense"], "HOST:PORT"),
        (["--role", "producer", "--path", "health=/h"], "unknown endpoint"),
        (["--role", "producer", "--spawn", "'unbalanced"], "--spawn"),
    ],
)
def test_producer_usage_mistakes_exit_2(args: list[str], message: str) -> None:
    proc = cli("run", *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_metrics_interval_under_include_slow(tmp_path: Path) -> None:
    """BP-PR-05 needs a session over 60 s: the reference passes it, the silent mutant fails exactly it."""

    def one(target: str) -> tuple[int, dict[str, str], str]:
        report = tmp_path / f"{target.rsplit('/', 1)[-1]}.json"
        proc = cli(
            "run",
            "--target",
            target,
            "--include-slow",
            "--select",
            "backpressure/producer/metrics-interval",
            "--report-json",
            str(report),
            timeout=180,
        )
        return proc.returncode, statuses(report), proc.stdout[-2000:]

    with ThreadPoolExecutor(2) as pool:
        good, silent = pool.map(one, ["builtin:producer/reference", "builtin:producer/never-reports-metrics"])
    assert good[0] == 0 and good[1]["BP-PR-05"] == "pass", good[2]
    assert silent[0] == 1, silent[2]
    assert {rid for rid, s in silent[1].items() if s == "fail"} == PRODUCER_MUTANTS["never-reports-metrics"].breaks


@pytest.mark.slow
def test_producer_timing_checks_hold_in_20_consecutive_runs(tmp_path: Path) -> None:
    """The reference producer passes every timed producer id in 20 runs in a row (two at a time)."""

    def one(index: int) -> tuple[int, dict[str, str], str]:
        report = tmp_path / f"run{index}.json"
        proc = cli("run", "--role", "producer", "--report-json", str(report), timeout=120)
        return proc.returncode, statuses(report), proc.stdout[-1500:]

    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(one, range(20)))
    bad = [
        (i, out)
        for i, (code, got, out) in enumerate(runs)
        if code != 0 or any(got[rid] != "pass" for rid in ("BP-PR-03", "BP-PR-04", "BP-PR-06", "BP-PR-08"))
    ]
    assert bad == []


def test_ctrl_c_stops_the_producer_and_keeps_the_report(tmp_path: Path) -> None:
    import signal

    report = tmp_path / "r.json"
    marker = f"nv-interrupt-{os.getpid()}"
    command = shlex.join([sys.executable, "-m", "validator.producer.reference", "{controller_url}", "{sink_url}"])
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "validator",
            "run",
            "--role",
            "producer",
            "--spawn",
            command,
            "--report-json",
            str(report),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "NV_MARKER": marker},
    )
    time.sleep(6.0)  # inside the second scenario
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, out[-2000:] + err[-2000:]
    assert "Traceback" not in out + err
    data = json.loads(report.read_text())
    assert data["incomplete"] is True
    assert statuses(report)["BP-PR-03"] == "pass"  # the first scenario finished and is reported
    time.sleep(0.5)
    survivors = subprocess.run(["pgrep", "-f", "validator.producer.reference"], capture_output=True, text=True)
    assert [pid for pid in survivors.stdout.split() if _has_marker(pid, marker)] == []


def _has_marker(pid: str, marker: str) -> bool:
    try:
        return marker.encode() in Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False
