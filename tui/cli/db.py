"""`copydesk db copy [-p DIR] TARGET`: move a project between SQLite and PostgreSQL, verified."""

from __future__ import annotations

import argparse
from pathlib import Path

from copydesk.tui.cli.common import add_project_arg, open_project, say


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
                    "to it; the old database is left as it was. A run that was interrupted "
                    "can be rerun: a PostgreSQL target holding its finished copy is verified "
                    "and used, an outdated one is copied again with --replace; a SQLite "
                    "target is written as FILE.partial and appears only once verified.")
    add_project_arg(copy)
    copy.add_argument("target", metavar="TARGET",
                      help="postgresql://USER@HOST:PORT/DB, `sqlite`, or a .db file path")
    copy.add_argument("--replace", action="store_true",
                      help="clear an earlier copy of this project that an interrupted run "
                           "left in TARGET (never other data) and copy again")
    copy.set_defaults(func=run_copy)


def run_copy(args: argparse.Namespace) -> int:
    from copydesk.exports.verify import differences, digest, export_files
    from copydesk.projects.backends import is_server_url
    from copydesk.projects.db import Database
    from copydesk.projects.dbcopy import copy_database, table_digests
    from copydesk.projects.errors import StoreError
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
        # A SQLite copy is made under a name no project opens and renamed once verified: a
        # killed run leaves only FILE.partial (removed by the rerun), never a FILE that
        # looks like a project database.
        partial = _partial(target) if isinstance(target, Path) else None
        _remove(partial)
        writing: str | Path = partial if partial is not None else target
        before = export_files(project.store, project.schema)
        target_db = Database(writing)
        try:
            report = copy_database(project.store.db, target_db, replace=args.replace)
            same_tables = table_digests(project.store.db) == table_digests(target_db)
        except StoreError:
            target_db.close()  # disposing twice (again below) is harmless
            _remove(partial)  # a refused copy leaves nothing behind, not even FILE.partial
            raise
        finally:
            target_db.close()
        copied = Store(writing, project.schema)
        try:
            after = export_files(copied, project.schema)
            where = copied.db.location if partial is None else str(target)
        finally:
            copied.close()
        changed = differences(before, after)
        rows = ", ".join(f"{n} {name}" for name, n in report.rows.items())
        if report.resumed:
            say(f"{where} already holds this project's copy ({rows}): an earlier run "
                "committed it and stopped; verifying it")
        else:
            cleared = " (an earlier, outdated copy cleared first)" if report.replaced else ""
            say(f"copied {rows} into {where}{cleared}")
        if changed or not same_tables:
            _remove(partial)
            what = (f"exports differ ({', '.join(changed[:5])})" if changed
                    else "exports match but table rows differ")
            raise StoreError(f"verification failed: {what}; the project still uses "
                             f"{project.database}")
        say(f"verified: {len(before)} export files (jsonl, brat) byte-identical before and "
              f"after (sha256 {digest(before)[:16]}), every table identical row for row")
        if partial is not None and isinstance(target, Path):
            _checkpoint(partial)
            partial.replace(target)
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


def _partial(target: Path) -> Path:
    return target.with_name(target.name + ".partial")


def _remove(partial: Path | None) -> None:
    if partial is not None:
        for stale in _sqlite_files(partial):
            stale.unlink(missing_ok=True)


def _sqlite_files(path: Path) -> list[Path]:
    """The database file and the journal files SQLite keeps beside it."""
    return [path, *(path.with_name(path.name + end) for end in ("-wal", "-shm", "-journal"))]


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the file before it is renamed (the WAL is found by name)."""
    import sqlite3

    from copydesk.projects.errors import StoreError

    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    for side in _sqlite_files(path)[1:]:
        if side.exists() and side.stat().st_size > 0:
            raise StoreError(f"{side}: SQLite still holds changes here; the copy was not moved")
        side.unlink(missing_ok=True)
