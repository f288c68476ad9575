"""`copydesk init DIR [--schema FILE] [--database postgresql://USER@HOST:PORT/DB]`."""

from __future__ import annotations

import argparse

from copydesk.tui.cli.common import say


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("init", help="make a new project folder")
    parser.add_argument("dir", help="folder to create (may exist, but not hold a project)")
    parser.add_argument("--schema", metavar="FILE", default=None,
                        help="label schema YAML (default: the bundled newsroom schema)")
    parser.add_argument("--name", default=None, help="project name (default: folder name)")
    parser.add_argument("--database", metavar="URL", default=None,
                        help="keep the data in PostgreSQL, e.g. postgresql://lead@db:5432/news "
                             "(no password in the URL: use PGPASSWORD or ~/.pgpass); "
                             "default: copydesk.db in the folder")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from copydesk.projects.project import Project

    with Project.init(args.dir, args.schema, args.name, database=args.database) as project:
        say(f"created project {project.config.name!r} in {project.root} "
              f"(schema {project.schema.name} {project.schema.version}, "
              f"{len(project.schema.labels)} labels)")
        if args.database:
            say(f"data in {project.database}; add people with "
                  "`copydesk team grant NAME annotator|reviewer|lead|ml`")
    return 0
