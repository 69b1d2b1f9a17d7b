"""Allow ``python -m validator``."""

from __future__ import annotations

from validator.cli import run_main

if __name__ == "__main__":
    run_main()
