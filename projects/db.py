"""Sessions over one database, whichever engine holds it (see projects.backends).

`read()` gives a session for queries; `run_write(fn)` runs `fn` in one committed write
transaction and re-runs it from scratch when the engine reports a conflict worth retrying (SQLite:
another writer outlasted the busy timeout; PostgreSQL: a serialisation failure or deadlock).
Whatever the engine says goes out as one StoreError line: busy, unavailable, refused, read-only,
or "nothing was saved" with the first line of the engine's message.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlmodel import Session

from copydesk.projects import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from copydesk.projects.backends import (
    BUSY_TIMEOUT_MS,
    Backend,
    PermissionDenied,
    StoreBusy,
    StoreError,
    StoreUnavailable,
    backend_for,
)
from copydesk.projects.migrations import MigrationError, ensure_current

__all__ = ["BUSY_TIMEOUT_MS", "Database", "PermissionDenied", "StoreBusy", "StoreError",
           "StoreUnavailable"]

T = TypeVar("T")


class Database:
    """Sessions over one engine: `read()` for queries, `run_write()` for one transaction."""

    def __init__(self, location: Path | str | Backend, *, create: bool = True) -> None:
        self.backend = location if isinstance(location, Backend) else backend_for(location)
        # The SQLite file (None on a server): tests and tools that open the file directly.
        self.path = self.backend.path
        self.engine = self.backend.make_engine(create=create)
        self._write_engine = self.engine.execution_options(**self.backend.write_options())
        self._nowait_engine: Engine | None = None  # made on first use (see no_wait)
        self._local = threading.local()
        # Where the pre-upgrade copy went, when opening upgraded an older database.
        self.upgrade_backup: str | None = None
        self._acting_user: str | None = None
        if create:
            try:
                self.upgrade_backup = ensure_current(self.engine, self.backend)
            except MigrationError as exc:
                self.engine.dispose()
                raise StoreError(f"{self.backend.location}: {exc}") from exc
            except SQLAlchemyError as exc:
                self.engine.dispose()
                raise self._error(exc) from exc

    @property
    def location(self) -> str:
        return self.backend.location

    def error_of(self, exc: SQLAlchemyError) -> StoreError:
        """The one-line StoreError a database error becomes (what every write raises)."""
        return self._error(exc)

    def _error(self, exc: SQLAlchemyError, *, exhausted: bool = True) -> StoreError:
        """The one line a user sees. IntegrityError (a row another writer removed or re-added
        meanwhile), DataError, a corrupt file...: the transaction was rolled back, nothing was
        half-written."""
        if isinstance(exc, DBAPIError):
            found = self.backend.store_error(exc, exhausted=exhausted)
            if found is not None:
                return found
        orig = getattr(exc, "orig", None)
        text = str(orig) if orig is not None else str(exc)
        first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
        return StoreError(f"{self.location}: nothing was saved: {first}")

    @contextmanager
    def read(self) -> Iterator[Session]:
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                yield session
        except DBAPIError as exc:
            raise self._error(exc) from exc

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction, committed on exit, rolled back on any exception."""
        no_wait = getattr(self._local, "no_wait", False)
        engine = self._nowait() if no_wait else self._write_engine
        with Session(engine, expire_on_commit=False) as session, session.begin():
            if no_wait:
                self.backend.begin_no_wait(session)
            yield session

    def _nowait(self) -> Engine:
        if self._nowait_engine is None:
            self._nowait_engine = self.engine.execution_options(
                **self.backend.write_options(no_wait=True))
        return self._nowait_engine

    @contextmanager
    def no_wait(self) -> Iterator[None]:
        """Writes in this thread try the lock once and raise StoreBusy at once if another
        writer holds it (nothing was run then: taking the lock is what failed).

        The TUI saves this way on its own thread when the database is free, and hands the edit
        to its write worker (which waits and retries) when it is not, so a lock held by someone
        else never freezes the screen.
        """
        self._local.no_wait = True
        try:
            yield
        finally:
            self._local.no_wait = False

    @contextmanager
    def client_key(self, key: str) -> Iterator[None]:
        """Writes in this thread carry `key` (a queued edit's, see tui.app.writes) into the first
        action-log entry they append: stored under a unique index, it makes a retry of an edit
        whose commit went through (but whose acknowledgement was lost) findable, and a second
        save of it impossible."""
        self._local.client_key = key
        try:
            yield
        finally:
            self._local.client_key = None

    def client_key_for(self, session: Session) -> str | None:
        """The key for the action-log entry `session` is writing: the first entry of each
        attempt of the transaction gets it (a re-run after a conflict is a new session), any
        further entry of the same transaction none."""
        key = getattr(self._local, "client_key", None)
        if key is None or session.info.get("client_key_used"):
            return None
        session.info["client_key_used"] = True
        return key

    def saved_under_key(self, key: str) -> bool:
        """True when an action-log entry carries `key`: that edit's transaction committed.
        A read of the caller's own entries (row security lets every writer see their set's)."""
        with self.read() as session:
            return session.connection().execute(
                text("SELECT 1 FROM action WHERE client_key = :k"), {"k": key}).first() is not None

    def run_write(self, fn: Callable[[Session], T], *, attempts: int = 5,
                  exclusive: bool = False) -> T:
        """Run `fn` in a write transaction, retrying what the engine calls a passing conflict.

        `fn` must be safe to re-run from scratch: it is re-run only after a full rollback.
        `exclusive` is for project-wide work (a schema apply): no set writer runs beside it.
        """
        delay = 0.05
        if getattr(self._local, "no_wait", False):
            attempts = 1
        for attempt in range(attempts):
            try:
                with self.write() as session:
                    if exclusive:
                        self.backend.lock_project(session)
                    return fn(session)
            except DBAPIError as exc:
                if self.backend.is_retryable(exc) and attempt < attempts - 1:
                    time.sleep(delay)
                    delay *= 2
                    continue
                raise self._error(exc) from exc
            except SQLAlchemyError as exc:
                raise self._error(exc) from exc
        raise AssertionError("unreachable")

    def lock_set(self, session: Session | Connection, document_id: int,
                 annotator: str) -> bool:
        """Serialise writers of one annotation set (see Backend.lock_set)."""
        return self.backend.lock_set(session, document_id, annotator)

    def acting_user(self) -> str | None:
        """The database role this store works as (PostgreSQL), or None (SQLite: no roles)."""
        if self._acting_user is None and self.backend.name != "sqlite":
            with self.read() as session:
                self._acting_user = self.backend.acting_user(session.connection())
        return self._acting_user

    def integrity_check(self) -> str:
        with self.engine.connect() as conn:
            return self.backend.integrity_check(conn)

    def close(self) -> None:
        self.engine.dispose()
