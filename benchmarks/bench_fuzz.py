"""Fuzzing throughput (examples per second) against the in-process reference and over loopback HTTP,
and how often a default-sized session finds each generator-only mutant across seeds.
Prints figures; asserts nothing.

    python benchmarks/bench_fuzz.py [--examples 1000] [--seeds 10]
"""

from __future__ import annotations

import argparse
import time

from validator.adapters import AdapterOptions, build_adapter
from validator.fuzz.engine import fuzz
from validator.protocol import load_protocol
from validator.reference.controller import ReferenceController
from validator.reference.mutants import MUTANTS
from validator.reference.server import ControllerServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args()
    protocol = load_protocol()
    server = ControllerServer(ReferenceController())
    server.start_in_thread()
    try:
        for label, target in (("in-process", "builtin:reference"), ("loopback HTTP", server.url)):
            adapter = build_adapter(target, protocol, AdapterOptions())
            t0 = time.perf_counter()
            report = fuzz(adapter, protocol, max_examples=args.examples, seed=1)
            elapsed = time.perf_counter() - t0
            adapter.close()
            print(
                f"{label:14} {report.examples} examples in {elapsed:.2f} s = {report.examples / elapsed:.0f}/s, "
                f"{len(report.failures)} failures"
            )
    finally:
        server.shutdown()
        server.server_close()
    for name in sorted(n for n, m in MUTANTS.items() if m.fuzz_only):
        found = 0
        for seed in range(args.seeds):
            adapter = build_adapter(f"builtin:mutant/{name}", protocol, AdapterOptions())
            report = fuzz(adapter, protocol, max_examples=500, seed=seed + 100)
            adapter.close()
            found += {f.issue.requirement_id for f in report.failures} == set(MUTANTS[name].breaks)
        print(f"{name:22} found with 500 examples in {found}/{args.seeds} seeds")


if __name__ == "__main__":
    main()
