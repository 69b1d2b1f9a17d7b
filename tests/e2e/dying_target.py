"""A reference controller that dies abruptly (os._exit) after answering N requests.

Usage: python dying_target.py N   — prints its URL on the first line of stdout.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

from validator.reference.controller import ReferenceController, Reply
from validator.reference.server import ControllerServer


class Dying(ReferenceController):
    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.count = 0
        self.count_lock = threading.Lock()

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> Reply:
        with self.count_lock:
            self.count += 1
            if self.count > self.limit:
                os._exit(1)
        return super().handle(method, path, headers, body)


if __name__ == "__main__":
    server = ControllerServer(Dying(int(sys.argv[1])))
    print(f"serving dying target on {server.url}", flush=True)
    server.serve_forever()
