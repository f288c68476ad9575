"""Copy a project's data between databases (SQLite <-> PostgreSQL), rows and ids unchanged.

Every table is copied in dependency order with its ids, in one transaction on the target, so
links, the action log (which names span and link ids) and undo keep working on the copy. Each
table's id counter is carried over too (the highest id ever handed out, not just the highest
present), so an id freed by a delete is never reused on the target either.

The target must be empty: copying into a database that already holds a project would mix two.
Callers verify the copy (`copydesk db copy` compares exports and table digests, see
exports.verify) before switching a project to it.

A copy is restartable. Its rows are committed in one transaction together with a mark naming
the source (PostgreSQL: a comment on the target's `alembic_version` table), so a copy killed
after that commit is recognised on the rerun: a target that still equals the source is taken
as it is (the run goes on to verify and switch), and one the source has moved on from is
cleared and copied again with `replace` (only a target carrying our mark for this source; any
other data is refused). SQLite targets are written under a `.partial` name and renamed into
place by the caller once verified, so a killed copy never leaves a file that looks like a
project database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Table, delete, insert, select, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from copydesk.projects.db import Database
from copydesk.projects.errors import StoreError
from copydesk.projects.schemalabels import refuse_unchecked_rows

# Parents before children (foreign keys are checked row by row on PostgreSQL).
TABLES: tuple[str, ...] = ("document", "schema_snapshot", "schema_label", "current_schema",
                           "annotation_set", "span", "link", "assignment", "action",
                           "suggestion_decision", "document_version", "document_uncertainty")
_CHUNK = 2000


def _check_tables_listed() -> None:
    """A table added to the models but not to TABLES would be silently left behind."""
    missing = set(SQLModel.metadata.tables) - set(TABLES)
    if missing:  # pragma: no cover - caught by tests/test_postgres.py
        raise StoreError(f"copydesk db copy does not know the table(s) {sorted(missing)}")


@dataclass
class CopyReport:
    rows: dict[str, int] = field(default_factory=dict)
    # True when the target already held this copy (an earlier run committed it, then died).
    resumed: bool = False
    # True when an earlier, now outdated copy of ours was cleared first (`replace`).
    replaced: bool = False


_MARK = "copydesk db copy of "


def copy_mark(db: Database) -> str | None:
    """The source location a `db copy` into `db` was made from, or None (no mark, SQLite)."""
    if db.backend.name != "postgresql":
        return None
    with db.engine.connect() as conn:
        found = conn.execute(text(
            "SELECT obj_description('alembic_version'::regclass, 'pg_class')")).scalar()
    if isinstance(found, str) and found.startswith(_MARK):
        return found[len(_MARK):]
    return None


def _set_mark(conn: Connection, db: Database, source: Database) -> None:
    if db.backend.name != "postgresql":
        return
    mark = (_MARK + source.location).replace("'", "''")
    conn.execute(text(f"COMMENT ON TABLE alembic_version IS '{mark}'"))


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def _key(table: Table) -> list:
    """The primary key's columns: rows are read in this order (not every table has `id`)."""
    return list(table.primary_key.columns)


def _counted(names: tuple[str, ...]) -> list[str]:
    """The tables whose ids the database hands out (an `id` column): their counters move."""
    return [name for name in names if "id" in _table(name).c]


def table_digests(db: Database) -> dict[str, tuple[int, str]]:
    """(rows, sha256 of every row in id order) per table: equal digests, equal data."""
    out: dict[str, tuple[int, str]] = {}
    with db.engine.connect() as conn:
        for name in TABLES:
            table = _table(name)
            digest = hashlib.sha256()
            count = 0
            for row in conn.execute(select(table).order_by(*_key(table))):
                digest.update(json.dumps(list(row), ensure_ascii=False, default=str).encode())
                digest.update(b"\n")
                count += 1
            out[name] = (count, digest.hexdigest())
    return out


def copy_database(source: Database, target: Database,
                  progress: Callable[[str, int], None] | None = None, *,
                  replace: bool = False) -> CopyReport:
    """Copy every row of `source` into the empty `target` (both already at the same layout).

    A target holding an earlier copy of `source` (see the module docstring) is kept when it
    equals the source, and cleared first when `replace`; any other data is refused.
    """
    _check_tables_listed()
    report = CopyReport()
    holds = None
    with target.engine.connect() as conn:
        for name in TABLES:
            if conn.execute(select(*_key(_table(name))).limit(1)).first() is not None:
                holds = name
                break
    if holds is not None:
        if copy_mark(target) != source.location:
            raise StoreError(f"{target.location}: the target database already holds "
                             f"data ({holds}) that no copy of this project put there; copy "
                             "into an empty database")
        digests = table_digests(target)
        if digests == table_digests(source):
            report.resumed = True
            report.rows = {name: count for name, (count, _) in digests.items()}
            return report
        if not replace:
            raise StoreError(f"{target.location}: holds an earlier copy of this project that "
                             "an interrupted run left, and the project has changed since; "
                             "rerun with --replace to copy it again")
        report.replaced = True
    with source.engine.connect() as src:
        refuse_unchecked_rows(src, source.location)
        last = source.backend.last_ids(src, _counted(TABLES))

        def write(session) -> None:  # type: ignore[no-untyped-def]
            dst: Connection = session.connection()
            report.rows.clear()
            if report.replaced:  # our own earlier copy: children before parents
                for name in reversed(TABLES):
                    dst.execute(delete(_table(name)))
            for name in TABLES:
                table = _table(name)
                count = 0
                batch: list[dict] = []
                for row in src.execute(select(table).order_by(*_key(table))):
                    batch.append(dict(row._mapping))
                    if len(batch) >= _CHUNK:
                        dst.execute(insert(table), batch)
                        count += len(batch)
                        batch = []
                if batch:
                    dst.execute(insert(table), batch)
                    count += len(batch)
                report.rows[name] = count
                if progress is not None:
                    progress(name, count)
            target.backend.set_last_ids(dst, last)
            _set_mark(dst, target, source)

        target.run_write(write, attempts=1)
    return report
