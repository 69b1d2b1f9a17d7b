"""The validator as a load generator, next to wrk, against the same served reference in one run;
and the validator's own added latency at 16 paced producers. Prints figures; asserts nothing.

    python benchmarks/bench_load.py [--duration 5]      (needs Debian's wrk)

"Validator overhead" is measured per request as total latency minus the time between the request
being fully sent and the response headers arriving (httpx trace events), i.e. the share of the
latency spent in the validator itself.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LUA = r"""
counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"action":"CapacitySignal","version":"1.0","producer_id":"wrk-%d-%d",' ..
    '"consumer_id":"wrk-c","requested_rate":100,"priority_level":0,"timeout_ms":5000,"timestamp":%d}',
    math.random(1, 1000000000), counter, os.time() * 1000)
  return wrk.format("POST", "/capacity", {["Content-Type"] = "application/json"}, body)
end
"""


def serve() -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "validator", "serve-reference", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip().rsplit(" ", 1)[-1]


def nexus_bench(url: str, *args: str) -> dict:  # type: ignore[type-arg]
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            [sys.executable, "-m", "validator", "bench", "-t", url, "--json", out.name, *args],
            check=True,
            capture_output=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        return json.loads(Path(out.name).read_text())["bench"][0]  # type: ignore[no-any-return]


def wrk(url: str, duration: float, connections: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration:g}s", "--latency", "-s", script.name, url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    os.unlink(script.name)

    def ms(text: str) -> float:
        value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    figures = {"requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])}  # type: ignore[index]
    for pct in ("50", "90", "99"):
        figures[f"p{pct}"] = ms(re.search(rf"\s{pct}(?:\.000)?%\s+(\S+)", out)[1])  # type: ignore[index]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    figures["errors"] = float(errors[1]) if errors else 0.0
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=5.0)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install wrk")
    proc, url = serve()
    try:
        closed = nexus_bench(url, "-c", "16", "-d", str(args.duration))
        generator = wrk(url, args.duration, 16)
        paced = nexus_bench(url, "-c", "16", "-d", str(args.duration), "--rate", "20")
    finally:
        proc.terminate()
        proc.wait()
    lat = closed["latency_ms"]
    print(f"closed loop, 16 connections, {args.duration:g} s, same served reference")
    print(f"{'':22}{'req/s':>10}{'p50 ms':>10}{'p90 ms':>10}{'p99 ms':>10}{'errors':>8}")
    print(
        f"{'nexus-validate bench':22}{closed['requests_per_s']:10.0f}{lat['p50']:10.2f}{lat['p90']:10.2f}"
        f"{lat['p99']:10.2f}{closed['errors']:8d}"
    )
    print(
        f"{'wrk':22}{generator['requests_per_s']:10.0f}{generator['p50']:10.2f}{generator['p90']:10.2f}"
        f"{generator['p99']:10.2f}{generator['errors']:8.0f}"
    )
    share = closed["requests_per_s"] / generator["requests_per_s"]
    print(f"validator reaches {share:.0%} of wrk's request rate: above that, the validator is the bottleneck")
    plat = paced["latency_ms"]
    print(
        f"\npaced, 16 producers x 20 req/s: {paced['requests']} requests, p50 {plat['p50']:.2f} ms, "
        f"p99 {plat['p99']:.2f} ms, validator overhead p99 {paced['validator_overhead_p99_ms']} ms, "
        f"send lag p99 {paced['send_lag_p99_ms']} ms"
    )


if __name__ == "__main__":
    main()
