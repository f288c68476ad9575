"""Store correctness under concurrent use: undo per running app, one-line errors for every
database failure, true lengths for texts holding NUL."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import add_text, find
from sqlalchemy import text

from copydesk.projects.errors import StoreError
from copydesk.projects.project import Project

TEXT = "Police detained Irena Kostava in Valmora on Tuesday."
LEGACY = Path(__file__).parent / "data" / "legacy-v0.1"


def test_one_annotator_in_two_terminals_has_two_undo_histories(project: Project) -> None:
    doc = add_text(project, TEXT, "t")
    first = project.store
    with Project.open(project.root) as second_terminal:
        second = second_terminal.store
        first.add_span(doc, "ann", "PERSON", *find(TEXT, "Irena Kostava"))
        second.add_span(doc, "ann", "GPE", *find(TEXT, "Valmora"))
        # `u` in the first terminal undoes the first terminal's edit, not the newer one
        undone = first.undo(doc, "ann")
        assert undone is not None and undone.kind == "add_span"
        assert [s.label for s in first.spans(doc, "ann")] == ["GPE"]
        assert first.can_undo(doc, "ann") == (False, True)
        # the second terminal still undoes (and redoes) its own edit
        assert second.can_undo(doc, "ann") == (True, False)
        second.undo(doc, "ann")
        assert first.spans(doc, "ann") == []
        second.redo(doc, "ann")
        first.redo(doc, "ann")
        assert sorted(s.label for s in first.spans(doc, "ann")) == ["GPE", "PERSON"]


def test_edits_from_before_an_app_opened_stay_undoable_after_a_restart(project: Project
                                                                       ) -> None:
    doc = add_text(project, TEXT, "t")
    project.store.add_span(doc, "ann", "PERSON", *find(TEXT, "Irena Kostava"))
    with Project.open(project.root) as restarted:
        assert restarted.store.can_undo(doc, "ann") == (True, False)
        restarted.store.undo(doc, "ann")
        assert restarted.store.spans(doc, "ann") == []


def test_an_undo_that_another_window_already_made_is_refused_not_repeated(
        project: Project) -> None:
    doc = add_text(project, TEXT, "t")
    project.store.add_span(doc, "ann", "PERSON", *find(TEXT, "Irena Kostava"))
    with Project.open(project.root) as a, Project.open(project.root) as b:
        a.store.undo(doc, "ann")  # both inherited the edit; the first undo wins
        with pytest.raises(StoreError, match="gone already"):
            b.store.undo(doc, "ann")
        assert [x.kind for x in b.store.actions(doc, "ann")] == ["add_span", "undo"]


def test_legacy_actions_without_a_session_stay_undoable(tmp_path: Path) -> None:
    folder = tmp_path / "legacy"
    shutil.copytree(LEGACY, folder)
    with Project.open(folder) as project:
        doc = project.store.document_ids()[0]
        assert project.store.can_undo(doc, "alice") == (True, True)
        project.store.undo(doc, "alice")
        new = project.store.actions(doc, "alice")[-1]
        assert new.kind == "undo" and new.session == project.store.session_id


def test_no_raw_database_exception_escapes_run_write(project: Project) -> None:
    doc = add_text(project, TEXT, "t")

    def duplicate(session) -> None:  # type: ignore[no-untyped-def]
        session.execute(text("INSERT INTO document (id, title, text, content_hash, source, "
                             "meta, created_at) VALUES (:id, '', 'x', 'h', '', '{}', '')"),
                        {"id": doc})

    with pytest.raises(StoreError) as err:
        project.store.db.run_write(duplicate)
    message = str(err.value)
    assert "UNIQUE constraint failed" in message and "\n" not in message
    assert "nothing was saved" in message


def test_queue_shows_the_true_length_of_a_text_holding_nul(project: Project) -> None:
    nul = "Fifteen chars\x00" + "x" * 34
    assert len(nul) == 48
    doc = add_text(project, nul, "nul")
    plain = add_text(project, TEXT, "plain")
    lengths = {row.id: row.length for row in project.store.queue("ann")}
    assert lengths == {doc: 48, plain: len(TEXT)}


def test_an_import_validated_under_an_older_schema_is_refused(project: Project,
                                                              tmp_path: Path) -> None:
    import json

    from copydesk.exports.importing import import_annotated
    from copydesk.projects.migrate import apply_schema

    loaded = project.schema  # what the importing process validated against
    new = tmp_path / "v2.yaml"
    new.write_text(loaded.text.replace('version: "1.0"', 'version: "2.0"').replace(
        "  NORP:\n    hotkey: k", "  NORP:\n    merged_into: ORG\n    hotkey: k"),
        encoding="utf-8")
    with Project.open(project.root) as lead:
        apply_schema(lead, new)
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"text": TEXT, "spans": [
        {"start": 33, "end": 40, "label": "NORP"}]}) + "\n", encoding="utf-8")
    report = import_annotated(project.store, loaded, [feed], annotator="ann", status="done")
    [rejected] = report.rejected
    assert "schema changed" in rejected.reason and "run the import again" in rejected.reason
    assert project.store.document_count() == 0


def test_importing_finished_work_after_review_reopens_gold(project: Project,
                                                          tmp_path: Path) -> None:
    import json

    from copydesk.exports.importing import import_annotated
    from copydesk.projects.adjudicate import accept, candidates, review_queue
    from copydesk.projects.permissions import GOLD

    doc = add_text(project, TEXT, "t")
    store = project.store
    store.add_span(doc, "ann", "PERSON", *find(TEXT, "Irena Kostava"))
    store.set_status(doc, "ann", "done")
    for candidate in candidates(store, doc).open:
        accept(store, doc, "rita", candidate)
    assert store.annotation_set(doc, GOLD).status == "done"  # type: ignore[union-attr]
    start, end = find(TEXT, "Valmora")
    feed = tmp_path / "late.jsonl"
    feed.write_text(json.dumps({"text": TEXT, "spans": [
        {"start": start, "end": end, "label": "GPE"}]}) + "\n", encoding="utf-8")
    report = import_annotated(store, project.schema, [feed], annotator="late", status="done")
    assert report.rejected == []
    assert store.annotation_set(doc, GOLD).status == "in_progress"  # type: ignore[union-attr]
    assert review_queue(store)[0][3] == "reopened"


def test_an_unreadable_database_is_one_line_on_the_command_line(project: Project,
                                                                capsys) -> None:  # type: ignore[no-untyped-def]
    from copydesk.tui.cli.main import main

    add_text(project, TEXT, "t")
    project.close()
    with sqlite3.connect(project.store.db.path) as conn:
        conn.execute("DROP TABLE annotation_set")
    assert main(["stats", "-p", str(project.root)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("copydesk: error: ") and err.count("\n") == 1
    assert "Traceback" not in err
