"""`copydesk annotate` (the TUI on a project) and `copydesk demo` (a scratch demo project)."""

from __future__ import annotations

import argparse
import gc
import os
import tempfile
from pathlib import Path

from copydesk.tui.cli.common import (
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
    if args.doc is not None:
        first = first_screen(args)
        if first is not None:
            return first_screen_app(first)
    project = open_project(args)
    annotator = resolve_annotator(project, args.annotator)
    if args.doc is not None:
        project.store.document(args.doc)  # a clear error before the screen takes over
    problems = project_settings_problems(project)
    if problems:  # a keymap that collides would make a key silently do the wrong thing
        project.close()
        for problem in problems:  # each names its file and line (copydesk.yaml, user file)
            say(f"copydesk: error: {problem}", err=True)
        return 1
    return _run_app(project, annotator, args.doc)


def project_settings_problems(project) -> list[str]:  # type: ignore[no-untyped-def]
    """The keymap checked against the app's keys and the schema's hotkeys (every other
    setting was checked when copydesk.yaml was read)."""
    return settings_problems(project.config, project.store.schema)


def settings_problems(config, schema) -> list[str]:  # type: ignore[no-untyped-def]
    from copydesk.tui.app.keymap import settings_problems as problems
    from copydesk.tui.app.keys_help import default_bindings

    hotkeys = {k: label.name for k, label in schema.hotkeys().items()}
    return problems(config.settings, default_bindings(), hotkeys)


def first_screen(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """`annotate --doc N` on a SQLite project: the document read for the first frame without
    opening the store (`projects.firstread`), or None to open the project the usual way.

    Every check `run_annotate` makes is made here too, in the same order (the project's files
    are sound, who may annotate, the document, the settings); anything unusual falls back to
    the usual path, which reports it exactly as before.
    """
    from copydesk.projects.config import CONFIG_NAME, ProjectConfig, find_project
    from copydesk.projects.errors import PermissionDenied
    from copydesk.projects.firstread import read_first_screen
    from copydesk.projects.permissions import (
        check_annotate,
        resolve_annotator,
    )

    root = find_project(Path(args.project) if args.project else None)
    config = ProjectConfig.read(root / CONFIG_NAME)
    if config.database is not None:
        return None  # PostgreSQL: the role decides who annotates; the usual path asks it
    try:
        name = resolve_annotator(config, args.annotator, default_annotator(None))
    except PermissionDenied:
        return None  # the usual path says so, after its own checks of the project
    first = read_first_screen(root, config, args.doc, name)
    if first is None:
        return None
    check_annotate(config, name)
    return first


def first_screen_app(first) -> int:  # type: ignore[no-untyped-def]
    """The app on the first-frame read: it opens the project after painting (tui.app)."""
    problems = settings_problems(first.config, first.schema)
    if problems:
        for problem in problems:
            say(f"copydesk: error: {problem}", err=True)
        return 1
    # Up to the first frame the process only builds what stays (modules, widgets, the spans
    # on screen): the cyclic collector would walk it over and over for nothing, ~30% of the
    # in-process time to the first frame. It is back on once the store is open
    # (CopydeskApp.finish_opening), and whatever happens here.
    gc.disable()
    try:
        from copydesk.tui.app.application import CopydeskApp

        app = CopydeskApp(first, first.annotator, open_document=first.doc_id)
        try:
            app.run()
        finally:
            app.close_project()
    finally:
        gc.enable()
    return int(app.return_code or 0)


def resolve_annotator(project, requested: str | None) -> str:  # type: ignore[no-untyped-def]
    """The name to work under, refused in one line where the project's policy says no."""
    from copydesk.projects.errors import PermissionDenied
    from copydesk.projects.permissions import check_annotate
    from copydesk.projects.permissions import resolve_annotator as resolve

    acting = default_annotator(project)
    role = project.store.db.acting_user()
    if role is not None and requested and requested.strip() != role:
        raise PermissionDenied(f"this project is in PostgreSQL, where you work as your database "
                               f"role {role!r}; connect as {requested.strip()!r} to work as them")
    name = resolve(project.config, requested, acting)
    check_annotate(project.config, name)
    return name


def _run_app(project, annotator: str, doc: int | None) -> int:  # type: ignore[no-untyped-def]
    from copydesk.tui.app.application import CopydeskApp

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
    problems = project_settings_problems(project)  # the person's own keymap applies here too
    if problems:
        project.close()
        for problem in problems:
            say(f"copydesk: error: {problem}", err=True)
        return 1
    return _run_app(project, resolve_annotator(project, args.annotator), None)


def _remove_demo(folder: Path) -> None:
    """Delete a demo project's own files only (never a folder of someone else's files)."""
    for name in ("copydesk.yaml", "schema.yaml", "copydesk.db", "copydesk.db-wal",
                 "copydesk.db-shm"):
        (folder / name).unlink(missing_ok=True)
    for backup in folder.glob("copydesk.db.bak-*"):
        backup.unlink()
