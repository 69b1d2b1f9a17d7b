"""Layering rules of ARCHITECTURE.md, enforced by parsing imports (not by prose)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "validator"

# module prefix -> prefixes it must never import (inside the package, or third-party)
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "validator.gate": (
        "validator.cli",
        "validator.driver",
        "validator.adapters",
        "validator.reporting",
        "click",
        "rich",
    ),
    "validator.known": ("validator.cli", "validator.driver", "validator.adapters", "click", "rich"),
    "validator.config": ("validator.cli", "validator.driver", "validator.adapters", "click", "rich", "httpx"),
    "validator.selection": ("validator.cli", "validator.driver", "validator.adapters", "click", "rich", "httpx"),
    "validator.model": ("validator", "httpx", "click", "rich", "jsonschema", "yaml"),
    "validator.checks": (
        "validator.adapters",
        "validator.driver",
        "validator.cli",
        "validator.reporting",
        "validator.reference",
        "validator.runner",
        "httpx",
        "click",
        "rich",
    ),
    "validator.adapters": (
        "validator.driver",
        "validator.cli",
        "validator.reporting",
        "validator.checks",
        "validator.runner",
        "click",
        "rich",
    ),
    "validator.execution": ("validator.cli", "validator.reporting", "validator.reference", "click", "rich", "httpx"),
    "validator.driver": ("validator.cli", "validator.reporting", "validator.reference", "click", "rich", "httpx"),
    "validator.loader": (
        "validator.adapters",
        "validator.driver",
        "validator.cli",
        "validator.reporting",
        "httpx",
        "click",
        "rich",
    ),
    "validator.reporting": (
        "validator.driver",
        "validator.adapters",
        "validator.cli",
        "validator.runner",
        "validator.reference",
        "httpx",
        "click",
    ),
    "validator.reference": (
        "validator.checks",
        "validator.schemas",
        "validator.driver",
        "validator.adapters",
        "validator.cli",
        "validator.reporting",
        "validator.loader",
        "httpx",
        "click",
        "rich",
        "jsonschema",
    ),
    "validator.results": ("validator.driver", "validator.adapters", "validator.cli", "httpx", "click", "rich"),
    "validator.offline": (
        "validator.driver",
        "validator.adapters",
        "validator.cli",
        "validator.reporting",
        "validator.reference",
        "validator.producer",
        "httpx",
        "click",
        "rich",
    ),
    "validator.fastschema": ("validator", "httpx", "click", "rich", "jsonschema", "yaml", "msgspec"),
    "validator.producer": (
        "validator.driver",
        "validator.adapters",
        "validator.cli",
        "validator.reporting",
        "validator.reference",
        "httpx",
        "click",
        "rich",
    ),
}
# third-party packages allowed in exactly these modules
ONLY_IN: dict[str, tuple[str, ...]] = {
    "click": ("validator.cli",),
    "rich": ("validator.reporting.terminal",),
    "httpx": ("validator.adapters.http", "validator.adapters.builtin", "validator.adapters.deadline"),
    "httpcore": ("validator.adapters.deadline",),
    "msgspec": ("validator.offline.judge",),
}


def modules() -> list[tuple[str, set[str]]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module)
        out.append((name, imported))
    return out


def test_layering() -> None:
    broken = []
    for name, imported in modules():
        for prefix, forbidden in FORBIDDEN.items():
            if name != prefix and not name.startswith(prefix + "."):
                continue
            for imp in imported:
                if any(imp == f or imp.startswith(f + ".") for f in forbidden):
                    broken.append(f"{name} imports {imp}")
    assert broken == []


def test_third_party_packages_stay_in_their_module() -> None:
    broken = []
    for name, imported in modules():
        for package, allowed in ONLY_IN.items():
            in_allowed = any(name == a or name.startswith(a + ".") for a in allowed)
            if any(i == package or i.startswith(package + ".") for i in imported) and not in_allowed:
                broken.append(f"{name} imports {package}")
    assert broken == []


@pytest.mark.parametrize("argv", [["--help"], ["list"], ["explain", "BP-CS-05"], ["list", "--mutants"]])
def test_light_commands_do_not_import_heavy_packages(argv: list[str]) -> None:
    code = (
        "import sys\n"
        "from validator.cli import main\n"
        f"sys.argv = ['nexus-validate', *{argv!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('httpx', 'hypothesis', 'httpcore') if m in sys.modules)\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PACKAGE.parent, timeout=60)
    assert "HEAVY=\n" in proc.stdout, proc.stdout[-300:] + proc.stderr[-2000:]


def test_reference_producer_uses_only_the_standard_library() -> None:
    """It runs as a subprocess of its own and must start fast, on any machine with Python."""
    imported = dict(modules())["validator.producer.reference"]
    outside = sorted(i for i in imported if i.split(".")[0] not in sys.stdlib_module_names)
    assert outside == []
