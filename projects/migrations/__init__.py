"""Database layout versions, managed by Alembic, on every backend the store supports.

Opening a project brings its database to the newest layout before anything reads it:
- a new, empty database gets today's tables and is stamped at the newest revision;
- a database made before versions were recorded (copydesk 0.1.0: tables, no `alembic_version`) is
  stamped at the baseline and upgraded;
- an older revision is upgraded.
A SQLite file is copied aside (`copydesk.db.bak-<from>-<time>`) before any upgrade, so a failed or
unwanted upgrade can be undone by hand; on PostgreSQL the upgrade holds an advisory lock instead
(the server's own backups are the DBA's), so concurrent openers wait for one migration. The
check on an up-to-date database is one small query and does not import Alembic, so opening a
project stays fast.

Adding a layout change: write `versions/NNNN_what.py` with `down_revision` set to the current head,
and set `HEAD` below to its revision id (a test checks the two agree).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

# SQLAlchemy is imported inside the functions, not here: `HEAD` is read before the annotation
# screen's first frame (`projects.firstread`), which must not pay for loading SQLAlchemy.
if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

# The newest revision in versions/; tests/test_migrations.py checks it against the scripts.
HEAD = "0010"
# The layout of copydesk 0.1.0, which recorded no version.
BASELINE = "0001"
_HERE = Path(__file__).resolve().parent


class _BackendLike(Protocol):
    """What ensure_current needs of projects.backends.Backend (which imports nothing from here)."""

    def write_options(self) -> dict[str, Any]: ...
    def backup(self, engine: Engine, revision: str | None) -> Path | None: ...
    def lock_migration(self, conn: Connection) -> None: ...
    def after_create(self, conn: Connection) -> None: ...


class MigrationError(RuntimeError):
    """The database could not be brought to the current layout; the message is for the user."""


def current_revision(conn: Connection) -> str | None:
    from sqlalchemy import inspect, text

    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _has_tables(conn: Connection) -> bool:
    from sqlalchemy import inspect

    return inspect(conn).has_table("document")


def _alembic_config(conn: Connection):  # type: ignore[no-untyped-def]
    # Imported here, not at the top: only an upgrade needs Alembic, and it costs start-up time.
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE))
    cfg.attributes["connection"] = conn
    return cfg


def script_head() -> str:
    """The head revision as the migration scripts declare it."""
    from alembic.script import ScriptDirectory

    cfg = _alembic_config(None)  # type: ignore[arg-type]
    heads = ScriptDirectory.from_config(cfg).get_heads()
    if len(heads) != 1:
        raise MigrationError(f"migration scripts have {len(heads)} heads: {sorted(heads)}")
    return heads[0]


def _stamp(conn: Connection, revision: str) -> None:
    from sqlalchemy import text

    conn.execute(text(
        "CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL, "
        "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"))
    conn.execute(text("DELETE FROM alembic_version"))
    conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": revision})


def ensure_current(engine: Engine, backend: _BackendLike) -> str | None:
    """Create or upgrade the database in place; returns the backup path when it upgraded.

    The upgrade runs inside one write transaction that first takes the backend's migration lock
    (IMMEDIATE on SQLite, an advisory lock on PostgreSQL), so two processes opening an old
    project at once do not both migrate it: the second sees the new revision and stops.
    """
    from sqlalchemy.exc import DBAPIError
    from sqlmodel import SQLModel

    with engine.connect() as conn:
        if _has_tables(conn) and current_revision(conn) == HEAD:
            return None
        fresh = not _has_tables(conn)
        before = None if fresh else current_revision(conn)
    backup = None if fresh else backend.backup(engine, before)
    writer = engine.execution_options(**backend.write_options())
    try:
        with writer.begin() as conn:
            backend.lock_migration(conn)
            if not _has_tables(conn):
                SQLModel.metadata.create_all(conn)
                _stamp(conn, HEAD)
                backend.after_create(conn)
                return None
            revision = current_revision(conn)
            if revision == HEAD:
                return None
            if revision is None:
                _stamp(conn, BASELINE)
            from alembic import command

            command.upgrade(_alembic_config(conn), "head")
            # Tables added since the baseline that no revision had to fill are created here.
            SQLModel.metadata.create_all(conn)
            backend.after_create(conn)  # grants and policies cover the new tables too
    except MigrationError:
        raise
    except DBAPIError as exc:
        if exc.connection_invalidated or getattr(exc.orig, "sqlstate", "") is None:
            raise  # the server went away (no SQLSTATE): the caller says "database unavailable"
        where = f" (a copy of the database before the upgrade is at {backup})" if backup else ""
        raise MigrationError(f"could not upgrade the database: {exc.orig}{where}") from exc
    except Exception as exc:  # any failure becomes one line for the user
        where = f" (a copy of the database before the upgrade is at {backup})" if backup else ""
        raise MigrationError(f"could not upgrade the database: {exc}{where}") from exc
    return str(backup) if backup else None
