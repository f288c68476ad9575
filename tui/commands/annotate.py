"""`copydesk annotate` (the TUI on a project) and `copydesk demo` (a scratch demo project)."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from copydesk.tui.commands.common import (
    add_project_arg,
    default_annotator,
    open_project,
    say,
)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("annotate", help="open the annotation TUI")
    add_project_arg(parser)
    parser.add_argument("--annotator", default=None,
                        help="annotator name (default: the OS user)")
    parser.add_argument("--doc", type=int, default=None, help="open this document id at once")
    parser.set_defaults(func=run_annotate)

    demo = sub.add_parser("demo", help="the TUI on the bundled demo project")
    demo.add_argument("--dir", default=None,
                      help="where the demo project lives (default: one folder in your cache, "
                           "reused by every run: $XDG_CACHE_HOME/copydesk/demo)")
    demo.add_argument("--fresh", action="store_true",
                      help="start the demo project over (its earlier annotations are deleted)")
    demo.add_argument("--annotator", default=None)
    demo.add_argument("--no-tui", action="store_true",
                      help="make the demo project and print its folder, without the TUI")
    demo.set_defaults(func=run_demo)


def run_annotate(args: argparse.Namespace) -> int:
    project = open_project(args)
    annotator = resolve_annotator(project, args.annotator)
    if args.doc is not None:
        project.store.document(args.doc)  # a clear error before the screen takes over
    problems = project_settings_problems(project)
    if problems:  # a keymap that collides would make a key silently do the wrong thing
        project.close()
        for problem in problems:
            say(f"copydesk: error: {project.root / 'copydesk.yaml'}: {problem}", err=True)
        return 1
    return _run_app(project, annotator, args.doc)


def project_settings_problems(project) -> list[str]:  # type: ignore[no-untyped-def]
    """The keymap, tags and speech-verb settings checked against the app and the schema."""
    from copydesk.tui.keymap import settings_problems
    from copydesk.tui.keys_help import default_bindings

    hotkeys = {k: label.name for k, label in project.store.schema.hotkeys().items()}
    return settings_problems(project.config.settings, default_bindings(), hotkeys)


def resolve_annotator(project, requested: str | None) -> str:  # type: ignore[no-untyped-def]
    """The name to work under, refused in one line where the project's policy says no."""
    from copydesk.projects.permissions import check_annotate
    from copydesk.projects.permissions import resolve_annotator as resolve

    name = resolve(project.config, requested, default_annotator())
    check_annotate(project.config, name)
    return name


def _run_app(project, annotator: str, doc: int | None) -> int:  # type: ignore[no-untyped-def]
    from copydesk.tui.app import CopydeskApp

    try:
        CopydeskApp(project, annotator, open_document=doc).run()
    finally:
        project.close()
    return 0


def make_demo(folder: Path) -> Path:
    """A project holding the bundled demo articles (original newsroom-style pieces)."""
    from importlib.resources import files

    from copydesk.projects.importers import import_paths
    from copydesk.projects.project import Project

    demo_dir = Path(str(files("copydesk.projects") / "demo"))
    with Project.init(folder, name="copydesk-demo") as project:
        import_paths(project.store, sorted(demo_dir.glob("*.txt")))
    return folder


def demo_folder() -> Path:
    """The one demo folder every `copydesk demo` reuses: `$XDG_CACHE_HOME/copydesk/demo`
    (`~/.cache/copydesk/demo`), so runs do not leave a folder each in the temp directory."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "copydesk" / "demo"


def run_demo(args: argparse.Namespace) -> int:
    from copydesk.projects.project import Project

    folder = Path(args.dir) if args.dir else demo_folder()
    if args.fresh and (folder / "copydesk.yaml").exists():
        _remove_demo(folder)
    if not (folder / "copydesk.yaml").exists():
        try:
            make_demo(folder)
        except PermissionError:
            if args.dir:
                raise
            folder = Path(tempfile.mkdtemp(prefix="copydesk-demo-"))  # no writable cache
            make_demo(folder)
    if args.no_tui:
        say(str(folder))
        return 0
    say(f"demo project in {folder} (kept between runs; `copydesk demo --fresh` starts over)")
    project = Project.open(folder)
    return _run_app(project, resolve_annotator(project, args.annotator), None)


def _remove_demo(folder: Path) -> None:
    """Delete a demo project's own files only (never a folder of someone else's files)."""
    for name in ("copydesk.yaml", "schema.yaml", "copydesk.db", "copydesk.db-wal",
                 "copydesk.db-shm"):
        (folder / name).unlink(missing_ok=True)
    for backup in folder.glob("copydesk.db.bak-*"):
        backup.unlink()
