"""A span's label is in its schema snapshot, checked by the database itself (issue 24).

These run on SQLite (triggers); tests/test_team_server.py runs the same attack on PostgreSQL
(a composite foreign key) as an annotator with her own login. The check is made when a row is
written, against the snapshot the row names: a schema change never makes an existing span
invalid, and `schema apply` / `schema undo` keep every row they write consistent with it.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from conftest import add_text, find

from copydesk.projects.migrate import apply_schema, undo_apply
from copydesk.projects.project import Project
from copydesk.schema import load_default_schema

TEXT = "Gunmen attacked a checkpoint near Hawija on Sunday, police in Kirkuk said."
NEWSROOM = load_default_schema().text


def connect(project: Project) -> sqlite3.Connection:
    return sqlite3.connect(project.store.db.path, isolation_level=None)


def spans(project: Project) -> list[tuple[object, ...]]:
    with connect(project) as con:
        return con.execute("SELECT label, layer, schema_id, stale FROM span ORDER BY id"
                           ).fetchall()


def test_a_raw_row_with_a_label_its_snapshot_lacks_is_refused(project: Project) -> None:
    doc = add_text(project, TEXT, "t")
    span = project.store.add_span(doc, "ann", "GPE", *find(TEXT, "Hawija"))
    current = project.store.schema_id
    con = connect(project)
    try:
        insert = ("INSERT INTO span (set_id, document_id, layer, label, start, \"end\", text, "
                  "attributes, schema_id, stale, created_at) VALUES (?, ?, ?, ?, 0, 6, "
                  "'Gunmen', '{}', ?, '', '')")
        for layer, label, schema_id in (("entity", "WEAPONS_GRADE", current),  # no such label
                                        ("event", "GPE", current),  # a label, wrong layer
                                        ("entity", "PERSON", None),  # no snapshot named
                                        ("entity", "PERSON", current + 99)):  # no such one
            with pytest.raises(sqlite3.IntegrityError, match="not in its schema snapshot"):
                con.execute(insert, (span.set_id, doc, layer, label, schema_id))
        with pytest.raises(sqlite3.IntegrityError, match="not in its schema snapshot"):
            con.execute("UPDATE span SET label = 'WEAPONS_GRADE' WHERE id = ?", (span.id,))
        # what the store would write passes, and so does an edit of other columns
        con.execute(insert, (span.set_id, doc, "entity", "PERSON", current))
        con.execute("UPDATE span SET attributes = '{}', stale = '' WHERE id = ?", (span.id,))
    finally:
        con.close()
    assert [row[0] for row in spans(project)] == ["GPE", "PERSON"]


def test_the_store_says_what_the_database_refused_in_one_line(project: Project) -> None:
    """The store never writes such a row; if it somehow did, the user gets one line and
    nothing is saved (not a traceback)."""
    from copydesk.projects.errors import StoreError
    from copydesk.projects.models import Span

    doc = add_text(project, TEXT, "t")
    good = project.store.add_span(doc, "ann", "GPE", *find(TEXT, "Hawija"))

    def plant(session) -> None:  # type: ignore[no-untyped-def]
        row = session.get(Span, good.id)
        row.label = "WEAPONS_GRADE"
        session.add(row)

    with pytest.raises(StoreError) as err:
        project.store.db.run_write(plant)
    assert "nothing was saved" in str(err.value) and "\n" not in str(err.value)
    assert spans(project)[0][0] == "GPE"


def variant(*edits: tuple[str, str]) -> str:
    text = NEWSROOM.replace('version: "1.0"', 'version: "2.0"')
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def test_schema_changes_keep_every_row_valid_under_the_snapshot_it_names(
        project: Project, tmp_path: Path) -> None:
    """Remove a label, rename one and narrow its attribute: nothing is dropped, every row the
    apply and its undo write passes the database's check, and the old rows stay as they were."""
    doc = add_text(project, TEXT, "t")
    store = project.store
    first = store.schema_id
    store.add_span(doc, "ann", "DATE", *find(TEXT, "Sunday"))
    store.add_span(doc, "ann", "Conflict.Attack", *find(TEXT, "attacked"),
                   attributes={"realis": "generic"})
    new = tmp_path / "v2.yaml"
    text = variant(
        ("  Conflict.Attack:\n    hotkey: \"1\"",
         "  Conflict.Assault:\n    renamed_from: [Conflict.Attack]\n    hotkey: \"1\""),
        ("realis: {values: [actual, generic, other], default: actual, guideline:",
         "realis: {values: [actual, other], default: actual, guideline:"))
    # DATE removed: its block, and its name wherever a role accepts it
    text = re.sub(r"^  DATE:\n(?:(?:    .*)?\n)*", "", text, count=1, flags=re.M)
    text = re.sub(r"\bDATE, |, DATE\b", "", text)
    assert "DATE" not in text
    new.write_text(text, encoding="utf-8")
    apply_schema(project, new)
    second = store.schema_id
    assert second != first
    rows = spans(project)
    # DATE is gone: its span is kept, stale, under the snapshot it was made under
    assert rows[0][:3] == ("DATE", "entity", first) and "DATE" in str(rows[0][3])
    # the trigger was renamed (so it names the new snapshot, where its label is) and is
    # stale for its attribute
    assert rows[1][:3] == ("Conflict.Assault", "event", second) and "realis" in str(rows[1][3])
    with pytest.raises(Exception, match="unknown label"):
        store.add_span(doc, "ann", "DATE", *find(TEXT, "Sunday"))
    undo_apply(project)
    assert [r[:3] for r in spans(project)] == [("DATE", "entity", first),
                                               ("Conflict.Attack", "event", first)]


def test_db_copy_names_an_old_hand_typed_row_instead_of_failing_blind(
        project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A row typed in before the check existed stays (export skips and names it), but a copy
    would hand it to a database that refuses it: the copy says which row, and leaves nothing."""
    from copydesk.tui.cli.main import main

    doc = add_text(project, TEXT, "t")
    span = project.store.add_span(doc, "ann", "GPE", *find(TEXT, "Hawija"))
    project.store.add_span(doc, "ann", "PERSON", *find(TEXT, "police"))
    con = connect(project)
    try:  # as it was before revision 0010: no trigger to stop the hand edit
        con.execute("DROP TRIGGER span_label_in_schema_update")
        con.execute("UPDATE span SET label = 'WEAPONS_GRADE' WHERE id = ?", (span.id,))
    finally:
        con.close()
    target = tmp_path / "copy.db"
    code = main(["db", "copy", "-p", str(project.root), str(target)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"span {span.id} (entity 'WEAPONS_GRADE'" in err and "delete or relabel" in err
    assert not any(p.name.startswith("copy.db") for p in tmp_path.iterdir())
    # fixed in the source, the same command copies everything
    con = connect(project)
    try:
        con.execute("DELETE FROM span WHERE id = ?", (span.id,))
    finally:
        con.close()
    assert main(["db", "copy", "-p", str(project.root), str(target)]) == 0
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT label FROM span").fetchall() == [("PERSON",)]
