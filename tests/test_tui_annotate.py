"""Pilot drives the annotation screen with keys; the database rows afterwards must be exact."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import add_text, find

from copydesk.projects.importers import import_paths
from copydesk.projects.project import Project
from copydesk.tui.app.application import CopydeskApp
from copydesk.tui.app.screens.annotate import AnnotateScreen
from copydesk.tui.app.screens.picker import ChoicePicker, LabelPicker
from copydesk.tui.app.screens.queue import QueueScreen
from copydesk.tui.app.widgets.article_view import ArticleView
from copydesk.tui.engine.motions import trim_punctuation

SIZE = (120, 40)


def rows(project: Project, sql: str) -> list[tuple]:
    with sqlite3.connect(project.store.db.path) as conn:
        return conn.execute(sql).fetchall()


def spans(project: Project) -> list[tuple]:
    return rows(project, 'SELECT label, layer, start, "end", text FROM span ORDER BY start, id')


@pytest.fixture
def sample_doc(project: Project, sample_path: Path) -> int:
    return import_paths(project.store, [sample_path]).document_ids[0]


def screen(app: CopydeskApp) -> AnnotateScreen:
    assert isinstance(app.screen, AnnotateScreen)
    return app.screen


async def loaded(pilot) -> None:
    """Wait until the annotation screen has its document (slow under load)."""
    while not (isinstance(pilot.app.screen, AnnotateScreen) and hasattr(pilot.app.screen, "text")):
        await pilot.pause(0.05)


async def select(pilot, text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """Put the cursor before `needle` and select it with shift+right, as an annotator would."""
    await loaded(pilot)
    start, end = find(text, needle, nth)
    view = pilot.app.screen.query_one(ArticleView)
    view.clear_selection()
    view.move_cursor(start)
    await pilot.pause()
    for _ in range(end - start):
        await pilot.press("shift+right")
    await pilot.pause()
    assert view.selected_range() == (start, end)
    return start, end


async def goto(pilot, text: str, needle: str, nth: int = 0) -> None:
    await loaded(pilot)
    view = pilot.app.screen.query_one(ArticleView)
    view.clear_selection()
    view.move_cursor(find(text, needle, nth)[0])
    await pilot.pause()


async def test_select_label_relabel_delete_undo_redo(project: Project, sample_doc: int,
                                                     sample_text: str) -> None:
    app = CopydeskApp(project, "tester", open_document=sample_doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, AnnotateScreen)
        start, end = await select(pilot, sample_text, "Darya Barzinji")
        await pilot.press("p")  # PERSON's hotkey
        await pilot.pause()
        assert spans(project) == [("PERSON", "entity", start, end, "Darya Barzinji")]
        await pilot.pause()  # the view's CursorMoved for the new span must not hide "Saved"
        assert "Saved PERSON" in str(screen(app).query_one("#status-line").render())

        # relabel through the picker, filtering as we type
        await goto(pilot, sample_text, "Darya Barzinji")
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, LabelPicker)
        await pilot.press(*"nor")
        await pilot.pause()
        assert [lb.name for lb in app.screen.shown] == ["NORP"]
        await pilot.press("enter")
        await pilot.pause()
        assert spans(project) == [("NORP", "entity", start, end, "Darya Barzinji")]

        await pilot.press("x")
        await pilot.pause()
        assert spans(project) == []
        await pilot.press("u")
        await pilot.pause()
        assert spans(project) == [("NORP", "entity", start, end, "Darya Barzinji")]
        await pilot.press("u")
        await pilot.pause()
        assert spans(project) == [("PERSON", "entity", start, end, "Darya Barzinji")]
        await pilot.press("U")
        await pilot.pause()
        assert spans(project) == [("NORP", "entity", start, end, "Darya Barzinji")]

    # undo survives quitting: a new app on the same database undoes the relabel
    again = CopydeskApp(project, "tester", open_document=sample_doc)
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("u")
        await pilot.pause()
        assert spans(project) == [("PERSON", "entity", start, end, "Darya Barzinji")]
        view = again.screen.query_one(ArticleView)
        assert [(s.label, s.start, s.end) for s in view.spans_at(start)] == \
            [("PERSON", start, end)]


async def test_label_picker_and_word_under_cursor(project: Project, sample_doc: int,
                                                  sample_text: str) -> None:
    app = CopydeskApp(project, "tester", open_document=sample_doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # no selection: the hotkey labels the whole word under the cursor
        await goto(pilot, sample_text, "Kirkuk")
        view = app.screen.query_one(ArticleView)
        view.move_cursor(view.cursor + 2)  # mid-word
        await pilot.press("g")
        await pilot.pause()
        start, end = find(sample_text, "Kirkuk")
        assert spans(project) == [("GPE", "entity", start, end, "Kirkuk")]
        await pilot.pause()  # the cursor is inside the new span: "Saved" must stay visible
        assert "Saved GPE" in str(screen(app).query_one("#status-line").render())

        await select(pilot, sample_text, "Hamrin Mountain range")
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(app.screen, LabelPicker)
        await pilot.press(*"loc")
        await pilot.pause()
        assert app.screen.shown[0].name == "LOC"
        await pilot.press("enter")
        await pilot.pause()
        m_start, m_end = find(sample_text, "Hamrin Mountain range")
        assert ("LOC", "entity", m_start, m_end, "Hamrin Mountain range") in spans(project)


async def test_refused_write_says_so_and_keeps_the_selection(project: Project,
                                                             sample_doc: int,
                                                             sample_text: str) -> None:
    app = CopydeskApp(project, "tester", open_document=sample_doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        selected = await select(pilot, sample_text, "Zagros24")
        await pilot.press("o")
        await pilot.pause()
        await select(pilot, sample_text, "Zagros24")
        await pilot.press("o")  # the same span again: refused
        await pilot.pause()
        status = str(screen(app).query_one("#status-line").render())
        assert "Not saved" in status and "already labelled ORG" in status
        assert screen(app).query_one(ArticleView).selected_range() == selected
        assert len(spans(project)) == 1


async def test_status_changes_and_queue_navigation(project: Project) -> None:
    first = add_text(project, "First story about Valmora.", "First")
    second = add_text(project, "Second story about Saltmere.", "Second")
    third = add_text(project, "Third story.", "Third")
    app = CopydeskApp(project, "tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("n")  # next undone document
        await pilot.pause()
        assert screen(app).doc_id == first
        await pilot.press("D")
        await pilot.pause()
        assert rows(project, "SELECT document_id, status FROM annotation_set") == \
            [(first, "done")]
        await pilot.press("n")
        await pilot.pause()
        assert screen(app).doc_id == second
        await pilot.press("m")
        await pilot.pause()
        await pilot.press("down", "down", "enter")  # flagged
        await pilot.pause()
        await pilot.press(*"garbled ending", "enter")
        await pilot.pause()
        assert rows(project, "SELECT status, comment FROM annotation_set WHERE document_id = "
                             f"{second}") == [("flagged", "garbled ending")]
        await pilot.press("n")
        await pilot.pause()
        assert screen(app).doc_id == third
        await pilot.press("N")  # previous undone: none before it are undone
        await pilot.pause()
        assert screen(app).doc_id == third
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        assert "2 of 3 documents finished" in str(app.screen.query_one("#queue-summary")
                                                  .render())


async def select_at(pilot, start: int, end: int) -> None:
    view = pilot.app.screen.query_one(ArticleView)
    view.clear_selection()
    view.move_cursor(start)
    for _ in range(end - start):
        await pilot.press("shift+right")
    await pilot.pause()
    # what is highlighted is what a label stores: edge punctuation left out (issue 25)
    assert view.selected_range() == trim_punctuation(view.index, start, end)


async def test_event_with_three_arguments_and_an_attribution(project: Project, sample_doc: int,
                                                             sample_text: str) -> None:
    """Issue 4: one event and one attribution built with keys on the sample article."""
    t = sample_text
    quote = "Hardly a night passes without security forces bombing ISIS targets in Wadi Tamur,"
    q = t.index(quote)

    def inside(needle: str) -> tuple[int, int]:
        start = t.index(needle, q)
        return start, start + len(needle)

    app = CopydeskApp(project, "tester", open_document=sample_doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        while not hasattr(app.screen, "text"):  # under load: let the screen load its document
            await pilot.pause(0.05)
        for (start, end), key in [
            (inside("bombing"), "1"), (inside("security forces"), "o"),
            (inside("ISIS targets"), "o"), (inside("Wadi Tamur"), "l"),
            ((q, q + len(quote)), "c"), (inside("Barzinji"), "s"), (inside("told"), "i"),
        ]:
            await select_at(pilot, start, end)
            await pilot.press(key)
            await pilot.pause()
        assert len(spans(project)) == 7

        # the trigger takes three arguments; only the valid roles are offered
        view = screen(app).query_one(ArticleView)
        for needle, wanted in [("security forces", "Attacker"), ("ISIS targets", "Target"),
                               ("Wadi Tamur", "Place")]:
            view.move_cursor(inside("bombing")[0])
            await pilot.press("a")
            view.move_cursor(inside(needle)[0])
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, ChoicePicker)  # two valid roles here: a picker
            offered = {c.value[1] for c in app.screen.choices}
            expected = {"Attacker", "Target"} if needle != "Wadi Tamur" else \
                {"Target", "Place"}
            assert offered == expected
            await pilot.press(*wanted.lower()[:4], "enter")
            await pilot.pause()
    # attribution: content -> source, cue, and the type attribute
        view.move_cursor(q)
        await pilot.press("S")
        view.move_cursor(inside("Barzinji")[0])
        await pilot.press("enter")
        await pilot.pause()
        view.move_cursor(q)
        await pilot.press("C")
        view.move_cursor(inside("told")[0])
        await pilot.press("enter")
        await pilot.pause()
        view.move_cursor(q)
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, ChoicePicker)
        await pilot.press(*"type: direct", "enter")
        await pilot.pause()
        # on the content, its source and cue are highlighted
        view.move_cursor(q + 1)
        await pilot.pause()
        highlighted = {s.text for s in screen(app).spans.values()
                       if s.id in view.highlight_ids}
        assert highlighted == {"Barzinji", "told"}

    links = rows(project, """
        SELECT h.label, h.text, l.role, t.label, t.text FROM link l
        JOIN span h ON h.id = l.head_id JOIN span t ON t.id = l.tail_id ORDER BY l.id""")
    assert links == [
        ("Conflict.Attack", "bombing", "Attacker", "ORG", "security forces"),
        ("Conflict.Attack", "bombing", "Target", "ORG", "ISIS targets"),
        ("Conflict.Attack", "bombing", "Place", "LOC", "Wadi Tamur"),
        # the selection took the comma inside the closing mark; the span leaves it out
        ("CONTENT", quote.rstrip(","), "source", "SOURCE", "Barzinji"),
        ("CONTENT", quote.rstrip(","), "cue", "CUE", "told"),
    ]
    [(attrs,)] = rows(project, "SELECT attributes FROM span WHERE label = 'CONTENT'")
    assert json.loads(attrs) == {"type": "direct", "factuality": "asserted"}  # + schema default
    for label, start, end, text in rows(project, 'SELECT label, start, "end", text FROM span'):
        assert t[start:end] == text, label


async def test_add_argument_refuses_a_span_the_schema_forbids(project: Project,
                                                              sample_doc: int,
                                                              sample_text: str) -> None:
    t = sample_text
    app = CopydeskApp(project, "tester", open_document=sample_doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await select(pilot, t, "bombing")
        await pilot.press("1")
        await select(pilot, t, "told")
        await pilot.press("i")  # a CUE is no argument of an attack
        await pilot.pause()
        await goto(pilot, t, "bombing")
        await pilot.press("a")
        await goto(pilot, t, "told")
        await pilot.press("enter")
        await pilot.pause()
        assert "No valid target" in str(screen(app).query_one("#status-line").render())
        await pilot.press("escape")
        await pilot.pause()
        assert screen(app).pending is None
    assert rows(project, "SELECT count(*) FROM link") == [(0,)]


async def test_delete_a_trigger_removes_its_links_and_undo_restores_both(
        project: Project, sample_doc: int, sample_text: str) -> None:
    t = sample_text
    app = CopydeskApp(project, "tester", open_document=sample_doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await select(pilot, t, "bombing")
        await pilot.press("1")
        await select(pilot, t, "Wadi Tamur")
        await pilot.press("l")
        await goto(pilot, t, "bombing")
        await pilot.press("a")
        await goto(pilot, t, "Wadi Tamur")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChoicePicker)
        await pilot.press(*"place", "enter")
        await pilot.pause()
        assert rows(project, "SELECT role FROM link") == [("Place",)]
        await goto(pilot, t, "bombing")
        await pilot.press("x")
        await pilot.pause()
        assert rows(project, "SELECT count(*) FROM link") == [(0,)]
        assert [s[0] for s in spans(project)] == ["LOC"]
        await pilot.press("u")
        await pilot.pause()
        assert rows(project, "SELECT role FROM link") == [("Place",)]
        assert sorted(s[0] for s in spans(project)) == ["Conflict.Attack", "LOC"]


async def test_help_lists_keys_and_guidelines(project: Project, sample_doc: int) -> None:
    app = CopydeskApp(project, "tester", open_document=sample_doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        keys = str(app.screen.query_one("#help-keys").render())
        guide = str(app.screen.query_one("#help-guidelines").render())
        for description in ("Relabel", "Undo", "Argument", "Select mode"):
            assert description in keys
        for label in project.schema.labels:
            assert label.name in guide



async def test_an_applied_schema_is_picked_up_without_a_restart(project: Project,
                                                                sample_doc: int,
                                                                sample_text: str,
                                                                tmp_path: Path) -> None:
    import re

    from copydesk.projects.migrate import apply_schema

    old = project.schema_path.read_text(encoding="utf-8")
    new = re.sub(r"(?m)^version: .*$", 'version: "2.0"', old)
    new = new.replace("GPE", "PLACE").replace("  PLACE:\n", "  PLACE:\n    renamed_from: GPE\n", 1)
    new_path = tmp_path / "v2.yaml"
    new_path.write_text(new, encoding="utf-8")

    app = CopydeskApp(project, "tester", open_document=sample_doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        start, _ = await select(pilot, sample_text, "Kirkuk")
        await pilot.press("g")
        await pilot.pause()
        # the lead applies the new schema from another process
        with Project.open(project.root) as lead:
            apply_schema(lead, new_path)
        app.check_schema()  # what the app's timer does every few seconds
        view = app.screen.query_one(ArticleView)
        for _ in range(200):  # bounded: the check and the re-read run in workers
            if [s.label for s in view.spans_at(start)] == ["PLACE"]:
                break
            await pilot.pause(0.05)
        assert app.project.store.schema.version == "2.0"
        assert [s.label for s in view.spans_at(start)] == ["PLACE"]
        await select(pilot, sample_text, "Iraq")
        await pilot.press("g")  # the hotkey now makes a PLACE span under schema 2.0
        await pilot.pause()
    assert ("PLACE", *find(sample_text, "Iraq")) in rows(
        project, 'SELECT label, start, "end" FROM span')
