"""``nexus-validate check`` through the real CLI, on real files: formats, findings, gate, jobs, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from junitparser import JUnitXml

from benchmarks.capture_corpus import lines
from tests.conftest import ROOT, cli

pytestmark = pytest.mark.e2e

SPEC_EXAMPLES = ROOT / "tests" / "data" / "spec-examples.jsonl"
SIGNAL = {
    "action": "CapacitySignal",
    "version": "1.0",
    "producer_id": "filebeat-1",
    "consumer_id": "es",
    "requested_rate": 100,
    "priority_level": 0,
    "timeout_ms": 5000,
    "timestamp": 1_764_800_000_000,
}
FLOW = {
    "action": "FlowControl",
    "version": "1.0",
    "producer_id": "filebeat-1",
    "consumer_id": "es",
    "recommended_rate": 1000,
    "current_load": 10,
    "max_capacity": 1000,
    "backpressure_level": 0,
    "reason": "consumer_idle",
    "apply_immediately": False,
    "timestamp": 1_764_800_000_000,
}


def report_of(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in report["requirements"]}


def test_spec_examples_contradiction_is_reported(tmp_path: Path) -> None:
    """The spec's own FlowControl example (load 95, capacity 105, rate 100, level 2) breaks its algorithm."""
    out = tmp_path / "r.json"
    proc = cli("check", str(SPEC_EXAMPLES), "--report-json", str(out))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    reqs = by_id(report_of(out))
    alg01 = reqs["BP-ALG-01"]
    assert alg01["status"] == "fail"
    finding = alg01["findings"][0]
    assert finding["message"].startswith(
        "line 2: rate 100 is more permissive than the algorithm allows at load 95% of 105"
    )
    assert finding["evidence"]["url"].endswith("spec-examples.jsonl line 2")
    # the rest of the example is fine: the signal example is valid, the level is right, the rate is within capacity
    assert reqs["BP-PR-01"]["status"] == "pass"
    assert reqs["BP-ALG-03"]["status"] == "pass"
    assert reqs["BP-FC-05"]["status"] == "pass"


def test_jsonl_findings_name_the_line_and_the_id(tmp_path: Path) -> None:
    capture = tmp_path / "cap.jsonl"
    rows = [
        json.dumps(SIGNAL),
        json.dumps({**SIGNAL, "timeout_ms": 50}),
        "",
        "{not json",
        json.dumps({**FLOW, "producer_id": "abc\n"}),
        json.dumps({**SIGNAL, "timestamp": 1_764_800_000}),
        json.dumps(
            {
                "action": "MetricsReport",
                "version": "1.0",
                "producer_id": "filebeat-1",
                "consumer_id": "es",
                **dict.fromkeys(("items_buffered", "items_processed", "items_dropped", "throughput_current"), 1),
                **dict.fromkeys(("backpressure_triggered_count", "error_count"), 0),
                "latency_p50_ms": 40,
                "latency_p99_ms": 4,
                "timestamp": 1_764_800_000_000,
            }
        ),
    ]
    capture.write_text("\n".join(rows) + "\n")
    out = tmp_path / "r.json"
    proc = cli(
        "check",
        str(capture),
        "--report-json",
        str(out),
        "--junit",
        str(tmp_path / "j.xml"),
        "--report-html",
        str(tmp_path / "r.html"),
    )
    assert proc.returncode == 1
    reqs = by_id(report_of(out))
    assert reqs["BP-PR-01"]["findings"][0]["message"].startswith("line 2: CapacitySignal timeout_ms: 50")
    assert reqs["BP-ENV-01"]["findings"][0]["message"].startswith("line 4: the line is not valid JSON")
    assert reqs["BP-ENV-06"]["findings"][0]["message"].startswith("line 5: producer_id is not a valid id")
    assert reqs["BP-ENV-04"]["findings"][0]["message"].startswith("line 6: timestamp looks like seconds")
    assert reqs["BP-ENV-04"]["level"] == "SHOULD"
    assert reqs["BP-PR-07"]["findings"][0]["message"] == "line 7: latency_p99_ms is below latency_p50_ms"
    assert reqs["BP-ENV-02"]["status"] == "pass"
    assert reqs["BP-CS-01"]["status"] == "untested"  # needs a live target or a HAR capture
    cases = {c.name.split(" ", 1)[0]: c for suite in JUnitXml.fromfile(str(tmp_path / "j.xml")) for c in suite}
    assert not cases["BP-PR-01"].is_passed and cases["BP-ENV-02"].is_passed
    assert "line 2" in (tmp_path / "r.html").read_text()
    assert "6 messages" in proc.stdout


def test_clean_capture_passes_and_counts_by_type(tmp_path: Path) -> None:
    capture = tmp_path / "ok.jsonl"
    capture.write_text("\n".join(json.dumps(m) for m in (SIGNAL, FLOW, SIGNAL)) + "\n")
    out = tmp_path / "r.json"
    proc = cli("check", str(capture), "--report-json", str(out))
    assert proc.returncode == 0, proc.stdout
    report = report_of(out)
    assert report["scenarios"][0]["title"].endswith("3 messages (CapacitySignal 2, FlowControl 1)")
    assert by_id(report)["BP-ALG-01"]["status"] == "pass"


def test_json_array_and_stdin(tmp_path: Path) -> None:
    capture = tmp_path / "cap.json"
    capture.write_text(json.dumps([SIGNAL, {**FLOW, "recommended_rate": 2000}, SIGNAL], indent=2))
    out = tmp_path / "r.json"
    proc = cli("check", str(capture), "--report-json", str(out))
    assert proc.returncode == 1
    finding = by_id(report_of(out))["BP-FC-05"]["findings"][0]
    assert finding["message"].startswith("line 12:")  # where the second element starts
    stdin = subprocess.run(
        [sys.executable, "-m", "validator", "check", "-", "--report-json", "-"],
        input=(json.dumps(SIGNAL) + "\n" + json.dumps({**SIGNAL, "version": "2"}) + "\n").encode(),
        capture_output=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert stdin.returncode == 1
    report = json.loads(stdin.stdout)
    assert by_id(report)["BP-ENV-02"]["findings"][0]["message"].startswith("line 2:")


def _har(entries: list[tuple[dict[str, Any], int, Any]]) -> dict[str, Any]:
    def entry(request: dict[str, Any], status: int, response: Any) -> dict[str, Any]:
        return {
            "startedDateTime": "2025-12-03T22:13:20.000Z",
            "request": {
                "method": "POST",
                "url": "http://controller:8080/capacity",
                "headers": [{"name": "Content-Type", "value": "application/json"}],
                "postData": {"mimeType": "application/json", "text": json.dumps(request)},
            },
            "response": {
                "status": status,
                "headers": [{"name": "Content-Type", "value": "application/json"}],
                "content": {"mimeType": "application/json", "text": json.dumps(response)},
            },
        }

    return {"log": {"version": "1.2", "creator": {"name": "test"}, "entries": [entry(*e) for e in entries]}}


def test_har_pairs_are_judged_like_live_exchanges(tmp_path: Path) -> None:
    capture = tmp_path / "session.har"
    har = _har(
        [
            (SIGNAL, 200, FLOW),  # fine
            ({**SIGNAL, "timeout_ms": 5}, 200, FLOW),  # the controller accepted an invalid signal
            (SIGNAL, 200, {**FLOW, "consumer_id": "someone-else"}),  # ids not echoed
            (SIGNAL, 500, {"error": "boom"}),  # a valid signal refused
            ({**SIGNAL, "requested_rate": 0}, 400, {"error": "requested_rate must be > 0"}),  # rightly rejected
            ({**SIGNAL, "requested_rate": -1}, 400, {}),  # rejected without a reason
        ]
    )
    capture.write_text(json.dumps(har, indent=1))
    out = tmp_path / "r.json"
    proc = cli("check", str(capture), "--report-json", str(out))
    assert proc.returncode == 1
    reqs = by_id(report_of(out))
    assert reqs["BP-CS-05"]["findings"][0]["message"].startswith("entry 1:")
    assert reqs["BP-FC-02"]["findings"][0]["message"].startswith("entry 2: consumer_id is not the one signalled")
    assert reqs["BP-CS-01"]["findings"][0]["message"].startswith("entry 3:")
    assert reqs["BP-CS-03"]["status"] == "pass"  # both bad rates were rejected
    assert reqs["BP-ERR-01"]["findings"][0]["message"].startswith("entry 5:")
    assert "6 request/response pairs" in proc.stdout


def test_jobs_give_the_same_report(tmp_path: Path) -> None:
    capture = tmp_path / "big.jsonl"
    with capture.open("w") as handle:
        for line in lines(60_000, invalid_share=0.05, seed=3):
            handle.write(line + "\n")
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    assert cli("check", str(capture), "-q", "--report-json", str(one)).returncode == 1
    assert cli("check", str(capture), "-q", "-j", "2", "--report-json", str(two)).returncode == 1
    first, second = report_of(one), report_of(two)
    for report in (first, second):
        report.pop("duration_s")
        report.pop("started_at")
        report["notes"] = [n for n in report["notes"] if "job(s)" not in n]
        report.pop("run", None)
    assert first["requirements"] == second["requirements"]
    assert first["summary"] == second["summary"]


def test_engines_agree_through_the_cli(tmp_path: Path) -> None:
    capture = tmp_path / "mixed.jsonl"
    capture.write_text("\n".join(lines(3000, invalid_share=0.3, seed=11)) + "\n")
    results = {}
    for engine in ("python", "jsonschema", "auto"):
        out = tmp_path / f"{engine}.json"
        cli("check", str(capture), "--engine", engine, "-q", "--report-json", str(out))
        results[engine] = {r["id"]: (r["status"], len(r["findings"])) for r in report_of(out)["requirements"]}
    assert results["python"] == results["jsonschema"] == results["auto"]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (None, "missing.jsonl", "cannot read"),
        ("[1, 2,\n", "broken.json", "broken.json:2: element is not valid JSON"),
        ('{"log": {"pages": []}}', "x.har", "not a HAR file (no log.entries)"),
        ('{"log": ', "y.har", "not a HAR file"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, content: str | None, name: str, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    proc = cli("check", str(path))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_empty_capture_is_skipped_not_passed(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n\n")
    out = tmp_path / "r.json"
    proc = cli("check", str(path), "--report-json", str(out))
    report = report_of(out)
    assert report["scenarios"][0]["status"] == "skip"
    assert report["summary"]["pass"] == 0
    assert proc.returncode == 0


def test_gate_options_apply(tmp_path: Path) -> None:
    capture = tmp_path / "s.jsonl"
    capture.write_text(json.dumps({**SIGNAL, "timestamp": 1_764_800_000}) + "\n")  # a SHOULD (ENV-04) only
    assert cli("check", str(capture), "--report-json", str(tmp_path / "a.json")).returncode == 0
    assert cli("check", str(capture), "--strict", "--report-json", str(tmp_path / "b.json")).returncode == 1
    known = tmp_path / "known.txt"
    known.write_text("BP-ENV-04  # producers of team X still send seconds\n")
    proc = cli(
        "check", str(capture), "--strict", "--known-failures", str(known), "--report-json", str(tmp_path / "c.json")
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_memory_stays_flat_as_the_capture_grows(tmp_path: Path) -> None:
    """Peak memory of a 10x larger capture stays within a few megabytes of the smaller one's."""
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    for path, count in ((small, 20_000), (large, 200_000)):
        with path.open("w") as handle:
            for line in lines(count, invalid_share=0.05, seed=5):
                handle.write(line + "\n")
    code = (
        "import resource, sys\n"
        "from validator.offline.engine import check_file\n"
        "from validator.protocol import load_protocol\n"
        "check_file(sys.argv[1], load_protocol())\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    peaks = []
    for path in (small, large):
        proc = subprocess.run(
            [sys.executable, "-c", code, str(path)],
            capture_output=True,
            text=True,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
        peaks.append(int(proc.stdout.strip()) / 1024)
    assert peaks[1] - peaks[0] < 16, peaks


def test_gzipped_capture_is_read_as_it_streams(tmp_path: Path) -> None:
    import gzip

    plain = tmp_path / "cap.jsonl"
    rows = [json.dumps(SIGNAL), json.dumps({**SIGNAL, "timeout_ms": 50}), json.dumps(FLOW)]
    plain.write_text("\n".join(rows) + "\n")
    packed = tmp_path / "cap.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    out_plain, out_packed = tmp_path / "p.json", tmp_path / "z.json"
    assert cli("check", str(plain), "--report-json", str(out_plain)).returncode == 1
    proc = cli("check", str(packed), "-j", "2", "--report-json", str(out_packed))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "--jobs applies to uncompressed JSON Lines" in proc.stdout
    assert by_id(report_of(out_packed))["BP-PR-01"]["findings"][0]["message"].startswith("line 2:")
    assert report_of(out_plain)["summary"] == report_of(out_packed)["summary"]
    damaged = tmp_path / "cut.jsonl.gz"
    damaged.write_bytes(packed.read_bytes()[:-12])
    broken = cli("check", str(damaged))
    assert broken.returncode == 2
    assert "cut.jsonl.gz" in broken.stderr and "Traceback" not in broken.stderr
