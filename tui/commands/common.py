"""Arguments and helpers shared by the commands."""

from __future__ import annotations

import argparse
import getpass
import os
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
    return Project.open(find_project(start))


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


def table(header: list[str], rows: list[list[str]]) -> str:
    """Plain aligned columns: readable in a terminal, greppable, no colour codes in pipes."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(header, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
              for r in rows]
    return "\n".join(lines)
