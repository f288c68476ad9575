"""One store, two engines: what differs between SQLite and PostgreSQL, in two small classes.

Everything above `Database` (the store, importers, exports, the CLI) is written once against
SQLAlchemy and never asks which engine runs. What does differ lives here:

- opening: SQLite needs WAL, foreign keys and a busy timeout on every connection; PostgreSQL needs
  the psycopg driver and a pool that notices a dropped connection (`pool_pre_ping`);
- write transactions: SQLite serialises all writers with `BEGIN IMMEDIATE`; PostgreSQL runs
  writers side by side (READ COMMITTED) and serialises those on one annotation set with a
  transaction advisory lock taken before the set is read;
- which errors are worth a retry (SQLite "database is locked", PostgreSQL serialisation failure
  or deadlock), which mean the database is unreachable, and how any of them reads in one line;
- what happens around a layout upgrade (a file backup on SQLite, a lock on PostgreSQL, row-level
  security installed on a new PostgreSQL database: see projects.security).

`backend_for(location)` picks the class from what `copydesk.yaml` names: a file path or a
`postgresql://` URL.
"""

from __future__ import annotations

import sqlite3
import time
from abc import ABC, abstractmethod
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Integer, Text
from sqlmodel import create_engine

from copydesk.projects import fragments as frag
from copydesk.projects.errors import (
    PermissionDenied,
    StoreBusy,
    StoreError,
    StoreUnavailable,
    is_server_url,
)
from copydesk.projects.schemalabels import install_check
from copydesk.projects.security import GATE_TABLE

BUSY_TIMEOUT_MS = 10_000
# Execution options read by the SQLite "begin" hook: DEFERRED for reads, IMMEDIATE for writes,
# and how long a write may wait for another writer's lock (0: try once, see Database.no_wait).
WRITE_OPTION = "copydesk_begin"
BUSY_OPTION = "copydesk_busy_ms"
# PostgreSQL: how long a no-wait write may wait for a set lock before it says "busy".
NO_WAIT_LOCK_TIMEOUT = "50ms"
# PostgreSQL: every statement's limits, unless the URL, role or database sets its own.
LOCK_TIMEOUT = "5s"
STATEMENT_TIMEOUT = "300s"  # bounds a stuck statement; a big export still fits
DEFAULT_CONNECT_TIMEOUT = 10
# How long a schema apply (or bulk import) waits for writes in progress that read the schema
# before it began: an annotator's, then a lead's (see PostgresBackend.lock_project).
WRITERS_GRACE = 1.5
LEAD_WRITER_WAIT = 5.0
# PostgreSQL advisory lock keys (bigint space; the per-set locks use the two-int4 space).
MIGRATION_LOCK = 0x64657363  # "desc": one opener at a time upgrades the layout


# ----------------------------------------------------------------------------- portable SQL
class json_text(FunctionElement):  # lower case: it reads as a SQL function where used
    """`json_text(column, key)`: the value at top-level `key` of a JSON text column, as text.

    SQLite has `json_extract`, PostgreSQL `->>` on `jsonb`; both compile from this one element,
    so queries over span attributes or action payloads are written once.
    """

    type = Text()
    inherit_cache = True


@compiles(json_text, "sqlite")
def _json_text_sqlite(element: json_text, compiler: Any, **kw: Any) -> str:
    column, key = list(element.clauses)
    # The path is built in SQL from the key's own bound parameter, so a cached compiled
    # statement never carries an earlier call's key.
    path = f"""'$."' || {compiler.process(key, **kw)} || '"'"""
    return f"CAST(json_extract({compiler.process(column, **kw)}, {path}) AS TEXT)"


@compiles(json_text, "postgresql")
def _json_text_postgres(element: json_text, compiler: Any, **kw: Any) -> str:
    column, key = list(element.clauses)
    return f"(CAST({compiler.process(column, **kw)} AS jsonb) ->> {compiler.process(key, **kw)})"


class text_length(FunctionElement):  # lower case: it reads as a SQL function where used
    """Characters in a text column, or NULL where the engine cannot count them in SQL.

    SQLite's `length()` of a TEXT value stops at the first NUL character (a 48-character
    document showed as 15), so a text holding a NUL gives NULL there (the test runs on the
    bytes, where `instr` does not stop) and the caller measures those few in Python.
    PostgreSQL stores no NUL in text and `char_length` counts characters.
    """

    type = Integer()
    inherit_cache = True


@compiles(text_length, "sqlite")
def _text_length_sqlite(element: text_length, compiler: Any, **kw: Any) -> str:
    [column] = list(element.clauses)
    col = compiler.process(column, **kw)
    return f"CASE WHEN instr(CAST({col} AS BLOB), X'00') > 0 THEN NULL ELSE length({col}) END"


@compiles(text_length, "postgresql")
def _text_length_postgres(element: text_length, compiler: Any, **kw: Any) -> str:
    [column] = list(element.clauses)
    return f"char_length({compiler.process(column, **kw)})"


# ----------------------------------------------------------------------------- backends
def current_snapshot_sql(dialect: str) -> str:
    """The query for the project's schema pointer: the table on SQLite; on PostgreSQL the
    function that reads it without leaving a lock behind (projects.security)."""
    if dialect == "postgresql":
        return "SELECT copydesk_current_snapshot()"
    return 'SELECT snapshot_id FROM "current_schema" WHERE id = 1'


class Backend(ABC):
    """The handful of things the store needs from an engine (see the module docstring)."""

    name: str
    #: A file on disk, or None for a server database.
    path: Path | None = None

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the data lives, as shown in messages (never with a password)."""

    @abstractmethod
    def make_engine(self, *, create: bool) -> Engine: ...

    def write_options(self, *, no_wait: bool = False) -> dict[str, Any]:
        """Execution options of the engine that runs write transactions."""
        return {}

    def begin_no_wait(self, session: Session) -> None:
        """First statement of a write that must not wait for another writer's lock."""
        return None

    def lock_set(self, session: Session | Connection, document_id: int,
                 annotator: str) -> bool:
        """Serialise writers of one (document, annotator) set for the rest of the transaction.

        Returns True when the lock may have waited for another writer, so rows read before
        it must be read again.
        """
        return False

    def lock_project(self, conn: Connection | Session) -> None:
        """Exclusive for the rest of the transaction: project-wide work (schema apply)."""
        return None

    def held_elsewhere(self, session: Session, table: str, ids: list[int]) -> set[int]:
        """The rows among `ids` that another open transaction holds locked (taken, for the
        rest of this transaction, as a schema apply would lock them for writing: see
        projects.migrate). Empty on an engine with one writer at a time."""
        return set()

    def delete_row(self, session: Session, row: Any) -> None:
        """Delete one span, link or suggestion decision of an annotation set."""
        session.delete(row)
        session.flush()

    def lock_migration(self, conn: Connection) -> None:
        """Taken before a layout upgrade, so two openers do not both migrate."""
        return None

    def backup(self, engine: Engine, revision: str | None) -> Path | None:
        """A copy of the database before an upgrade, where the engine makes that cheap."""
        return None

    def after_create(self, conn: Connection) -> None:
        """Engine-specific set-up of a new database (roles and row-level security)."""
        return None

    def acting_user(self, conn: Connection) -> str | None:
        """Who the database says is acting, where it knows (a server role); else None."""
        return None

    @abstractmethod
    def last_ids(self, conn: Connection, tables: list[str]) -> dict[str, int]:
        """The highest id each table ever handed out (deleted rows included): undo re-inserts
        a removed span under its old id, so a copy must never hand that id out again."""

    @abstractmethod
    def set_last_ids(self, conn: Connection, last: dict[str, int]) -> None:
        """Make each table's next id follow `last` (after rows were copied in with their ids)."""

    @abstractmethod
    def is_retryable(self, exc: DBAPIError) -> bool: ...

    @abstractmethod
    def store_error(self, exc: DBAPIError, *, exhausted: bool) -> StoreError | None:
        """The one-line error a user sees for `exc`, or None to let a bug surface as is."""

    @abstractmethod
    def integrity_check(self, conn: Connection) -> str:
        """"ok", or what is wrong."""


class SqliteBackend(Backend):
    """One file, one writer at a time (BEGIN IMMEDIATE), readers never blocked (WAL)."""

    name = "sqlite"

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    @property
    def location(self) -> str:
        return str(self.path)

    def make_engine(self, *, create: bool) -> Engine:
        path = self.path
        if not create and not path.exists():
            raise StoreError(f"{path}: no such database")
        engine = create_engine(
            f"sqlite:///{path}",
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
            # Driver-level autocommit: we issue BEGIN ourselves. A read-then-write in a
            # DEFERRED transaction fails at once with "database is locked" under a second
            # writer and the busy timeout does not help there, so writes BEGIN IMMEDIATE.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA foreign_keys = ON")
            mode = cur.execute("PRAGMA journal_mode = WAL").fetchone()
            if mode and str(mode[0]).lower() != "wal":
                cur.close()
                raise StoreError(f"{path}: could not switch the database to WAL mode ({mode[0]})")
            cur.execute("PRAGMA synchronous = NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            options = conn.get_execution_options()
            mode = options.get(WRITE_OPTION, "DEFERRED")
            if mode == "IMMEDIATE":  # how long this write may wait for another writer's lock
                wait = int(options.get(BUSY_OPTION, BUSY_TIMEOUT_MS))
                conn.exec_driver_sql(f"PRAGMA busy_timeout = {wait}")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine

    def write_options(self, *, no_wait: bool = False) -> dict[str, Any]:
        if no_wait:
            return {WRITE_OPTION: "IMMEDIATE", BUSY_OPTION: 0}
        return {WRITE_OPTION: "IMMEDIATE"}

    def after_create(self, conn: Connection) -> None:
        # The span label check (projects.schemalabels): triggers, as SQLite cannot add a
        # foreign key to an existing table.
        install_check(conn)

    def backup(self, engine: Engine, revision: str | None) -> Path | None:
        """A consistent copy of the file beside it, taken through SQLite's backup API."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        target = Path(f"{self.path}.bak-{revision or 'v0.1'}-{stamp}")
        raw = engine.raw_connection()
        try:
            dest = sqlite3.connect(target)
            try:
                raw.driver_connection.backup(dest)  # type: ignore[union-attr]
            finally:
                dest.close()
        finally:
            raw.close()
        return target

    @staticmethod
    def _code(exc: BaseException) -> int | None:
        """SQLite's primary result code of the error (its extended code masked to the low byte),
        from the driver (`sqlite_errorcode`, Python 3.11+), never from the message's wording."""
        orig = getattr(exc, "orig", exc)
        code = getattr(orig, "sqlite_errorcode", None)
        return None if code is None else int(code) & 0xFF

    @classmethod
    def _locked(cls, exc: BaseException) -> bool:
        return cls._code(exc) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)

    def is_retryable(self, exc: DBAPIError) -> bool:
        return self._locked(exc)

    def store_error(self, exc: DBAPIError, *, exhausted: bool) -> StoreError | None:
        if not isinstance(exc.orig, sqlite3.OperationalError):
            return None
        if self._locked(exc):
            return StoreBusy(f"{self.path}: the database stayed locked by another process; "
                             "your edit was not saved, try again")
        message = str(exc.orig)
        code = self._code(exc)
        if code == sqlite3.SQLITE_READONLY:
            message = "the database is read-only; nothing was saved"
        elif code == sqlite3.SQLITE_FULL:
            message = "the disk is full; nothing was saved"
        return StoreError(f"{self.path}: {message}")

    def integrity_check(self, conn: Connection) -> str:
        return str(conn.exec_driver_sql("PRAGMA integrity_check").scalar())

    def last_ids(self, conn: Connection, tables: list[str]) -> dict[str, int]:
        out = {}
        for table in tables:
            top = conn.execute(text(f'SELECT max(id) FROM "{table}"')).scalar() or 0
            seq = conn.execute(text("SELECT seq FROM sqlite_sequence WHERE name = :t"),
                               {"t": table}).scalar() if self._has_sequence(conn) else None
            out[table] = max(int(top), int(seq or 0))
        return out

    @staticmethod
    def _has_sequence(conn: Connection) -> bool:
        return conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")
                            ).first() is not None

    def set_last_ids(self, conn: Connection, last: dict[str, int]) -> None:
        # Only AUTOINCREMENT tables have a sqlite_sequence row; the others take max(id) + 1,
        # which is what a copy of their rows gives anyway.
        if not self._has_sequence(conn):
            return
        for table, value in last.items():
            conn.execute(text("UPDATE sqlite_sequence SET seq = max(seq, :v) WHERE name = :t"),
                         {"v": value, "t": table})
            # A table whose rows were all deleted has no row there yet, but its ids may still
            # be named in the undo log.
            conn.execute(text("INSERT INTO sqlite_sequence (name, seq) SELECT :t, :v "
                              "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = :t)"),
                         {"v": value, "t": table})


# SQLSTATEs: retry these (the whole transaction is re-run from scratch) ...
_PG_RETRY = {"40001", "40P01"}  # serialization_failure, deadlock_detected
# ... and read these as "the server is gone" (class 08 too).
_PG_GONE = {"57P01", "57P02", "57P03", "53300"}  # shutdown, crash, starting up, too many conns


class PostgresBackend(Backend):
    """A shared server: writers run side by side, serialised per annotation set."""

    name = "postgresql"

    def __init__(self, url: str) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise StoreError(f"{url}: not a database URL") from exc
        if parsed.password:
            raise StoreError(
                "the database URL holds a password; leave it out and give it through "
                "PGPASSWORD, ~/.pgpass or a service file")
        self.url = parsed.set(drivername="postgresql+psycopg")

    @property
    def location(self) -> str:
        return self.url.set(drivername="postgresql").render_as_string(hide_password=True)

    def make_engine(self, *, create: bool) -> Engine:
        try:
            import psycopg  # noqa: F401  (a clear message beats SQLAlchemy's NoSuchModule)
        except ImportError as exc:
            raise StoreError("PostgreSQL needs the psycopg driver: "
                             "pip install 'copydesk[postgres]'") from exc
        # pool_pre_ping: a connection the server dropped (restart, idle timeout) is replaced
        # on checkout, so the action after an outage reconnects by itself. Every libpq
        # parameter in the URL reaches libpq (SQLAlchemy passes the query string through); our
        # connect_timeout is only the default for a URL that names none.
        connect_args: dict[str, Any] = {"application_name": "copydesk"}
        if "connect_timeout" not in self.url.query:
            connect_args["connect_timeout"] = DEFAULT_CONNECT_TIMEOUT
        if "application_name" in self.url.query:
            del connect_args["application_name"]
        engine = create_engine(self.url, pool_pre_ping=True, pool_size=2, max_overflow=4,
                               connect_args=connect_args)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: object) -> None:
            # No statement waits forever: a lock somebody holds (LOCK TABLE, an open
            # transaction) gives 55P03 after LOCK_TIMEOUT and the edit is retried or queued,
            # never an endless freeze. A value the URL (`options=-c lock_timeout=...`), the
            # role or the database sets is kept.
            with dbapi_conn.cursor() as cur:
                cur.execute("SELECT current_setting('lock_timeout'), "
                            "current_setting('statement_timeout')")
                lock, statement = cur.fetchone()
                if lock in ("0", "0ms"):
                    cur.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
                if statement in ("0", "0ms"):
                    cur.execute(f"SET statement_timeout = '{STATEMENT_TIMEOUT}'")
            dbapi_conn.commit()

        return engine

    def lock_set(self, session: Session | Connection, document_id: int,
                 annotator: str) -> bool:
        # Through the schema gate (copydesk_current_snapshot, projects.security: it waits
        # while a schema apply runs, and marks this transaction as one an apply waits for),
        # and the set's own row locked FOR UPDATE. Row security lets only those who may write
        # a set lock its row, so nobody can stall another annotator's saves (a public advisory
        # lock could: pg_advisory_lock is open to every role). A set not made yet needs no
        # lock: two writers creating it at once meet the unique key, and the loser's
        # transaction is re-run from scratch (is_retryable), finding the row. One round trip.
        # The gate first (a materialised CTE is read before the target list), so a writer
        # that waits for an apply there holds no row lock the apply would meet.
        session.execute(text(
            "WITH gate AS MATERIALIZED (SELECT copydesk_current_snapshot() AS s) "
            "SELECT gate.s, ARRAY(SELECT id FROM annotation_set WHERE document_id = :d "
            "AND annotator = :a FOR UPDATE) FROM gate"),
            {"d": int(document_id), "a": annotator}).all()
        return True

    def begin_no_wait(self, session: Session) -> None:
        # lock_timeout covers advisory locks too: a set another writer holds gives 55P03 at once.
        session.execute(text(f"SET LOCAL lock_timeout = '{NO_WAIT_LOCK_TIMEOUT}'"))

    def lock_project(self, conn: Connection | Session) -> None:
        # Nobody but a lead holds a lock on current_schema past one call of
        # copydesk_current_snapshot (projects.security), so this waits only for calls in
        # progress; from here on every writer's next read of the pointer waits for us.
        conn.execute(text('LOCK TABLE "current_schema" IN ACCESS EXCLUSIVE MODE'))
        # Then the writers that read the pointer before us and have not ended: a store write
        # is milliseconds. A transaction an annotator keeps open (raw SQL) is not waited for
        # past WRITERS_GRACE: whatever it commits later was checked by the database against
        # the snapshot it names (projects.schemalabels) and is left for the next apply. A
        # lead's (an import) is waited for up to the lock timeout, as a lock would be.
        started = time.monotonic()
        while True:
            rows = conn.execute(text(
                "SELECT l.pid, a.usename, pg_has_role(a.usename, 'copydesk_lead', 'MEMBER') "
                "  OR pg_has_role(a.usename, (SELECT tableowner FROM pg_tables "
                "     WHERE schemaname = 'public' AND tablename = 'span'), 'MEMBER') "
                "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'relation' AND l.granted AND l.database = "
                "  (SELECT oid FROM pg_database WHERE datname = current_database()) "
                f"  AND l.relation = '{GATE_TABLE}'::regclass AND l.pid <> pg_backend_pid() "
                "  AND NOT pg_backend_pid() = ANY (pg_blocking_pids(l.pid))")).all()
            waited = time.monotonic() - started
            if not rows or (waited >= WRITERS_GRACE and not any(row[2] for row in rows)):
                return
            if waited >= LEAD_WRITER_WAIT:
                names = ", ".join(sorted({str(row[1]) for row in rows if row[2]}))
                raise StoreBusy(f"{self.location}: waiting for the database: a transaction "
                                f"of {names} that read the schema is still open; nothing was "
                                "changed, try again")
            time.sleep(0.02)

    def held_elsewhere(self, session: Session, table: str, ids: list[int]) -> set[int]:
        # A set's row gets KEY SHARE (what the foreign key of a new log entry takes), a span's
        # or link's row the lock an UPDATE takes; SKIP LOCKED never waits, so a row an
        # annotator keeps locked in an open transaction is named, not waited for.
        if not ids:
            return set()
        mode = "KEY SHARE" if table == "annotation_set" else "NO KEY UPDATE"
        got = session.execute(text(
            f"SELECT id FROM {table} WHERE id = ANY(:ids) FOR {mode} SKIP LOCKED"),
            {"ids": list(ids)}).scalars().all()
        return set(ids) - {int(i) for i in got}

    def delete_row(self, session: Session, row: Any) -> None:
        # Through copydesk_delete: annotators hold no DELETE on the tables (projects.security).
        session.flush()
        gone = session.execute(text("SELECT copydesk_delete(:t, :i)"),
                               {"t": row.__table__.name, "i": int(row.id)}).scalar()
        session.expunge(row)
        if not gone:
            raise StoreError(f"{row.__table__.name} {row.id} is gone already (changed in "
                             "another window?)")

    def lock_migration(self, conn: Connection) -> None:
        # An upgrade may rewrite whole tables: no statement timeout, and a minute to wait
        # for another opener doing the same.
        conn.execute(text("SET LOCAL statement_timeout = 0"))
        conn.execute(text("SET LOCAL lock_timeout = '60s'"))
        conn.execute(text("SELECT pg_advisory_xact_lock(:p)"), {"p": MIGRATION_LOCK})

    def acting_user(self, conn: Connection) -> str | None:
        return str(conn.execute(text("SELECT current_user")).scalar())

    def after_create(self, conn: Connection) -> None:
        from copydesk.projects.security import install

        install(conn)

    @staticmethod
    def _sqlstate(exc: DBAPIError) -> str | None:
        return getattr(exc.orig, "sqlstate", None)

    def is_retryable(self, exc: DBAPIError) -> bool:
        return self._sqlstate(exc) in _PG_RETRY or self._set_made_meanwhile(exc)

    def _set_made_meanwhile(self, exc: DBAPIError) -> bool:
        """Another writer created the same annotation set in the same moment (see lock_set)."""
        if self._sqlstate(exc) != "23505":
            return False
        diag = getattr(exc.orig, "diag", None)
        return str(getattr(diag, "table_name", "") or "") == "annotation_set"

    def is_unavailable(self, exc: DBAPIError) -> bool:
        import psycopg

        state = self._sqlstate(exc)
        if exc.connection_invalidated or (state or "").startswith("08") or state in _PG_GONE:
            return True
        # A refused or dropped connection carries no SQLSTATE at all.
        return state is None and isinstance(exc.orig, psycopg.OperationalError)

    @staticmethod
    def login_refused(exc: DBAPIError) -> str | None:
        """The reason, when the server answered but refused to log us in (not an outage)."""
        state = getattr(exc.orig, "sqlstate", None) or ""
        message = str(exc.orig or "")
        markers = ("password authentication failed", "no password supplied",
                   "authentication failed", "no pg_hba.conf entry", "does not exist")
        if state.startswith("28") or (not state and any(m in message for m in markers)
                                      and "FATAL" in message):
            for line in message.splitlines():
                if "FATAL" in line or "failed" in line:
                    return line.split("FATAL:", 1)[-1].strip()
            return message.strip().splitlines()[0] if message.strip() else "refused"
        return None

    def store_error(self, exc: DBAPIError, *, exhausted: bool) -> StoreError | None:
        state = self._sqlstate(exc)
        refused = self.login_refused(exc)
        if refused is not None:
            return StoreError(f"{self.location}: the server refused the login ({refused}); "
                              "check the role name and the password (PGPASSWORD, ~/.pgpass)")
        if self.is_unavailable(exc):
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else ""
            return StoreUnavailable(f"database unavailable ({self.location}: {reason}); "
                                    "nothing was saved, the next action reconnects")
        if state == "55P03":  # lock_not_available: lock_timeout, or a no-wait write
            return StoreBusy(f"{self.location}: waiting for the database: a lock is held "
                             "elsewhere; your edit was not saved yet")
        if state == "57014":  # query_canceled: statement_timeout
            return StoreBusy(f"{self.location}: waiting for the database: the statement "
                             "took too long; your edit was not saved yet")
        if self._set_made_meanwhile(exc):
            return StoreBusy(f"{self.location}: this annotation set was being created by "
                             "another window at the same moment; your edit was not saved yet")
        if state in _PG_RETRY:
            return StoreBusy(f"{self.location}: other writers kept conflicting with this edit; "
                             "it was not saved, try again")
        if state == "42501":  # insufficient_privilege, row-level security included
            reason = str(exc.orig).strip().splitlines()[0]
            return PermissionDenied(f"{self.location}: the database refused this as "
                                    f"your role: {reason}")
        if state in {"53100", "53200"}:  # disk_full, out_of_memory
            return StoreError(f"{self.location}: the server is out of space; nothing was saved")
        if state == "25006":  # read_only_sql_transaction (a hot standby, or read-only mode)
            return StoreError(f"{self.location}: the database is read-only; nothing was saved")
        return None

    def last_ids(self, conn: Connection, tables: list[str]) -> dict[str, int]:
        out = {}
        for table in tables:
            # Quoted: `current_schema` unquoted is PostgreSQL's function of that name.
            seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"),
                               {"t": f'"{table}"'}).scalar()
            used = (conn.execute(text(f"SELECT last_value, is_called FROM {seq}")).first()
                    if seq else None)  # a table whose ids we give ourselves has no sequence
            top = conn.execute(text(f'SELECT max(id) FROM "{table}"')).scalar() or 0
            out[table] = max(int(top), int(used[0]) if used and used[1] else 0)
        return out

    def set_last_ids(self, conn: Connection, last: dict[str, int]) -> None:
        for table, value in last.items():
            conn.execute(text("SELECT setval(seq, :v, :called) FROM "
                              "(SELECT pg_get_serial_sequence(:t, 'id') AS seq) s "
                              "WHERE seq IS NOT NULL"),
                         {"t": f'"{table}"', "v": max(value, 1), "called": value > 0})

    def integrity_check(self, conn: Connection) -> str:
        """Our own invariants (the server guards its pages): every span's text is the text
        at its offsets, and no link crosses annotation sets."""
        bad = conn.execute(text(
            'SELECT count(*) FROM span s JOIN document d ON d.id = s.document_id '
            'WHERE s.fragments IS NULL '
            'AND substr(d.text, s.start + 1, s."end" - s.start) <> s.text')).scalar() or 0
        # A span in pieces stores its pieces' texts joined (projects.fragments): check those.
        for doc_text, start, end, pieces, stored in conn.execute(text(
                'SELECT d.text, s.start, s."end", s.fragments, s.text FROM span s '
                "JOIN document d ON d.id = s.document_id WHERE s.fragments IS NOT NULL")):
            if frag.joined_text(doc_text, frag.decode(pieces, start, end)) != stored:
                bad += 1
        crossed = conn.execute(text(
            "SELECT count(*) FROM link l JOIN span h ON h.id = l.head_id "
            "JOIN span t ON t.id = l.tail_id "
            "WHERE h.set_id <> l.set_id OR t.set_id <> l.set_id")).scalar()
        if bad or crossed:
            return f"{bad} span(s) whose text differs from the document, {crossed} stray link(s)"
        return "ok"


def backend_for(location: str | Path) -> Backend:
    """SQLite for a path, PostgreSQL for a `postgresql://` URL."""
    if is_server_url(location):
        return PostgresBackend(str(location).replace("postgres://", "postgresql://", 1))
    if isinstance(location, str) and "://" in location:
        raise StoreError(f"{location}: unsupported database; use a file path or a "
                         "postgresql://USER@HOST:PORT/DB URL")
    return SqliteBackend(location)
