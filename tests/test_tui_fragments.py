"""A split quote in the annotation screen: label one piece, `&` the other, ctrl+\\ to remove one,
undo/redo, all pieces of the current span highlighted together; Pilot and a real terminal."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import add_text, find
from tmux import Tmux, copydesk_command, require_tmux

from copydesk.projects import fragments as frag
from copydesk.projects.project import Project
from copydesk.projects.textutil import TextIndex
from copydesk.tui.app.application import CopydeskApp
from copydesk.tui.app.screens.annotate import AnnotateScreen
from copydesk.tui.app.widgets.article_view import ArticleView
from copydesk.tui.cli.main import main
from copydesk.tui.engine.motions import next_word

TEXT = ('"Hardly a night goes by without strikes," Barzinji told reporters, "and still they come '
        'back."\nThe harbour stayed shut.\n')
FIRST = find(TEXT, "Hardly a night goes by without strikes")
SECOND = find(TEXT, "and still they come back")
SIZE = (120, 30)


def db_spans(project: Project) -> list[tuple]:
    with sqlite3.connect(project.store.db.path) as conn:
        return conn.execute('SELECT label, start, "end", text, fragments FROM span '
                            "ORDER BY id").fetchall()


async def select(pilot, start: int, end: int) -> None:
    view = pilot.app.screen.query_one(ArticleView)
    view.clear_selection()
    view.move_cursor(start)
    await pilot.pause()
    for _ in range(end - start):
        await pilot.press("shift+right")
    await pilot.pause()
    assert view.selected_range() == (start, end)


def status(app: CopydeskApp) -> str:
    return str(app.screen.query_one("#status-line").render())


def side(app: CopydeskApp) -> str:
    return str(app.screen.query_one("#side-links").render())


def emphasised(view: ArticleView, needle: str) -> bool:
    """Whether the text `needle` is painted with the highlight (overline) on screen row 0."""
    strip = view.render_line(0)
    return any(needle in seg.text and seg.style is not None and seg.style.overline
               for seg in strip)


async def test_add_a_piece_remove_it_undo_and_redo(project: Project) -> None:
    doc = add_text(project, TEXT, "split quote")
    app = CopydeskApp(project, "tester", open_document=doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, AnnotateScreen)
        view = app.screen.query_one(ArticleView)
        await select(pilot, *FIRST)
        await pilot.press("c")  # CONTENT
        await pilot.pause()
        await select(pilot, *SECOND)  # elsewhere: the quote stays the current span
        await pilot.press("ampersand")
        await pilot.pause()
        joined = f"{TEXT[slice(*FIRST)]} {TEXT[slice(*SECOND)]}"
        stored = frag.encode([FIRST, SECOND])
        assert db_spans(project) == [("CONTENT", FIRST[0], SECOND[1], joined, stored)]
        assert "added a piece" in status(app)
        assert f"{FIRST[0]}–{FIRST[1]}, {SECOND[0]}–{SECOND[1]} (2 pieces)" in status(app)
        panel = side(app)
        assert "piece 1" in panel and "piece 2" in panel and "Current span" in panel
        # both pieces highlighted together, the gap (source and cue) not
        assert emphasised(view, "Hardly a night") and emphasised(view, "and still")
        assert not emphasised(view, "Barzinji")

        # the cursor in the gap is on no span; on the second piece it is on the quote
        view.move_cursor(find(TEXT, "Barzinji")[0])
        await pilot.pause()
        assert app.screen.spans_here() == []
        view.move_cursor(SECOND[0] + 4)
        await pilot.pause()
        await pilot.press("ctrl+backslash")
        await pilot.pause()
        assert db_spans(project) == [("CONTENT", *FIRST, TEXT[slice(*FIRST)], None)]
        assert "removed a piece" in status(app)
        await pilot.press("ctrl+backslash")  # one piece left: refused, nothing changes
        await pilot.pause()
        assert "Not saved" in status(app) or "No span in pieces" in status(app)
        assert db_spans(project) == [("CONTENT", *FIRST, TEXT[slice(*FIRST)], None)]

        await pilot.press("u")
        await pilot.pause()
        assert db_spans(project) == [("CONTENT", FIRST[0], SECOND[1], joined, stored)]
        assert "undid" in status(app) and "remove fragment" in status(app)
        assert [v.fragments for v in view.spans] == [(FIRST, SECOND)]
        await pilot.press("U")
        await pilot.pause()
        assert db_spans(project) == [("CONTENT", *FIRST, TEXT[slice(*FIRST)], None)]
        await pilot.press("u")
        await pilot.pause()

    # undo goes on after a restart, from the action log
    app = CopydeskApp(project, "tester", open_document=doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("u")  # undoes adding the piece
        await pilot.pause()
        assert db_spans(project) == [("CONTENT", *FIRST, TEXT[slice(*FIRST)], None)]
        assert "undid" in status(app) and "add fragment" in status(app)


async def test_plus_on_a_span_makes_it_the_target_not_the_spans_crossed(
        project: Project) -> None:
    """Walking from a quote's first half to its second crosses the source and the cue: they
    must not become the span `&` adds to. `&` with no selection picks the target explicitly."""
    doc = add_text(project, TEXT)
    store = project.store
    quote = store.add_span(doc, "tester", "CONTENT", *FIRST)
    store.add_span(doc, "tester", "SOURCE", *find(TEXT, "Barzinji"))
    store.add_span(doc, "tester", "CUE", *find(TEXT, "told"))
    app = CopydeskApp(project, "tester", open_document=doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.screen.query_one(ArticleView)
        await select(pilot, *SECOND)
        await pilot.press("ampersand")  # no current span yet: says how to pick one
        await pilot.pause()
        assert "No current span" in status(app)
        view.clear_selection()
        view.move_cursor(FIRST[0] + 2)
        await pilot.pause()
        await pilot.press("ampersand")  # on the quote, nothing selected: the quote is the target
        await pilot.pause()
        assert "Adding pieces to CONTENT" in status(app)
        for needle in ("Barzinji", "told"):  # cross the source and the cue
            view.move_cursor(find(TEXT, needle)[0])
            await pilot.pause()
        await select(pilot, *SECOND)
        assert "Current span" in side(app) and "CONTENT" in side(app)
        await pilot.press("ampersand")
        await pilot.pause()
        [grown] = [s for s in store.spans(doc, "tester") if s.id == quote.id]
        assert frag.parts_of(grown) == (FIRST, SECOND)
        assert [s.fragments for s in store.spans(doc, "tester") if s.label != "CONTENT"] == [
            None, None]


async def test_plus_without_a_selection_or_span_says_what_to_do(project: Project) -> None:
    doc = add_text(project, TEXT)
    app = CopydeskApp(project, "tester", open_document=doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.screen.query_one(ArticleView).move_cursor(find(TEXT, "Barzinji")[0])
        await pilot.pause()
        await pilot.press("ampersand")
        await pilot.pause()
        assert "Put the cursor on a span" in status(app)
        # overlapping the piece it already has: refused, nothing written
        await select(pilot, *FIRST)
        await pilot.press("c")
        await pilot.pause()
        await select(pilot, FIRST[0] + 7, FIRST[1])  # from "a night"
        await pilot.press("ampersand")
        await pilot.pause()
        assert "Not saved" in status(app) and "overlaps" in status(app)
        assert db_spans(project) == [("CONTENT", *FIRST, TEXT[slice(*FIRST)], None)]


def _presses(text: str, start: int, target: int) -> int:
    """How many `w` presses take the cursor from `start` to `target` (a word start); `w` skips
    punctuation (tui.motions.next_word)."""
    index, offset, presses = TextIndex(text), start, 0
    while offset < target:
        offset = next_word(index, offset)
        presses += 1
    assert offset == target, "target must be a word start"
    return presses


@pytest.mark.e2e
def test_split_quote_in_a_real_terminal(tmp_path: Path) -> None:
    require_tmux()
    root = tmp_path / "proj"
    assert main(["init", str(root)]) == 0
    article = tmp_path / "quote.txt"
    article.write_text(TEXT, encoding="utf-8")
    assert main(["import", str(article), "-p", str(root)]) == 0
    with Tmux(copydesk_command("annotate", "-p", str(root)), width=110, height=30,
              env={"COPYDESK_ANNOTATOR": "e2e"}) as term:
        term.wait_for("documents finished")  # the queue
        term.send("Enter")
        term.wait_for("Select with shift+arrows")
        # word moves to a piece's start, shift+right over it (selections snap to whole words)
        term.send(*["w"] * _presses(TEXT, 0, FIRST[0]))
        term.send(*["S-Right"] * (FIRST[1] - FIRST[0]))
        term.send("c")
        term.wait_for("Saved CONTENT")
        term.send(*["w"] * _presses(TEXT, FIRST[1], SECOND[0]))
        term.send(*["S-Right"] * (SECOND[1] - SECOND[0]))
        term.send("&")
        screen = term.wait_for("added a piece")
        assert "(2 pieces)" in screen
        term.send("q")
        term.wait_for("documents finished")
        term.send("q")
        term.wait_dead()
    with sqlite3.connect(root / "copydesk.db") as conn:
        found = conn.execute('SELECT label, start, "end", text, fragments FROM span').fetchall()
    assert found == [("CONTENT", FIRST[0], SECOND[1],
                      f"{TEXT[slice(*FIRST)]} {TEXT[slice(*SECOND)]}",
                      frag.encode([FIRST, SECOND]))]
