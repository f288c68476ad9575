"""SQLite errors are told apart by the driver's result code, not by the wording of the message
(which changes with SQLite versions and locales of wrappers)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from copydesk.projects.backends import SqliteBackend
from copydesk.projects.errors import StoreBusy


def _error(code: int, message: str = "something went wrong") -> OperationalError:
    orig = sqlite3.OperationalError(message)
    orig.sqlite_errorcode = code  # what the driver sets (Python 3.11+)
    return OperationalError("INSERT ...", {}, orig)


@pytest.mark.parametrize("code", [sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED,
                                  sqlite3.SQLITE_BUSY | (2 << 8)])  # BUSY_SNAPSHOT: extended
def test_busy_and_locked_are_retried_and_said_as_busy(tmp_path: Path, code: int) -> None:
    backend = SqliteBackend(tmp_path / "x.db")
    exc = _error(code, "an unfamiliar wording")
    assert backend.is_retryable(exc)
    assert isinstance(backend.store_error(exc, exhausted=True), StoreBusy)


def test_read_only_and_full_disk_by_their_codes(tmp_path: Path) -> None:
    backend = SqliteBackend(tmp_path / "x.db")
    read_only = backend.store_error(_error(sqlite3.SQLITE_READONLY | (1 << 8)), exhausted=True)
    full = backend.store_error(_error(sqlite3.SQLITE_FULL), exhausted=True)
    assert "read-only; nothing was saved" in str(read_only)
    assert "disk is full; nothing was saved" in str(full)
    assert not backend.is_retryable(_error(sqlite3.SQLITE_FULL, "database is locked"))


def test_a_real_lock_carries_the_code(tmp_path: Path) -> None:
    """The driver really sets it: a second writer meets SQLITE_BUSY."""
    path = tmp_path / "x.db"
    first = sqlite3.connect(path, isolation_level=None, timeout=0)
    first.execute("CREATE TABLE t (x)")
    first.execute("BEGIN IMMEDIATE")
    second = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        with pytest.raises(sqlite3.OperationalError) as caught:
            second.execute("BEGIN IMMEDIATE")
        assert SqliteBackend(path).is_retryable(caught.value)
    finally:
        first.execute("ROLLBACK")
        first.close()
        second.close()
