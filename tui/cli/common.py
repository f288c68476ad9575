"""Arguments and helpers shared by the commands."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from copydesk.projects.project import Project


def add_project_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-p", "--project", metavar="DIR", default=None,
        help="project folder (default: the nearest folder upward holding copydesk.yaml)",
    )


def open_project(args: argparse.Namespace) -> Project:
    from copydesk.projects.project import Project, find_project

    start = Path(args.project) if args.project else None
    project = Project.open(find_project(start))
    for notice in project.notices:
        say(f"copydesk: note: {notice}", err=True)
    return project


def default_annotator(project: Project | None = None) -> str:
    """Who is acting. On PostgreSQL the database role (`current_user`): the server enforces
    permissions by it, so nothing else may name the annotator. Else the OS user, as an SSH
    login names the annotator; COPYDESK_ANNOTATOR overrides."""
    if project is not None:
        role = project.store.db.acting_user()
        if role is not None:
            return role
    name = os.environ.get("COPYDESK_ANNOTATOR")
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "annotator"


def say(text: object = "", *, err: bool = False) -> None:
    """Print `text` with every line through the one sanitiser (`tui.text.safe_line`).

    Every command prints through this (or `table`), so a title, id, file name or error message
    taken from imported data can never put an escape sequence on the user's terminal.
    """
    from copydesk.tui.engine.text import safe_line

    lines = ["\t".join(safe_line(field) for field in line.split("\t"))  # tabs are harmless
             for line in str(text).split("\n")]
    print("\n".join(lines), file=sys.stderr if err else sys.stdout)


def table(header: list[str], rows: list[list[str]]) -> str:
    """Plain aligned columns: readable in a terminal, greppable, no colour codes in pipes.

    Cells are sanitised and measured in terminal cells (`rich.cells`), so wide CJK titles and
    placeholders for control characters keep the columns straight.
    """
    from rich.cells import cell_len

    from copydesk.tui.engine.text import safe_line

    clean = [[safe_line(c) for c in r] for r in [header, *rows]]
    widths = [max(cell_len(r[i]) for r in clean) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(c + " " * (w - cell_len(c))
                         for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([line(clean[0]), "  ".join("-" * w for w in widths),
                      *(line(r) for r in clean[1:])])
