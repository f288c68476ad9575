"""Pilot: the annotation screen's issue-12 behaviour, checked against the database and the
status line (one-key links, undo wording, punctuation, status line, select mode, help, keymap,
quote and name motions)."""

from __future__ import annotations

import sqlite3

import pytest
import yaml
from conftest import add_text

from copydesk.projects.errors import StoreError
from copydesk.projects.project import Project
from copydesk.tui.app.application import CopydeskApp
from copydesk.tui.app.screens.help import HelpScreen
from copydesk.tui.app.widgets.article_view import ArticleView

SIZE = (80, 24)
TEXT = ('Gunmen attacked the Valmora checkpoint on Tuesday, police said. '
        '“We saw three trucks,” Omar Haddad told Radio Valmora.\n')


def rows(project: Project, sql: str) -> list[tuple]:
    with sqlite3.connect(project.store.db.path) as conn:
        return conn.execute(sql).fetchall()


def status(app: CopydeskApp) -> str:
    return str(app.screen.query_one("#status-line").render())


def title(app: CopydeskApp) -> str:
    return str(app.screen.query_one("#doc-title").render())


async def at(pilot, needle: str) -> None:  # type: ignore[no-untyped-def]
    view = pilot.app.screen.query_one(ArticleView)
    view.clear_selection()
    view.move_cursor(TEXT.index(needle))
    await pilot.pause()


@pytest.fixture
def doc(project: Project) -> int:
    return add_text(project, TEXT, "checkpoint")


async def test_one_key_argument_then_one_undo_says_what_it_undid(project: Project,
                                                                 doc: int) -> None:
    app = CopydeskApp(project, "tester", open_document=doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await at(pilot, "attacked")
        await pilot.press("1", "a", "b", "k")  # trigger; argument: the word before, NORP
        await pilot.pause()
        assert rows(project, "SELECT h.text, l.role, t.label, t.text FROM link l JOIN span h "
                    "ON h.id = l.head_id JOIN span t ON t.id = l.tail_id") == \
            [("attacked", "Attacker", "NORP", "Gunmen")]
        view = app.screen.query_one(ArticleView)
        assert view.cursor == TEXT.index("attacked")  # back on the trigger
        assert "is the Attacker of Conflict.Attack" in status(app)
        await pilot.press("u")  # one step: the span and its link
        await pilot.pause()
        assert "undid: label NORP Gunmen + link Attacker Gunmen -> attacked" in status(app)
        assert rows(project, "SELECT label FROM span") == [("Conflict.Attack",)]
        assert rows(project, "SELECT count(*) FROM link") == [(0,)]
        await pilot.press("U")
        await pilot.pause()
        assert "redid: label NORP Gunmen" in status(app)
        assert rows(project, "SELECT count(*) FROM link") == [(1,)]


async def test_link_refuses_a_label_no_role_takes(project: Project, doc: int) -> None:
    app = CopydeskApp(project, "tester", open_document=doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await at(pilot, "attacked")
        await pilot.press("1", "a")
        await at(pilot, "Tuesday")
        await pilot.press("c")  # a quote's CONTENT is no argument of an attack
        await pilot.pause()
        assert "CONTENT cannot be the argument of Conflict.Attack" in status(app)
        assert rows(project, "SELECT label FROM span") == [("Conflict.Attack",)]
        await pilot.press("d")  # DATE can: the Time
        await pilot.pause()
        assert rows(project, "SELECT role FROM link") == [("Time",)]


async def test_quote_source_cue_by_motions(project: Project, doc: int) -> None:
    app = CopydeskApp(project, "tester", open_document=doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await at(pilot, "police")
        await pilot.press("quotation_mark", "c", "S", "P", "s", "C", "V", "i")
        await pilot.pause()
        assert rows(project, "SELECT h.text, l.role, t.text FROM link l JOIN span h "
                    "ON h.id = l.head_id JOIN span t ON t.id = l.tail_id ORDER BY l.id") == [
            ("We saw three trucks", "source", "Omar Haddad"),
            ("We saw three trucks", "cue", "told"),
        ]


async def test_punctuation_alone_is_not_a_span_and_selections_are_trimmed(
        project: Project, doc: int) -> None:
    app = CopydeskApp(project, "tester", open_document=doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await at(pilot, ", police")
        await pilot.press("o")
        await pilot.pause()
        assert "punctuation alone is not a span" in status(app)
        await at(pilot, "Omar")
        await pilot.press("v", "w", "w", "p")  # `w` skips the comma... none here; two words
        await pilot.pause()
        await at(pilot, "Valmora checkpoint")
        await pilot.press("v", "w", "w", "w", "f")  # "Valmora checkpoint on" -> to "Tuesday"
        await pilot.pause()
        assert rows(project, "SELECT label, text FROM span ORDER BY start") == [
            ("FAC", "Valmora checkpoint on"), ("PERSON", "Omar Haddad")]
        await at(pilot, "Tuesday")
        await pilot.press("v", "w", "d")  # "Tuesday," -> the comma is left out
        await pilot.pause()
        assert ("DATE", "Tuesday") in rows(project, "SELECT label, text FROM span")


async def test_status_line_never_describes_a_span_the_cursor_left(project: Project,
                                                                   doc: int) -> None:
    app = CopydeskApp(project, "tester", open_document=doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await at(pilot, "Gunmen")
        await pilot.press("k")
        await pilot.pause()
        assert "Saved NORP" in status(app)
        await pilot.press("w")  # onto "attacked": no span there
        await pilot.pause()
        assert "Gunmen" not in status(app)
        await pilot.press("b")  # back onto the span: described again
        await pilot.pause()
        assert "NORP" in status(app) and "Gunmen" in status(app)


async def test_header_shows_place_select_mode_and_help_at_80x24(project: Project,
                                                                 doc: int) -> None:
    app = CopydeskApp(project, "tester", open_document=doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "? help" in title(app) and "line 1/2" in title(app)
        assert "SELECT" not in title(app)
        await pilot.press("v")
        await pilot.pause()
        assert "SELECT" in title(app)
        await pilot.press("escape")
        await pilot.pause()
        assert "SELECT" not in title(app)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = str(app.screen.query_one("#help-keys").render())
        order = [keys.index(f"\n{group}\n") for group in
                 ("move", "select", "label", "link", "document")]
        assert order == sorted(order)
        assert keys.index("Next quote") < keys.index("\nselect\n")


async def test_tags_toggle_and_find(project: Project, doc: int) -> None:
    app = CopydeskApp(project, "tester", open_document=doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.screen.query_one(ArticleView)
        assert not view.tag_mode  # a colour terminal: tags off by default
        await pilot.press("T")
        assert view.tag_mode
        await pilot.press("F", *"valm", "enter")
        await pilot.pause()
        assert view.cursor == TEXT.index("Valmora")
        await pilot.press("greater_than_sign")
        assert view.cursor == TEXT.index("Valmora", TEXT.index("Valmora") + 1)
        await pilot.press("less_than_sign")
        assert view.cursor == TEXT.index("Valmora")
        await pilot.press("F", "x", "y", "escape")  # esc goes back to where the search began
        await pilot.pause()
        assert view.cursor == TEXT.index("Valmora")


def _set_settings(project: Project, settings: dict) -> None:
    config = project.root / "copydesk.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["settings"].update(settings)
    config.write_text(yaml.safe_dump(data), encoding="utf-8")


async def test_keymap_from_settings_remaps_keys(project: Project, doc: int) -> None:
    _set_settings(project, {"keymap": {"cursor.next_word": "l,ctrl+right",
                                       "annotate.tags": "ctrl+t"}})
    project = Project.open(project.root)  # re-read the settings
    app = CopydeskApp(project, "tester", open_document=doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.screen.query_one(ArticleView)
        await pilot.press("l")  # LOC's hotkey would label; now `l` moves
        await pilot.pause()
        assert view.cursor == TEXT.index("attacked")
        await pilot.press("ctrl+t")
        assert view.tag_mode
        await pilot.press("question_mark")
        await pilot.pause()
        keys = str(app.screen.query_one("#help-keys").render())
        assert "ctrl+t" in keys
    project.close()


def test_startup_and_schema_check_refuse_a_colliding_keymap(project: Project,
                                                             capsys: pytest.CaptureFixture[str]
                                                             ) -> None:
    from copydesk.tui.cli.main import main

    _set_settings(project, {"keymap": {"annotate.delete": "w"}})
    assert main(["annotate", "-p", str(project.root)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "annotate.delete" in err[0] and "cursor.next_word" in err[0]
    assert main(["schema", "check", str(project.root / "schema.yaml")]) == 1
    err = capsys.readouterr().err
    assert "annotate.delete" in err and "cursor.next_word" in err


def test_store_add_span_and_link_is_one_undo_step(project: Project, doc: int) -> None:
    store = project.store
    start = TEXT.index("attacked")
    trigger = store.add_span(doc, "tester", "Conflict.Attack", start, start + 8)
    span, link = store.add_span_and_link(doc, "tester", "NORP", 0, 6, int(trigger.id), "Attacker")
    assert (span.text, link.role, link.tail_id) == ("Gunmen", "Attacker", span.id)
    with pytest.raises(StoreError, match="already labelled"):
        store.add_span_and_link(doc, "tester", "NORP", 0, 6, int(trigger.id), "Attacker")
    with pytest.raises(StoreError):  # a role the label cannot fill: nothing written
        store.add_span_and_link(doc, "tester", "PERSON", 7, 15, int(trigger.id), "Instrument")
    assert len(store.spans(doc, "tester")) == 2
    store.undo(doc, "tester")
    assert [s.text for s in store.spans(doc, "tester")] == ["attacked"]
    assert store.links(doc, "tester") == []
    store.redo(doc, "tester")
    [again] = store.links(doc, "tester")
    assert (again.id, again.tail_id) == (link.id, span.id)  # restored under the same ids


def test_next_name_skips_labelled_runs() -> None:
    """`P` on a line of names: every run in turn, labelled ones skipped."""
    from copydesk.projects.textutil import TextIndex
    from copydesk.tui.engine.motions import next_name

    text = "Talks between Leyla Aziz and the Harbour Board resumed in Erbil."
    index = TextIndex(text)
    found = next_name(index, 0, lambda a, b: text[a:b] == "Harbour Board")
    assert found is not None and text[found[0]:found[1]] == "Leyla Aziz"
    found = next_name(index, found[0], lambda a, b: text[a:b] == "Harbour Board")
    assert found is not None and text[found[0]:found[1]] == "Erbil"


async def test_name_motion_takes_the_name_at_the_cursor_then_moves_on(project: Project,
                                                                      doc: int) -> None:
    app = CopydeskApp(project, "tester", open_document=doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.screen.query_one(ArticleView)
        await at(pilot, "Omar Haddad")
        await pilot.press("P")
        assert view.selected_range() == (TEXT.index("Omar"), TEXT.index(" told"))
        await pilot.press("P")
        start = TEXT.index("Radio Valmora")
        assert view.selected_range() == (start, start + len("Radio Valmora"))
        await pilot.press("V")  # the speech verb after here wraps round to the first one
        start = TEXT.index("said")
        assert view.selected_range() == (start, start + 4)
        await pilot.press("right_curly_bracket")  # no span yet: the next sentence
        assert view.cursor == TEXT.index("“We saw")
