"""How fast ``nexus-validate check`` reads a capture, next to json.loads alone and the naive jsonschema loop.

Generates a capture of 1,000,000 lines (5 % broken in varied ways; cached next to --capture)
and prints, side by side, messages per second and peak memory (RSS) of:

- ``json.loads`` alone, one message per line: the floor any Python checker pays;
- the naive loop: ``json.loads`` then ``jsonschema``'s ``iter_errors`` per message (on the first
  --naive-lines lines: it is slow);
- ``check`` with each engine, on one core (``--jobs 1``), and with ``--jobs`` = CPUs;
- ``check`` on a 10x smaller capture, to show that peak memory does not grow with the file.

Each measurement runs in its own process, so peak memory is its own. Prints; asserts nothing.

    python benchmarks/bench_check.py [--lines 1000000] [--naive-lines 100000] [--capture PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MEASURE = r"""
import json, resource, sys, time
mode, path, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
# imports and set-up happen before the clock starts, for every mode alike
from jsonschema import Draft202012Validator
from validator.offline.engine import check_file, make_judge
from validator.protocol import load_protocol
from validator.schemas import message_schema
protocol = load_protocol()
validators = {t: Draft202012Validator(message_schema(protocol.schemas_dir, t))
              for t in ("CapacitySignal", "FlowControl", "MetricsReport")}
if ":" in mode:
    make_judge(protocol, mode.split(":")[0])  # compiles the engine's schemas (cached for the run)
count = 0
t0 = time.perf_counter()
if mode == "loads":
    with open(path, "rb") as handle:
        for line in handle:
            count += 1
            try:
                json.loads(line)
            except ValueError:
                pass
            if count == limit:
                break
elif mode == "naive":
    with open(path, "rb") as handle:
        for line in handle:
            count += 1
            try:
                message = json.loads(line)
            except ValueError:
                message = None
            validator = validators.get(message.get("action")) if isinstance(message, dict) else None
            if validator is not None:
                list(validator.iter_errors(message))
            if count == limit:
                break
else:
    engine, jobs = mode.split(":")
    tally = check_file(path, protocol, engine=engine, jobs=int(jobs))
    count = tally.messages
elapsed = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"count": count, "seconds": elapsed, "peak_mb": max(peak, children)}))
"""


def measure(mode: str, path: Path, limit: int = 0) -> dict[str, float]:
    """Run one measurement in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, mode, str(path), str(limit)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def ensure_capture(path: Path, count: int) -> Path:
    """Write the capture unless a file of that many lines is already there."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.capture_corpus import lines

    marker = path.with_suffix(path.suffix + f".{count}.ok")
    if path.exists() and marker.exists():
        return path
    print(f"generating {count:,} lines into {path} …", flush=True)
    with path.open("w") as handle:
        for line in lines(count, invalid_share=0.05, seed=0):
            handle.write(line + "\n")
    marker.write_text("ok")
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--naive-lines", type=int, default=100_000)
    parser.add_argument("--capture", type=Path, default=Path(tempfile.gettempdir()) / "nexus-capture.jsonl")
    args = parser.parse_args()
    big = ensure_capture(args.capture, args.lines)
    small = ensure_capture(args.capture.with_name("nexus-capture-small.jsonl"), args.lines // 10)
    size_mb = big.stat().st_size / 1e6
    print(f"capture: {args.lines:,} lines, {size_mb:.0f} MB, 5 % broken; {os.cpu_count()} CPUs")

    try:
        import msgspec  # noqa: F401

        engines = ["msgspec", "python"]
    except ImportError:
        engines = ["python"]
    rows = [("json.loads alone (floor)", measure("loads", big))]
    rows.append((f"naive jsonschema loop (first {args.naive_lines:,})", measure("naive", big, args.naive_lines)))
    for engine in engines:
        rows.append((f"check --engine {engine}, 1 job", measure(f"{engine}:1", big)))
    rows.append((f"check --engine {engines[0]}, {os.cpu_count()} jobs", measure(f"{engines[0]}:{os.cpu_count()}", big)))
    rows.append((f"check --engine {engines[0]}, 1 job, 10x smaller file", measure(f"{engines[0]}:1", small)))

    floor = rows[0][1]["count"] / rows[0][1]["seconds"]
    naive = rows[1][1]["count"] / rows[1][1]["seconds"]
    print(f"\n{'':52} {'messages/s':>12} {'vs loads':>9} {'vs naive':>9} {'peak MB':>8}")
    for label, m in rows:
        rate = m["count"] / m["seconds"]
        print(f"{label:52} {rate:12,.0f} {rate / floor:8.2f}x {rate / naive:8.1f}x {m['peak_mb']:8.0f}")


if __name__ == "__main__":
    main()
