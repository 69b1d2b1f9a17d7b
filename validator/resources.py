"""Where the shipped data (scenarios and schemas) lives.

In a wheel the data is packed under ``validator/_data``; in a source checkout
(editable install or tests) it sits beside the package at the top level.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the directory of shipped data called ``name`` (``scenarios`` or ``schemas``)."""
    packed = _PACKAGE_DIR / "_data" / name
    if packed.is_dir():
        return packed
    source = _PACKAGE_DIR.parent / name
    if source.is_dir():
        return source
    raise FileNotFoundError(f"shipped data directory {name!r} not found (looked in {packed} and {source})")


def protocol_dir(protocol: str) -> Path:
    """Directory holding one protocol's catalog, protocol file and scenarios."""
    return data_dir("scenarios") / protocol
