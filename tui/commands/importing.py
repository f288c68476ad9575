"""`copydesk import PATH... [-p DIR]`."""

from __future__ import annotations

import argparse
import sys

from tui.commands.common import add_project_arg, open_project


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("import", help="import .txt/.md files, folders and JSONL")
    parser.add_argument("paths", nargs="+", metavar="PATH")
    add_project_arg(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from projects.importers import import_paths

    console = Console(stderr=True)
    with open_project(args) as project, Progress(
        TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=console, transient=True, disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("import", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = import_paths(project.store, args.paths, progress=progress)
    for rejected in report.rejected:
        print(f"copydesk: rejected {rejected}", file=sys.stderr)
    print(report.summary())
    return 1 if report.rejected else 0

