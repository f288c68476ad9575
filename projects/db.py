"""Opening the SQLite file: WAL, foreign keys, busy timeout, and IMMEDIATE write transactions.

A read-then-write in a DEFERRED transaction fails at once with "database is locked" when a second
writer holds the lock, and the busy timeout does not help there; so every write transaction is
opened with BEGIN IMMEDIATE (the busy handler does apply to that), while reads stay DEFERRED and
never block anyone in WAL mode.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlmodel import Session, create_engine

from copydesk.projects import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from copydesk.projects.migrations import MigrationError, ensure_current

BUSY_TIMEOUT_MS = 10_000
_WRITE_OPTION = "copydesk_begin"
_BUSY_OPTION = "copydesk_busy_ms"

T = TypeVar("T")


class StoreError(ValueError):
    """A write the store refuses, or a database it cannot use; the message is for the user."""


class StoreBusy(StoreError):
    """Another process held the write lock for longer than we are willing to wait."""


def make_engine(path: Path | str, *, create: bool = True,
                busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Engine:
    path = Path(path)
    if not create and not path.exists():
        raise StoreError(f"{path}: no such database")
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        # Driver-level autocommit: we issue BEGIN ourselves (see module docstring).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        cur.execute("PRAGMA foreign_keys = ON")
        mode = cur.execute("PRAGMA journal_mode = WAL").fetchone()
        if mode and str(mode[0]).lower() != "wal":
            cur.close()
            raise StoreError(f"{path}: could not switch the database to WAL mode ({mode[0]})")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        options = conn.get_execution_options()
        mode = options.get(_WRITE_OPTION, "DEFERRED")
        if mode == "IMMEDIATE":  # how long this write may wait for another writer's lock
            wait = int(options.get(_BUSY_OPTION, busy_timeout_ms))
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {wait}")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def is_locked_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "database is locked" in text or "database is busy" in text


class Database:
    """Sessions over one engine: `read()` for queries, `write()` for one committed transaction."""

    def __init__(self, path: Path | str, *, create: bool = True) -> None:
        self.path = Path(path)
        self.engine = make_engine(self.path, create=create)
        self._write_engine = self.engine.execution_options(**{_WRITE_OPTION: "IMMEDIATE"})
        self._nowait_engine: Engine | None = None  # made on first use (see no_wait)
        self._local = threading.local()
        # Where the pre-upgrade copy went, when opening upgraded an older database.
        self.upgrade_backup: str | None = None
        if create:
            try:
                self.upgrade_backup = ensure_current(
                    self.engine, write_options={_WRITE_OPTION: "IMMEDIATE"})
            except MigrationError as exc:
                self.engine.dispose()
                raise StoreError(f"{self.path}: {exc}") from exc

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One IMMEDIATE transaction, committed on exit, rolled back on any exception."""
        engine = self._write_engine
        if getattr(self._local, "no_wait", False):
            engine = self._nowait()
        with Session(engine, expire_on_commit=False) as session, session.begin():
            yield session

    def _nowait(self) -> Engine:
        if self._nowait_engine is None:
            self._nowait_engine = self.engine.execution_options(
                **{_WRITE_OPTION: "IMMEDIATE", _BUSY_OPTION: 0})
        return self._nowait_engine

    @contextmanager
    def no_wait(self) -> Iterator[None]:
        """Writes in this thread try the lock once and raise StoreBusy at once if another
        process holds it (nothing was run then: BEGIN IMMEDIATE is what failed).

        The TUI saves this way on its own thread when the database is free, and hands the edit
        to its write worker (which waits and retries) when it is not, so a lock held by someone
        else never freezes the screen.
        """
        self._local.no_wait = True
        try:
            yield
        finally:
            self._local.no_wait = False

    def run_write(self, fn: Callable[[Session], T], *, attempts: int = 5) -> T:
        """Run `fn` in a write transaction, retrying when another writer outlasted the timeout.

        `fn` must be safe to re-run from scratch: it is re-run only after a full rollback.
        """
        delay = 0.05
        if getattr(self._local, "no_wait", False):
            attempts = 1
        for attempt in range(attempts):
            try:
                with self.write() as session:
                    return fn(session)
            except OperationalError as exc:
                if not is_locked_error(exc) or attempt == attempts - 1:
                    if is_locked_error(exc):
                        raise StoreBusy(
                            f"{self.path}: the database stayed locked by another process; "
                            "your edit was not saved, try again"
                        ) from exc
                    raise StoreError(f"{self.path}: {_sqlite_message(exc)}") from exc
                time.sleep(delay)
                delay *= 2
            except (DBAPIError, SQLAlchemyError) as exc:
                # IntegrityError (a row another writer removed or re-added meanwhile),
                # DataError, a corrupt file...: the user gets one line, the transaction was
                # rolled back, nothing was half-written.
                raise StoreError(f"{self.path}: nothing was saved: {_sqlite_message(exc)}"
                                 ) from exc
        raise AssertionError("unreachable")

    def integrity_check(self) -> str:
        with self.engine.connect() as conn:
            return str(conn.exec_driver_sql("PRAGMA integrity_check").scalar())

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_message(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig) if orig is not None else str(exc)
    if "readonly" in text or "read-only" in text:
        return "the database is read-only; nothing was saved"
    if "disk is full" in text or "database or disk is full" in text:
        return "the disk is full; nothing was saved"
    return text.splitlines()[0] if text else type(exc).__name__
