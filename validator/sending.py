"""How a step's requests go out: one after another, in parallel, or paced (open loop).

Paced sending keeps a schedule per worker and never waits for answers to decide when the
next request leaves, so a slow target cannot slow the offered load down (closed-loop
load would hide latency). How late each request left against its schedule is recorded
(``Exchange.lag_ms``): a high lag means the validator, not the target, was the bottleneck.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from validator.model import Exchange, Request

Send = Callable[[Request], Exchange]
MAX_IN_FLIGHT = 64  # paced requests outstanding at once; beyond it, lateness shows up as lag


def send_batch(
    send: Send, items: Sequence[tuple[Request, Any]], *, parallel: int = 1, rate: float | None = None
) -> list[Exchange]:
    """Send every (request, message) item; answers come back in item order."""
    results: list[Exchange | None] = [None] * len(items)

    def one(index: int, lag_ms: float = 0.0) -> None:
        request, message = items[index]
        results[index] = replace(send(request), message_sent=message, lag_ms=lag_ms)

    workers = max(1, min(parallel, len(items)))
    if rate is None:
        if workers == 1:
            for index in range(len(items)):
                one(index)
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                list(pool.map(one, range(len(items))))
    else:
        # Open loop: a scheduler hands each request to the pool at its due time, whatever is still in
        # flight; ``parallel`` workers are interleaved, each at ``rate`` requests per second.
        interval = 1.0 / rate
        start = time.perf_counter() + 0.005
        due = sorted(
            (start + (w / workers + k) * interval, index)
            for w in range(workers)
            for k, index in enumerate(range(w, len(items), workers))
        )

        def timed(index: int, at: float) -> None:
            one(index, max(0.0, (time.perf_counter() - at) * 1000))

        with ThreadPoolExecutor(max_workers=min(len(items), MAX_IN_FLIGHT)) as pool:
            for at, index in due:
                delay = at - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(timed, index, at)
    return [r for r in results if r is not None]
