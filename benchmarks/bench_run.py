"""Wall time of a full default run against a served reference, next to a bare httpx loop
sending the same requests to the same target. Prints figures; asserts nothing.

    python benchmarks/bench_run.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import time

import httpx

from validator.events import RunFinished, ScenarioFinished
from validator.reference.controller import ReferenceController
from validator.reference.server import ControllerServer
from validator.runner import validate


class Recording(ReferenceController):
    """Records every request so the bare loop can replay exactly the same traffic."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []

    def handle(self, method: str, path: str, headers: object, body: bytes) -> object:  # type: ignore[override]
        self.requests.append((method, path, dict(headers), body))  # type: ignore[call-overload]
        return super().handle(method, path, headers, body)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    recorder = Recording()
    server = ControllerServer(recorder)
    server.start_in_thread()
    try:
        run_times, loop_times = [], []
        for _ in range(args.rounds):
            recorder.requests.clear()
            scenarios = 0
            t0 = time.perf_counter()

            def count(event: object) -> None:
                nonlocal scenarios
                if isinstance(event, ScenarioFinished):
                    scenarios += 1
                assert not isinstance(event, RunFinished) or event.result.summary()["fail"] == 0

            validate(server.url, on_event=count)
            run_times.append(time.perf_counter() - t0)
            traffic = list(recorder.requests)
            with httpx.Client(base_url=server.url) as client:
                t0 = time.perf_counter()
                for method, path, headers, body in traffic:
                    headers.pop("content-length", None)
                    client.request(method, path, headers=headers, content=body)
                loop_times.append(time.perf_counter() - t0)
        n = len(traffic)
        run_med, loop_med = statistics.median(run_times), statistics.median(loop_times)
        print(f"requests per run: {n}  scenarios: {scenarios}  rounds: {args.rounds}")
        print(f"{'':28}{'median s':>10}{'min s':>10}{'req/s':>10}")
        print(f"{'nexus-validate run':28}{run_med:10.3f}{min(run_times):10.3f}{n / run_med:10.0f}")
        print(f"{'bare httpx loop':28}{loop_med:10.3f}{min(loop_times):10.3f}{n / loop_med:10.0f}")
        print(
            f"validator overhead: {run_med / loop_med:.2f}x the bare loop "
            f"({(run_med - loop_med) / n * 1000:.2f} ms per request)"
        )
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()
