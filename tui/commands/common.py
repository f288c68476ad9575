"""Arguments and helpers shared by the commands."""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from projects.project import Project


def add_project_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-p", "--project", metavar="DIR", default=None,
        help="project folder (default: the nearest folder upward holding copydesk.yaml)",
    )


def open_project(args: argparse.Namespace) -> Project:
    from projects.project import Project, find_project

    start = Path(args.project) if args.project else None
    return Project.open(find_project(start))


def default_annotator() -> str:
    """The OS user, as an SSH login names the annotator; COPYDESK_ANNOTATOR overrides."""
    name = os.environ.get("COPYDESK_ANNOTATOR")
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "annotator"
