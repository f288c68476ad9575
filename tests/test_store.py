"""The store API: what it writes, what it refuses, and undo/redo rebuilt from the action log.

Every test here runs on both engines (SQLite and a throwaway PostgreSQL, tests/pg_server.py).
"""

from __future__ import annotations

import json

import pytest
from conftest import add_text, find
from sqlalchemy import create_engine, text

from copydesk.projects.errors import StoreError
from copydesk.projects.project import Project

TEXT = "Police detained Irena Kostava in Valmora on Tuesday. 👨‍👩‍👧 cafe\u0301 done."


@pytest.fixture
def project(any_project: Project) -> Project:
    return any_project


@pytest.fixture
def doc(project: Project) -> int:
    return add_text(project, TEXT, "t")


def raw_rows(project: Project, sql: str, **params: object) -> list[tuple]:
    """Rows read on a brand-new connection of our own (not the store's pool)."""
    engine = create_engine(project.store.db.engine.url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


def test_database_is_wal_with_foreign_keys_and_busy_timeout(tmp_path) -> None:
    """SQLite's connection settings (PostgreSQL has none of these to set)."""
    project = Project.init(tmp_path / "sqlite-proj")
    try:
        _check_sqlite_settings(project)
    finally:
        project.close()


def _check_sqlite_settings(project: Project) -> None:
    with project.store.db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_add_span_stores_offsets_text_schema_and_logs(project: Project, doc: int) -> None:
    start, end = find(TEXT, "Irena Kostava")
    span = project.store.add_span(doc, "ann", "PERSON", start, end)
    [row] = raw_rows(project, 'SELECT label, layer, start, "end", text, schema_id FROM span')
    assert row == ("PERSON", "entity", start, end, "Irena Kostava", project.store.schema_id)
    kinds = [r[0] for r in raw_rows(project, "SELECT kind FROM action ORDER BY id")]
    assert kinds == ["add_span"]
    [(snapshot,)] = raw_rows(project, "SELECT text FROM schema_snapshot WHERE id = :i",
                             i=span.schema_id)
    assert snapshot == project.schema.text
    assert project.store.annotation_set(doc, "ann").status == "in_progress"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("PERSON", -1, 3), "outside"),
        (("PERSON", 5, 5), "outside"),
        (("PERSON", 0, len(TEXT) + 1), "outside"),
        (("NOT_A_LABEL", 0, 6), "unknown label"),
    ],
)
def test_refused_span_writes_write_nothing(project: Project, doc: int, args: tuple,
                                           message: str) -> None:
    with pytest.raises(StoreError, match=message):
        project.store.add_span(doc, "ann", *args)
    assert project.store.spans(doc, "ann") == []
    assert project.store.actions(doc, "ann") == []


def test_covered_text_must_match(project: Project, doc: int) -> None:
    start, end = find(TEXT, "Police")
    with pytest.raises(StoreError, match="covers 'Police', not 'police'"):
        project.store.add_span(doc, "ann", "ORG", start, end, text="police")
    assert project.store.add_span(doc, "ann", "ORG", start, end, text="Police").text == "Police"


def test_a_span_never_splits_a_grapheme(project: Project, doc: int) -> None:
    family_start, family_end = find(TEXT, "👨‍👩‍👧")
    with pytest.raises(StoreError, match="splits a character"):
        project.store.add_span(doc, "ann", "PERSON", family_start, family_start + 1)
    e_start = TEXT.index("e\u0301")
    with pytest.raises(StoreError, match="splits a character"):
        project.store.add_span(doc, "ann", "PERSON", e_start, e_start + 1)
    assert project.store.add_span(doc, "ann", "PERSON", family_start, family_end)


def test_duplicate_span_is_refused(project: Project, doc: int) -> None:
    start, end = find(TEXT, "Valmora")
    project.store.add_span(doc, "ann", "GPE", start, end)
    with pytest.raises(StoreError, match="already labelled GPE"):
        project.store.add_span(doc, "ann", "GPE", start, end)
    # a different layer over the same text is an overlap, which is allowed
    project.store.add_span(doc, "ann", "CONTENT", start, end)


def test_unknown_document_and_foreign_span(project: Project, doc: int) -> None:
    with pytest.raises(StoreError, match="no document"):
        project.store.add_span(999, "ann", "PERSON", 0, 6)
    span = project.store.add_span(doc, "ann", "ORG", *find(TEXT, "Police"))
    with pytest.raises(StoreError, match="belongs to 'ann'"):
        project.store.remove_span(span.id, "someone-else")
    with pytest.raises(StoreError, match="belongs to 'ann'"):
        project.store.relabel_span(span.id, "someone-else", "PERSON")


def test_relabel_and_attributes(project: Project, doc: int) -> None:
    span = project.store.add_span(doc, "ann", "ORG", *find(TEXT, "Police"))
    project.store.relabel_span(span.id, "ann", "NORP")
    assert project.store.span(span.id).label == "NORP"
    with pytest.raises(StoreError, match="unknown label"):
        project.store.relabel_span(span.id, "ann", "NOPE")
    content = project.store.add_span(doc, "ann", "CONTENT", 0, TEXT.index("."))
    project.store.set_attributes(content.id, "ann", {"type": "indirect"})
    assert json.loads(project.store.span(content.id).attributes)["type"] == "indirect"
    with pytest.raises(StoreError, match="takes one of"):
        project.store.set_attributes(content.id, "ann", {"type": "sarcastic"})
    with pytest.raises(StoreError, match="no attribute"):
        project.store.set_attributes(content.id, "ann", {"colour": "red"})


def test_status_and_comment(project: Project, doc: int) -> None:
    project.store.set_status(doc, "ann", "flagged", "garbled second paragraph")
    aset = project.store.annotation_set(doc, "ann")
    assert (aset.status, aset.comment) == ("flagged", "garbled second paragraph")
    with pytest.raises(StoreError, match="unknown status"):
        project.store.set_status(doc, "ann", "finished")
    assert project.store.status_counts() == {"ann": {"flagged": 1}}


def snapshot(project: Project, doc: int) -> tuple:
    spans = [(s.id, s.label, s.start, s.end, s.attributes) for s in project.store.spans(doc, "ann")]
    links = [(lk.id, lk.head_id, lk.tail_id, lk.role) for lk in project.store.links(doc, "ann")]
    return spans, links


def test_undo_redo_across_a_reopened_database(tmp_path, doc: int, project: Project) -> None:
    store = project.store
    trigger = store.add_span(doc, "ann", "Justice.Arrest", *find(TEXT, "detained"))
    person = store.add_span(doc, "ann", "PERSON", *find(TEXT, "Irena Kostava"))
    place = store.add_span(doc, "ann", "GPE", *find(TEXT, "Valmora"))
    store.add_link(trigger.id, person.id, "Person", "ann")
    store.add_link(trigger.id, place.id, "Place", "ann")
    store.relabel_span(place.id, "ann", "LOC")
    after_edits = snapshot(project, doc)
    store.remove_span(person.id, "ann")  # takes its link with it
    assert len(store.links(doc, "ann")) == 1
    root = project.root
    project.close()

    reopened = Project.open(root)
    try:
        assert reopened.store.undo(doc, "ann").kind == "remove_span"
        assert snapshot(reopened, doc) == after_edits  # span and link back, same ids
        for _ in range(6):
            assert reopened.store.undo(doc, "ann") is not None
        assert reopened.store.undo(doc, "ann") is None
        assert snapshot(reopened, doc) == ([], [])
        for _ in range(6):
            reopened.store.redo(doc, "ann")
        assert snapshot(reopened, doc) == after_edits
        # a new edit after undo clears the redo stack
        reopened.store.undo(doc, "ann")
        reopened.store.add_span(doc, "ann", "DATE", *find(TEXT, "Tuesday"))
        assert reopened.store.redo(doc, "ann") is None
        assert reopened.store.db.integrity_check() == "ok"
    finally:
        reopened.close()


def test_undo_does_not_reuse_ids_of_other_annotators(project: Project, doc: int) -> None:
    store = project.store
    mine = store.add_span(doc, "ann", "PERSON", *find(TEXT, "Irena Kostava"))
    store.remove_span(mine.id, "ann")
    theirs = store.add_span(doc, "bob", "PERSON", *find(TEXT, "Irena Kostava"))
    assert theirs.id != mine.id
    store.undo(doc, "ann")
    assert {s.id for s in store.spans(doc, "ann")} == {mine.id}
    assert {s.id for s in store.spans(doc, "bob")} == {theirs.id}


def test_link_constraints(project: Project, doc: int) -> None:
    store = project.store
    trigger = store.add_span(doc, "ann", "Justice.Arrest", *find(TEXT, "detained"))
    person = store.add_span(doc, "ann", "PERSON", *find(TEXT, "Irena Kostava"))
    place = store.add_span(doc, "ann", "GPE", *find(TEXT, "Valmora"))
    date = store.add_span(doc, "ann", "DATE", *find(TEXT, "Tuesday"))
    with pytest.raises(StoreError, match="cannot be the 'Place'"):
        store.add_link(trigger.id, person.id, "Place", "ann")
    with pytest.raises(StoreError, match="only event triggers"):
        store.add_link(person.id, place.id, "Place", "ann")
    with pytest.raises(StoreError, match="itself"):
        store.add_link(trigger.id, trigger.id, "Person", "ann")
    store.add_link(trigger.id, place.id, "Place", "ann")
    other_place = store.add_span(doc, "ann", "GPE", *find(TEXT, "Police"))
    with pytest.raises(StoreError, match="allows one"):
        store.add_link(trigger.id, other_place.id, "Place", "ann")
    link = store.add_link(trigger.id, date.id, "Time", "ann")
    with pytest.raises(StoreError, match="already exists"):
        store.add_link(trigger.id, date.id, "Time", "ann")
    store.remove_link(link.id, "ann")
    assert [lk.role for lk in store.links(doc, "ann")] == ["Place"]
    store.undo(doc, "ann")
    assert sorted(lk.role for lk in store.links(doc, "ann")) == ["Place", "Time"]


def test_writes_survive_a_new_connection_immediately(project: Project, doc: int) -> None:
    """What the API returned is committed: another connection sees it at once."""
    project.store.add_span(doc, "ann", "PERSON", *find(TEXT, "Irena Kostava"))
    assert raw_rows(project, "SELECT count(*) FROM span") == [(1,)]


def test_progress_counts_finished_documents(project: Project, doc: int) -> None:
    other = add_text(project, "Another story.", "o")
    third = add_text(project, "A third story.", "3")
    project.store.set_status(doc, "ann", "done")
    project.store.set_status(other, "ann", "in_progress")
    project.store.set_status(third, "ann", "flagged")
    project.store.set_status(other, "bob", "done")
    assert project.store.progress("ann") == (2, 3)
    assert project.store.progress("ann", [doc, other]) == (1, 2)
    assert project.store.progress("bob") == (1, 3)
