"""`copydesk db copy [-p DIR] TARGET`: move a project between SQLite and PostgreSQL, verified."""

from __future__ import annotations

import argparse
from pathlib import Path

from copydesk.tui.commands.common import add_project_arg, open_project, say


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("db", help="the project's database")
    db_sub = parser.add_subparsers(dest="db_command", metavar="ACTION")
    db_sub.required = True
    copy = db_sub.add_parser(
        "copy", help="copy the project into another database and switch to it, verified",
        description="Copies every row (ids, action log and undo history included) into TARGET, "
                    "an empty database: a postgresql://USER@HOST:PORT/DB URL, or `sqlite` for "
                    "the project's own copydesk.db, or any other SQLite file path (a copy "
                    "only). Then exports the corpus from both (JSONL and brat, every status and "
                    "annotator) and compares them byte for byte, and every table row for row. "
                    "Only a verified copy to PostgreSQL or to `sqlite` switches copydesk.yaml "
                    "to it; the old database is left as it was.")
    add_project_arg(copy)
    copy.add_argument("target", metavar="TARGET",
                      help="postgresql://USER@HOST:PORT/DB, `sqlite`, or a .db file path")
    copy.set_defaults(func=run_copy)


def run_copy(args: argparse.Namespace) -> int:
    from copydesk.exports.verify import differences, digest, export_files
    from copydesk.projects.backends import is_server_url
    from copydesk.projects.db import Database, StoreError
    from copydesk.projects.dbcopy import copy_database, table_digests
    from copydesk.projects.project import CONFIG_NAME, DB_NAME
    from copydesk.projects.store import Store

    with open_project(args) as project:
        own_file = project.root / DB_NAME
        if args.target == "sqlite":
            target: str | Path = own_file
        elif is_server_url(args.target):
            target = args.target
        else:
            target = Path(args.target).resolve()
        if str(target) == project.database:
            raise StoreError(f"{project.database} is already this project's database")
        if project.store.db.path is None:
            from copydesk.projects.security import sees_everything

            with project.store.db.read() as session:
                if not sees_everything(session.connection()):
                    raise StoreError(f"{project.database}: your role sees only some annotation "
                                     "sets (row-level security); copy as the database owner")
        switch = isinstance(target, str) or target == own_file
        if isinstance(target, Path) and target.exists() and target.stat().st_size > 0:
            raise StoreError(f"{target}: the file exists; copy into a new file "
                             "(move the old one aside first)")
        before = export_files(project.store, project.schema)
        target_db = Database(target)
        try:
            report = copy_database(project.store.db, target_db)
            same_tables = table_digests(project.store.db) == table_digests(target_db)
        finally:
            target_db.close()
        copied = Store(target, project.schema)
        try:
            after = export_files(copied, project.schema)
            where = copied.db.location
        finally:
            copied.close()
        changed = differences(before, after)
        rows = ", ".join(f"{n} {name}" for name, n in report.rows.items())
        say(f"copied {rows} into {where}")
        if changed or not same_tables:
            what = (f"exports differ ({', '.join(changed[:5])})" if changed
                    else "exports match but table rows differ")
            raise StoreError(f"verification failed: {what}; the project still uses "
                             f"{project.database}")
        say(f"verified: {len(before)} export files (jsonl, brat) byte-identical before and "
              f"after (sha256 {digest(before)[:16]}), every table identical row for row")
        if switch:
            config = project.config
            config.database = target if isinstance(target, str) else None
            path = project.root / CONFIG_NAME
            tmp = path.with_name(CONFIG_NAME + ".tmp")
            tmp.write_text(config.to_yaml(), encoding="utf-8")
            tmp.replace(path)
            say(f"{path.name} now points at {where}; the old data is still in "
                  f"{project.database}")
        else:
            say(f"the project still uses {project.database}")
    return 0
