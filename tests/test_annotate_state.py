"""The annotation screen's Textual-free parts (tui.engine.annotate_state, document_rows), tested
without a terminal: what the search does with each key, the link hint, the next undone
document, and the one read that opens a document."""

from __future__ import annotations

from conftest import add_text, find

from copydesk.projects.project import Project
from copydesk.projects.store import DocumentRow
from copydesk.tui.engine.annotate_state import Pending, SearchState
from copydesk.tui.engine.document_rows import next_undone, read_rows

# Our own writing.
TEXT = "Rescue teams in Duhok reached the village of Zakho Heights before dawn, a medic said.\n"


def test_search_keys_type_find_go_back_and_pass_on() -> None:
    search = SearchState(origin=7, typing=True)
    assert [search.key("D", "D", True), search.key("u", "u", True)] == ["find", "find"]
    assert search.query == "Du"
    assert search.key("backspace", None, False) == "find" and search.query == "D"
    assert search.key("escape", None, False) == "back" and not search.typing
    assert search.key("x", "x", True) == "ignore"  # not typing: the key is not the search's
    search.typing = True
    assert search.key("enter", None, False) == "keep" and not search.typing
    search.typing = True
    assert search.key("down", None, False) == "pass" and not search.typing
    assert search.query == "D"  # a move ends the typing, the query stays for > and <


def test_the_link_hint_names_the_key_and_the_motion() -> None:
    assert Pending("source", 1).hint() == ("Adding source: move to it (P: next name), then s "
                                           "(new span) or enter (existing span); esc cancels.")
    assert "then its label key" in Pending("argument", 1).hint()
    assert "(V: next speech verb), then i" in Pending("cue", 1).hint()


def _row(doc_id: int, status: str) -> DocumentRow:
    return DocumentRow(id=doc_id, title="", external_id=None, length=1, status=status, spans=0)


def test_next_undone_wraps_round_and_goes_back() -> None:
    rows = [_row(1, "done"), _row(2, "todo"), _row(3, "in_progress"), _row(4, "flagged")]
    assert next_undone(rows, 3, 1) == 2  # past the end, round to the start
    assert next_undone(rows, 2, 1) == 3
    assert next_undone(rows, 2, -1) == 3  # backwards, round from the end
    assert next_undone(rows, 9, 1) is None  # not in the queue
    assert next_undone([_row(1, "todo"), _row(2, "done")], 1, 1) is None  # no other undone


def test_one_read_brings_everything_the_screen_shows(project: Project) -> None:
    doc = add_text(project, TEXT, "Duhok rescue")
    other = add_text(project, "Another report.\n", "other")
    store = project.store
    gpe = store.add_span(doc, "ann", "GPE", *find(TEXT, "Duhok"))
    store.add_span(doc, "someone-else", "GPE", *find(TEXT, "Zakho Heights"))
    store.set_status(doc, "ann", "in_progress", None)
    asked = []

    def queue_ids() -> list[int]:
        asked.append(True)
        return [doc, other]

    rows = read_rows(store, doc, "ann", queue_ids, with_document=True)
    assert rows.document is not None and rows.document.text == TEXT
    assert rows.version == (1, rows.document.content_hash)
    assert [(s.id, s.label) for s in rows.spans] == [(gpe.id, "GPE")]  # this annotator's only
    assert rows.links == [] and rows.suggestions == []
    assert (rows.status, rows.progress, rows.queue_ids, asked) == \
        ("in_progress", (0, 2), [doc, other], [True])
    without = read_rows(store, doc, "nobody", lambda: None, with_document=False)
    assert without.document is None and without.spans == [] and without.status == "todo"
