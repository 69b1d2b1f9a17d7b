"""Allow ``python -m validator``."""

from __future__ import annotations

from validator.cli import main

if __name__ == "__main__":
    main()
