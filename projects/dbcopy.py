"""Copy a project's data between databases (SQLite <-> PostgreSQL), rows and ids unchanged.

Every table is copied in dependency order with its ids, in one transaction on the target, so
links, the action log (which names span and link ids) and undo keep working on the copy. Each
table's id counter is carried over too (the highest id ever handed out, not just the highest
present), so an id freed by a delete is never reused on the target either.

The target must be empty: copying into a database that already holds a project would mix two.
Callers verify the copy (`copydesk db copy` compares exports and table digests, see
exports.verify) before switching a project to it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Table, insert, select
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from copydesk.projects.db import Database, StoreError

# Parents before children (foreign keys are checked row by row on PostgreSQL).
TABLES: tuple[str, ...] = ("document", "schema_snapshot", "current_schema", "annotation_set",
                           "span", "link", "assignment", "action", "suggestion_decision",
                           "document_version", "document_uncertainty")
_CHUNK = 2000


def _check_tables_listed() -> None:
    """A table added to the models but not to TABLES would be silently left behind."""
    missing = set(SQLModel.metadata.tables) - set(TABLES)
    if missing:  # pragma: no cover - caught by tests/test_postgres.py
        raise StoreError(f"copydesk db copy does not know the table(s) {sorted(missing)}")


@dataclass
class CopyReport:
    rows: dict[str, int] = field(default_factory=dict)


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def _key(table: Table) -> list:
    """Primary-key columns, for a stable row order (most tables: `id`; a few: composite)."""
    return list(table.primary_key.columns)


def _with_ids() -> list[str]:
    """The tables whose rows carry an `id` the database hands out (ids the copy must keep)."""
    return [name for name in TABLES if "id" in _table(name).c]


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
                  progress: Callable[[str, int], None] | None = None) -> CopyReport:
    """Copy every row of `source` into the empty `target` (both already at the same layout)."""
    _check_tables_listed()
    report = CopyReport()
    with target.engine.connect() as conn:
        for name in TABLES:
            if conn.execute(select(*_key(_table(name))).limit(1)).first() is not None:
                raise StoreError(f"{target.location}: the target database already holds "
                                 f"data ({name}); copy into an empty database")
    with source.engine.connect() as src:
        last = source.backend.last_ids(src, _with_ids())

        def write(session) -> None:  # type: ignore[no-untyped-def]
            dst: Connection = session.connection()
            report.rows.clear()
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

        target.run_write(write, attempts=1)
    return report
