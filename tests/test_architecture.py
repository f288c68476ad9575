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


# Inside `tui`: the text engine draws without Textual, and neither it nor the app reaches up
# into the command line (the CLI launches the app, never the other way round).
TUI_FORBIDDEN = {
    "engine": {"copydesk.tui.app", "copydesk.tui.cli", "textual"},
    "app": {"copydesk.tui.cli"},
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


def imported_modules(path: Path) -> set[str]:
    """Every absolute module an import statement names, at any depth (lazy imports too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _under(module: str, prefixes: set[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("sub", sorted(TUI_FORBIDDEN))
def test_tui_sub_packages_import_one_way(sub: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path)
                                            if _under(m, TUI_FORBIDDEN[sub]))
        for path in (ROOT / "tui" / sub).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    # the check sees an import it must refuse
    assert _under("textual.widget", TUI_FORBIDDEN["engine"])
    assert not _under("copydesk.tui.application", {"copydesk.tui.app"})


def test_tui_has_only_its_three_rooms() -> None:
    """A module dropped straight into `tui/` would sit outside every layering rule above."""
    loose = sorted(p.name for p in (ROOT / "tui").glob("*.py") if p.name != "__init__.py")
    assert loose == []
    assert sorted(p.name for p in (ROOT / "tui").iterdir()
                  if p.is_dir() and p.name != "__pycache__") == ["app", "cli", "engine"]


def modules_under(folder: Path) -> list[str]:
    return [".".join(("copydesk", *path.relative_to(ROOT).with_suffix("").parts))
            for path in folder.rglob("*.py")
            if path.name != "__init__.py" and not _alembic_script(path)]


def loaded_after_importing(modules: list[str], prefixes: tuple[str, ...]) -> list[str]:
    """The modules named by `prefixes` that a fresh interpreter holds after importing
    `modules`: a lazy import inside a function body would slip past a static check."""
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(','.join(sorted(m for m in sys.modules if m.startswith({prefixes!r}))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return [m for m in done.stdout.strip().split(",") if m]


def test_the_engine_loads_no_textual() -> None:
    loaded = loaded_after_importing(modules_under(ROOT / "tui" / "engine"),
                                    ("textual", "copydesk.tui.app", "copydesk.tui.cli"))
    assert loaded == []
    assert "textual.app" in loaded_after_importing(["copydesk.tui.app.application"],
                                                   ("textual.",))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_importing_the_core_loads_no_textual(package: str) -> None:
    assert loaded_after_importing(modules_under(ROOT / package),
                                  ("textual", "copydesk.tui")) == []


# The one module allowed past Textual's and Rich's public API (tui/app/framework.py says why).
FRAMEWORK_WRAPPER = ROOT / "tui" / "app" / "framework.py"
_FRAMEWORKS = {"textual", "rich"}


def private_framework_uses(path: Path) -> list[str]:
    """Imports of a private Textual/Rich module or name, and reads of a node's `_bindings`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] in _FRAMEWORKS and (
                    any(p.startswith("_") for p in parts)
                    or any(a.name.startswith("_") for a in node.names)):
                found.append(f"{node.lineno}: from {node.module} import "
                             + ", ".join(a.name for a in node.names))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] in _FRAMEWORKS and any(p.startswith("_") for p in parts):
                    found.append(f"{node.lineno}: import {alias.name}")
        elif isinstance(node, ast.Attribute) and node.attr in ("_bindings", "_merged_bindings"):
            found.append(f"{node.lineno}: .{node.attr}")
    return found


def test_framework_internals_only_in_the_one_wrapper() -> None:
    offenders = {
        str(path.relative_to(ROOT)): uses
        for package in ("schema", "projects", "exports", "tui")
        for path in (ROOT / package).rglob("*.py")
        if path != FRAMEWORK_WRAPPER and (uses := private_framework_uses(path))
    }
    assert offenders == {}
    # the check itself sees what it must refuse
    assert private_framework_uses(FRAMEWORK_WRAPPER) == [
        f"{n}: ._bindings" for n in _lines_with(FRAMEWORK_WRAPPER, "node._bindings")]


def _lines_with(path: Path, needle: str) -> list[int]:
    return [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if needle in line]


def _private_names(tree: ast.AST) -> set[str]:
    """`_names` a module defines: functions, methods, classes and attributes it assigns."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def test_no_module_reaches_into_another_modules_privates() -> None:
    """A `_name` of one of our modules is used only where it is defined: multi-step writes go
    through the store's public unit of work (`store.tx(session)`, `store.write`), not
    `store._add_span`."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8"))
             for package in ("schema", "projects", "exports", "tui")
             for path in (ROOT / package).rglob("*.py") if not _alembic_script(path)}
    own = {path: _private_names(tree) for path, tree in trees.items()}
    ours = set().union(*own.values())
    offenders: list[str] = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            mine = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id in ("self", "cls")
            if (isinstance(node, ast.Attribute) and node.attr in ours and not mine
                    and node.attr not in own[path]):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: .{node.attr}")
    assert offenders == []


ERRORS = {"StoreError", "StoreBusy", "StoreUnavailable", "PermissionDenied", "DocumentChanged"}


def test_store_errors_have_one_home() -> None:
    """`copydesk.projects.errors` (no SQLAlchemy behind it) is where every module, test and
    benchmark takes the store's errors from; `db` re-exports them only for outside callers."""
    offenders = []
    for path in ROOT.rglob("*.py"):
        if ".venv" in path.parts or path.name in ("errors.py", "db.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.ImportFrom) and node.module
                    and node.module.startswith("copydesk.projects.")
                    and node.module != "copydesk.projects.errors"
                    and ERRORS & {a.name for a in node.names}):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


# The action log's kinds are classes in projects/actions.py; nothing else spells them.
ACTIONS_MODULE = ROOT / "projects" / "actions.py"


def _kind_literals(node: ast.AST, kinds: frozenset[str]) -> list[str]:
    """Action-kind strings in `node` (a constant, or a tuple/list/set of them)."""
    if isinstance(node, ast.Constant) and node.value in kinds:
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [v for elt in node.elts for v in _kind_literals(elt, kinds)]
    return []


def _reads_kind(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr == "kind" for n in ast.walk(node))


def _kind_chains(tree: ast.AST, kinds: frozenset[str]) -> list[str]:
    """A function comparing a local `kind` with two or more action kinds: a chain that
    dispatches on the kind (one comparison, like a screen's "accept" button, is not)."""
    found: list[str] = []
    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        hits = [(node.lineno, v) for node in ast.walk(func) if isinstance(node, ast.Compare)
                and any(isinstance(x, ast.Name) and x.id == "kind"
                        for x in [node.left, *node.comparators])
                for x in [node.left, *node.comparators] for v in _kind_literals(x, kinds)]
        if len({v for _, v in hits}) >= 2:
            found += [f"{line}: {v!r}" for line, v in hits]
    return found


def action_kind_literals(source: str, kinds: frozenset[str]) -> list[str]:
    """Places that name an action kind by its string: compared with (or filtered by) a
    `.kind`, passed as `kind=`, written as a payload's `"kind"`, or a chain of comparisons of
    a local `kind` (see _kind_chains)."""
    tree = ast.parse(source)
    found: list[str] = _kind_chains(tree, kinds)
    for node in ast.walk(tree):
        spelled: list[str] = []
        if isinstance(node, ast.Compare) and any(
                _reads_kind(x) for x in [node.left, *node.comparators]):
            spelled = [v for x in [node.left, *node.comparators]
                       for v in _kind_literals(x, kinds)]
        elif isinstance(node, ast.Call):
            spelled = [v for kw in node.keywords if kw.arg == "kind"
                       for v in _kind_literals(kw.value, kinds)]
            if isinstance(node.func, ast.Attribute) and node.func.attr == "in_" \
                    and _reads_kind(node.func.value):
                spelled += [v for arg in node.args for v in _kind_literals(arg, kinds)]
        elif isinstance(node, ast.Dict):
            spelled = [v for key, value in zip(node.keys, node.values, strict=True)
                       if isinstance(key, ast.Constant) and key.value == "kind"
                       for v in _kind_literals(value, kinds)]
        found += [f"{node.lineno}: {v!r}" for v in spelled]
    return found


def test_action_kinds_are_spelled_only_in_the_actions_module() -> None:
    """A new action kind is one class in projects/actions.py: no `if action.kind == "..."`
    chain, hand-built payload or kind filter elsewhere can fall out of step with it."""
    from copydesk.projects.actions import REGISTRY

    kinds = frozenset(REGISTRY)
    offenders = {
        str(path.relative_to(ROOT)): uses
        for package in ("projects", "exports", "tui")
        for path in (ROOT / package).rglob("*.py")
        if path != ACTIONS_MODULE and not _alembic_script(path)
        and (uses := action_kind_literals(path.read_text(encoding="utf-8"), kinds))
    }
    assert offenders == {}
    # the check itself sees each form it must refuse, and leaves other `kind`s alone
    sample = ('if step.kind == "add_span": pass\n'
              'Action(kind="undo")\n'
              'x = {"kind": "decision"}\n'
              'col(Action.kind).in_(("accept", "reject"))\n'
              'if cue.kind == "colon" or kind == "accept": pass\n'
              'def describe(kind):\n'
              '    if kind == "add_span": return 1\n'
              '    if kind == "remove_span": return 2\n')
    assert sorted(action_kind_literals(sample, kinds)) == sorted([
        "1: 'add_span'", "2: 'undo'", "3: 'decision'", "4: 'accept'", "4: 'reject'",
        "7: 'add_span'", "8: 'remove_span'"])
