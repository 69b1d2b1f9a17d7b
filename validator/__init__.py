"""nexus-validate: compliance validator for the Nexus protocols."""

from __future__ import annotations

__all__ = ["TOOL_NAME", "__version__"]

__version__ = "0.1.0"
TOOL_NAME = "nexus-validate"
