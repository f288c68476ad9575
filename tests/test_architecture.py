"""Imports flow schema <- projects <- exports <- tui: the core never needs a terminal."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# package -> packages (ours or third-party) it must never import
FORBIDDEN = {
    "schema": {"projects", "exports", "tui", "textual", "sqlmodel", "sqlalchemy"},
    "projects": {"exports", "tui", "textual"},
    "exports": {"tui", "textual"},
}


def _root(module: str) -> str:
    """`copydesk.projects.store` -> `projects`; third-party `sqlalchemy.orm` -> `sqlalchemy`."""
    parts = module.split(".")
    return parts[1] if parts[0] == "copydesk" and len(parts) > 1 else parts[0]


def _alembic_script(path: Path) -> bool:
    """Alembic's env.py and revision files run inside Alembic, never as imported modules."""
    return "migrations" in path.parts and (path.name == "env.py" or "versions" in path.parts)


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(_root(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(_root(node.module))
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_module_imports_against_the_flow(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_importing_the_core_loads_no_textual(package: str) -> None:
    modules = [
        ".".join(("copydesk", *path.relative_to(ROOT).with_suffix("").parts))
        for path in (ROOT / package).rglob("*.py")
        if path.name != "__init__.py" and not _alembic_script(path)
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules\n"
        "             if m.split('.')[0] == 'textual' or m.startswith('copydesk.tui'))\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
