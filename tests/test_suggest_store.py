"""Suggestions in the store: idempotent writes, clearing, accept/reject with provenance, exports."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import add_text, find

from copydesk.projects.project import Project
from copydesk.projects.suggest import ATTRIBUTION, PATTERNS
from copydesk.projects.suggest.decisions import accept, pending, reject
from copydesk.tui.cli.main import main

TEXT = ('Flooding hit Kirkuk and Erbil on Monday. "We will rebuild the school by autumn," '
        "the mayor said, \"and nobody will be left behind.\" Residents in Kirkuk agreed.")


def rows(project: Project, sql: str) -> list[tuple]:
    with sqlite3.connect(project.store.db.path) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture
def places(tmp_path: Path) -> Path:
    path = tmp_path / "places.txt"
    path.write_text("# label: GPE\nKirkuk\nErbil\n", "utf-8")
    return path


def suggest(project: Project, *args: str) -> int:
    return main(["suggest", "-p", str(project.root), "--docs", "all", *args])


def test_rerun_is_idempotent_and_a_changed_list_replaces(project: Project, places: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    add_text(project, TEXT)
    assert suggest(project, "--patterns", str(places), "--attribution") == 0
    first = rows(project, 'SELECT id, label, start, "end" FROM span ORDER BY id')
    actions = rows(project, "SELECT count(*) FROM action")
    assert [r[1] for r in first].count("GPE") == 3
    [(pieces,)] = rows(project, "SELECT fragments FROM span WHERE label = 'CONTENT'")
    assert len(json.loads(pieces)) == 2  # the split quote, stored in its pieces
    assert suggest(project, "--patterns", str(places), "--attribution") == 0
    assert "0 updated" in capsys.readouterr().out.splitlines()[-1]
    assert rows(project, 'SELECT id, label, start, "end" FROM span ORDER BY id') == first
    assert rows(project, "SELECT count(*) FROM action") == actions
    places.write_text("# label: GPE\nErbil\n", "utf-8")
    assert suggest(project, "--patterns", str(places)) == 0
    gpe = rows(project, "SELECT s.text FROM span s JOIN annotation_set a ON a.id = s.set_id "
                        f"WHERE a.annotator = '{PATTERNS}'")
    assert gpe == [("Erbil",)]


def test_clear_removes_only_suggestions(project: Project, places: Path) -> None:
    doc = add_text(project, TEXT)
    start, end = find(TEXT, "Kirkuk")
    project.store.add_span(doc, "alice", "GPE", start, end)
    assert suggest(project, "--patterns", str(places), "--attribution") == 0
    assert main(["suggest", "-p", str(project.root), "--clear", "--source", PATTERNS]) == 0
    owners = {r[0] for r in rows(project, "SELECT a.annotator FROM span s JOIN annotation_set a "
                                          "ON a.id = s.set_id")}
    assert owners == {"alice", ATTRIBUTION}
    assert main(["suggest", "-p", str(project.root), "--clear"]) == 0
    assert rows(project, "SELECT a.annotator, s.text FROM span s JOIN annotation_set a "
                         "ON a.id = s.set_id") == [("alice", "Kirkuk")]


def test_docs_todo_skips_documents_a_person_finished(project: Project, places: Path) -> None:
    done = add_text(project, "Kirkuk was quiet.")
    add_text(project, "Erbil was busy.")
    project.store.set_status(done, "alice", "done")
    assert main(["suggest", "-p", str(project.root), "--patterns", str(places)]) == 0
    assert rows(project, "SELECT text FROM span") == [("Erbil",)]


def test_accept_copies_a_split_quote_in_pieces_with_its_links_as_one_undo_step(
        project: Project) -> None:
    doc = add_text(project, TEXT)
    assert suggest(project, "--attribution") == 0
    first_half = "We will rebuild the school by autumn"
    second_half = "and nobody will be left behind."
    [quote] = [s for s in pending(project.store, doc, "alice") if s.head.label == "CONTENT"]
    assert [TEXT[a:b] for a, b in quote.head.fragments] == [first_half, second_half]
    assert quote.head.text == f"{first_half} {second_half}"  # pieces joined as brat shows
    assert {(t.text, role) for t, role in quote.links} == {("said", "cue"),
                                                           ("the mayor", "source")}
    # alice had marked the cue herself: the accept reuses it, copies the rest
    cue_at = TEXT.index("said")
    own_cue = project.store.add_span(doc, "alice", "CUE", cue_at, cue_at + 4)
    ids, refused = accept(project.store, doc, "alice", [quote])
    assert refused == [] and len(ids) == 3 and own_cue.id in ids
    alice = {s.label: s for s in project.store.spans(doc, "alice")}
    content = alice["CONTENT"]
    assert json.loads(content.fragments) == [list(p) for p in quote.head.fragments]
    assert (content.start, content.end, content.text) == (
        quote.head.start, quote.head.end, quote.head.text)
    links = project.store.links(doc, "alice")
    assert sorted((lk.head_id, lk.tail_id, lk.role) for lk in links) == sorted([
        (content.id, own_cue.id, "cue"), (content.id, alice["SOURCE"].id, "source")])
    log = project.store.actions(doc, "alice")
    assert [a.kind for a in log] == ["add_span", "accept_suggestion"]
    payload = json.loads(log[-1].payload)
    assert payload["sources"] == [ATTRIBUTION]
    assert payload["suggestions"][0]["label"] == "CONTENT"
    assert pending(project.store, doc, "alice") == []
    # one undo removes the whole accept (content, source, two links), not alice's own cue
    assert project.store.undo(doc, "alice") is not None
    assert [s.label for s in project.store.spans(doc, "alice")] == ["CUE"]
    assert project.store.links(doc, "alice") == []
    assert [s.head.fragments for s in pending(project.store, doc, "alice")
            if s.head.label == "CONTENT"] == [quote.head.fragments]
    # and redo brings the content back in its pieces
    assert project.store.redo(doc, "alice") is not None
    again = {s.label: s for s in project.store.spans(doc, "alice")}["CONTENT"]
    assert json.loads(again.fragments) == [list(p) for p in quote.head.fragments]
    assert len(project.store.links(doc, "alice")) == 2


def test_an_own_span_of_another_shape_does_not_hide_a_split_suggestion(
        project: Project) -> None:
    doc = add_text(project, TEXT)
    assert suggest(project, "--attribution") == 0
    [quote] = [s for s in pending(project.store, doc, "alice") if s.head.label == "CONTENT"]
    # one piece over the same outer bounds (the cue inside it) is not the suggested span
    project.store.add_span(doc, "alice", "CONTENT", quote.head.start, quote.head.end,
                           attributes={"type": "direct"})
    [still] = [s for s in pending(project.store, doc, "alice") if s.head.label == "CONTENT"]
    accept(project.store, doc, "alice", [still])
    contents = [s for s in project.store.spans(doc, "alice") if s.label == "CONTENT"]
    assert sorted(s.fragments is not None for s in contents) == [False, True]


def test_rejection_is_remembered_across_reruns_and_per_annotator(project: Project,
                                                                 places: Path) -> None:
    doc = add_text(project, TEXT)
    assert suggest(project, "--patterns", str(places)) == 0
    kirkuk = pending(project.store, doc, "alice")[0]
    assert kirkuk.head.text == "Kirkuk"
    reject(project.store, doc, "alice", kirkuk)
    assert suggest(project, "--patterns", str(places)) == 0
    places.write_text("# label: GPE\nKirkuk\nErbil\nMonday\n", "utf-8")  # forces a rewrite
    assert main(["suggest", "-p", str(project.root), "--docs", "all", "--patterns",
                 f"{places}"]) == 0
    shown = [(s.head.text, s.head.start) for s in pending(project.store, doc, "alice")]
    assert (kirkuk.head.text, kirkuk.head.start) not in shown
    assert ("Erbil", TEXT.index("Erbil")) in shown
    assert any(s.head.start == kirkuk.head.start for s in pending(project.store, doc, "bob"))
    # undo brings the rejected suggestion back
    assert project.store.undo(doc, "alice") is not None
    assert any(s.head.start == kirkuk.head.start for s in pending(project.store, doc, "alice"))


def test_a_span_labelled_by_hand_hides_the_same_suggestion(project: Project,
                                                           places: Path) -> None:
    doc = add_text(project, TEXT)
    assert suggest(project, "--patterns", str(places)) == 0
    start, end = find(TEXT, "Erbil")
    project.store.add_span(doc, "alice", "GPE", start, end)
    assert "Erbil" not in [s.head.text for s in pending(project.store, doc, "alice")]


def test_accept_refuses_what_the_schema_refuses_and_keeps_the_rest(project: Project,
                                                                   places: Path) -> None:
    doc = add_text(project, TEXT)
    assert suggest(project, "--patterns", str(places)) == 0
    with sqlite3.connect(project.store.db.path) as conn:  # a label the schema no longer has
        # (typed in by hand: the database refuses it since layout 0010, so the check goes too)
        conn.execute("DROP TRIGGER span_label_in_schema_update")
        conn.execute("UPDATE span SET label = 'RETIRED' WHERE text = 'Erbil'")
    suggestions = pending(project.store, doc, "alice")
    ids, refused = accept(project.store, doc, "alice", suggestions)
    assert len(refused) == 1 and "RETIRED" in refused[0] and "Erbil" in refused[0]
    assert sorted(s.text for s in project.store.spans(doc, "alice")) == ["Kirkuk", "Kirkuk"]
    assert len(ids) == 2
    with pytest.raises(Exception, match="suggestion source"):
        accept(project.store, doc, "suggest:patterns", suggestions)


def test_exports_carry_provenance_of_accepted_spans(project: Project, places: Path,
                                                    tmp_path: Path) -> None:
    doc = add_text(project, TEXT)
    assert suggest(project, "--patterns", str(places)) == 0
    erbil = next(s for s in pending(project.store, doc, "alice") if s.head.text == "Erbil")
    accept(project.store, doc, "alice", [erbil])
    start, end = find(TEXT, "Monday")
    project.store.add_span(doc, "alice", "DATE", start, end)
    out = tmp_path / "out.jsonl"
    assert main(["export", "jsonl", str(out), "-p", str(project.root), "--status", "all",
                 "--annotator", "alice"]) == 0
    [line] = out.read_text("utf-8").splitlines()
    record = json.loads(line)
    spans = {s["id"]: s["text"] for s in record["spans"]}
    marks = record["meta"]["suggested_spans"]
    assert [(spans[m["id"]], m["source"]) for m in marks] == [("Erbil", PATTERNS)]


def test_cli_refuses_bad_requests_in_one_line(project: Project, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert suggest(project) == 1
    assert "nothing to suggest with" in capsys.readouterr().err
    assert suggest(project, "--patterns", str(tmp_path / "none.txt")) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file" in err
    assert main(["suggest", "-p", str(project.root), "--clear", "--source", "alice"]) == 1
    assert "unknown source" in capsys.readouterr().err


def test_review_adjudicates_people_not_suggestion_sets(project: Project, places: Path) -> None:
    from copydesk.projects.adjudicate import done_annotators, review_queue

    doc = add_text(project, TEXT)
    assert suggest(project, "--patterns", str(places)) == 0
    assert review_queue(project.store) == []
    project.store.set_status(doc, "alice", "done")
    assert done_annotators(project.store, doc) == ["alice"]
    assert [row[0] for row in review_queue(project.store)] == [doc]
