"""Faults at the store level: SIGKILL mid-write, four concurrent annotators, read-only, full disk.

SIGKILL and the four concurrent annotators run on both engines (SQLite and PostgreSQL).

The promise under test is the one the status line makes: a write the store call returned from is
on disk, whatever happens next, and nothing else half-happened. Each worker is a real process
(`tests/e2e_helpers.py`) driving the real `Store`; `e2e_helpers.Mirror` says what the database
must then hold, and the action count says how many operations committed.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from e2e_helpers import Mirror, doc_text, plan, read_state, word_keys
from sqlalchemy import event

from copydesk.projects.errors import StoreBusy, StoreError
from copydesk.projects.importers import content_hash
from copydesk.projects.project import Project

HELPER = Path(__file__).with_name("e2e_helpers.py")
REPO = Path(__file__).resolve().parents[1]


def make_project(root: Path, docs: int = 3,
                 database: str | None = None) -> tuple[Path, dict[int, str]]:
    texts = [doc_text(i) for i in range(docs)]
    with Project.init(root, database=database) as project:
        ids = project.store.add_documents(
            [{"text": t, "content_hash": content_hash(t), "title": f"doc {i}"}
             for i, t in enumerate(texts)]
        )
    return root, {int(i): t for i, t in zip(ids, texts, strict=True) if i is not None}


def integrity(db: Path | str) -> str:
    if isinstance(db, str):  # PostgreSQL: our invariants (the server guards its pages)
        from copydesk.projects.db import Database

        database = Database(db, create=False)
        try:
            return database.integrity_check()
        finally:
            database.close()
    import sqlite3

    conn = sqlite3.connect(db, timeout=30)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def worker(root: Path, annotator: str, seed: int, count: int, mirror_in: Path | str,
           mirror_out: Path | str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(HELPER), str(root), annotator, str(seed), str(count),
         str(mirror_in), str(mirror_out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
    )


@pytest.mark.slow
def test_sigkill_at_random_points_loses_no_confirmed_write(tmp_path: Path,
                                                          database: str | None) -> None:
    """12 rounds on one database; each worker is SIGKILLed after a seeded number of confirmations.

    The next round starts from what survived, so undo/redo stacks rebuilt from the log after a
    kill are exercised too (the stream includes undo and redo, which must find their target).
    """
    root, texts = make_project(tmp_path / "proj", database=database)
    db = database or root / "copydesk.db"
    rng = random.Random(20240611)
    mirror = Mirror()
    base_actions = 0
    count = 400
    for round_no in range(12):
        seed = rng.randrange(1 << 30)
        kill_after = rng.choice([0, 1, rng.randrange(2, 60), rng.randrange(60, 250)])
        mirror_file = tmp_path / f"mirror-{round_no}.json"
        mirror_file.write_text(mirror.to_json())
        proc = worker(root, "killed", seed, count, mirror_file, "-")
        confirmed = 0
        assert proc.stdout is not None
        while confirmed < kill_after:
            line = proc.stdout.readline()
            if not line:
                break
            confirmed = int(line)
        if rng.random() < 0.5:
            # land between confirmations too, not only right after one
            time.sleep(rng.random() * 0.005)
        proc.send_signal(signal.SIGKILL)
        rest, err = proc.communicate(timeout=60)
        # Lines already written before the kill were confirmed too.
        for line in rest.split():
            confirmed = max(confirmed, int(line))
        assert "Traceback" not in err, err
        assert integrity(db) == "ok"
        state, actions = read_state(db, "killed")
        committed = actions - base_actions
        assert confirmed <= committed <= confirmed + 1, (round_no, confirmed, committed)
        expected = plan(mirror, texts, seed, committed)[committed]
        assert state == expected.visible(), f"round {round_no}: {committed} ops committed"
        mirror, base_actions = expected, actions


@pytest.mark.slow
def test_four_concurrent_annotators_lose_nothing_and_never_see_locked(
        tmp_path: Path, database: str | None) -> None:
    """Four processes, 300 mixed edits each (spans, links, attributes, status, undo, redo) on the
    same three documents: none gives up on the lock, and each annotator's rows are exactly their
    own record."""
    root, _ = make_project(tmp_path / "proj", database=database)
    db = database or root / "copydesk.db"
    count = 300
    names = [f"annotator{i}" for i in range(4)]
    procs = {
        name: worker(root, name, 1000 + i, count, "-", tmp_path / f"{name}.json")
        for i, name in enumerate(names)
    }
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=600)
        assert "database is locked" not in err
        assert "BUSY" not in err, err
        assert "Traceback" not in err, err
        assert proc.returncode == 0, err
        assert out.split()[-1] == str(count), name
    assert integrity(db) == "ok"
    for name in names:
        mirror = Mirror.from_json((tmp_path / f"{name}.json").read_text())
        state, actions = read_state(db, name)
        assert actions == count, name
        assert state == mirror.visible(), name


# ------------------------------------------------------------------------ read-only, full disk
@pytest.fixture
def filled(tmp_path: Path) -> tuple[Project, int, list[int]]:
    root, texts = make_project(tmp_path / "proj", docs=1)
    project = Project.open(root)
    [doc_id] = texts
    keys = word_keys(texts[doc_id])
    saved = [int(project.store.add_span(doc_id, "ann", "PERSON", *keys[i]).id)  # type: ignore[arg-type]
             for i in range(5)]
    yield project, doc_id, saved
    project.close()


def _on_new_connections(project: Project, sql: str) -> None:
    """Run `sql` on every connection the store opens from now on (the pool is emptied)."""
    engine = project.store.db.engine

    def hook(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.execute(sql)

    event.listen(engine, "connect", hook)
    engine.dispose()


def _assert_intact(project: Project, doc_id: int, saved: list[int]) -> None:
    assert project.store.db.integrity_check() == "ok"
    assert [int(s.id) for s in project.store.spans(doc_id, "ann")] == saved  # type: ignore[arg-type]


def test_read_only_database_refuses_in_one_line_and_keeps_what_was_saved(
        filled: tuple[Project, int, list[int]]) -> None:
    project, doc_id, saved = filled
    store = project.store
    # chmod does not stop root (CI containers often run as root); query_only is what SQLite
    # itself reports as a read-only database, for every user.
    _on_new_connections(project, "PRAGMA query_only = 1")
    span_id = saved[0]
    writes = [
        lambda: store.add_span(doc_id, "ann", "ORG", 0, 5),
        lambda: store.remove_span(span_id, "ann"),
        lambda: store.relabel_span(span_id, "ann", "ORG"),
        lambda: store.set_status(doc_id, "ann", "done"),
        lambda: store.undo(doc_id, "ann"),
    ]
    for write in writes:
        with pytest.raises(StoreError) as info:
            write()
        message = str(info.value)
        assert "read-only" in message and "\n" not in message
        assert not isinstance(info.value, StoreBusy)
    _assert_intact(project, doc_id, saved)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_file_refuses_in_one_line(filled: tuple[Project, int, list[int]]) -> None:
    project, doc_id, saved = filled
    db = project.store.db.path
    db.chmod(0o444)
    try:
        project.store.db.engine.dispose()
        with pytest.raises(StoreError) as info:
            project.store.add_span(doc_id, "ann", "ORG", 0, 5)
        assert "read-only" in str(info.value) and "\n" not in str(info.value)
    finally:
        db.chmod(0o644)
    project.store.db.engine.dispose()
    _assert_intact(project, doc_id, saved)


def test_full_disk_refuses_in_one_line_and_keeps_what_was_saved(
        filled: tuple[Project, int, list[int]]) -> None:
    """`max_page_count` caps the file at its current size: the disk fills after a few writes."""
    project, doc_id, saved = filled
    engine = project.store.db.engine

    def cap(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(engine, "connect", cap)
    engine.dispose()
    text = project.store.document(doc_id).text
    keys = word_keys(text)
    error: StoreError | None = None
    for start, end in keys[5:]:  # bounded: the document has 120 words
        try:
            span = project.store.add_span(doc_id, "ann", "PERSON", start, end)
        except StoreError as exc:
            error = exc
            break
        saved.append(int(span.id))  # type: ignore[arg-type]
    assert error is not None, "the capped database never filled"
    assert "disk is full" in str(error) and "\n" not in str(error)
    assert not isinstance(error, StoreBusy)
    event.remove(engine, "connect", cap)
    engine.dispose()
    _assert_intact(project, doc_id, saved)
    # Space freed: writing works again, and the refused write had left nothing behind.
    project.store.add_span(doc_id, "ann", "ORG", *keys[0])
    assert project.store.db.integrity_check() == "ok"
