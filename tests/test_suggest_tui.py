"""Suggestions in the annotation screen: ghosts, one-key accept / reject / accept all (Pilot)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from conftest import add_text
from test_article_view import ViewApp, styles_by_text, view_of

from copydesk.projects.project import Project
from copydesk.tui.app.application import CopydeskApp
from copydesk.tui.app.screens.annotate import AnnotateScreen
from copydesk.tui.app.widgets.article_view import ArticleView
from copydesk.tui.cli.main import main
from copydesk.tui.engine.layout import SpanView

SIZE = (120, 40)
TEXT = ('Flooding hit Kirkuk and Erbil on Monday. "We will rebuild the school by autumn," '
        "the mayor said. Residents of Mosul agreed.")


def rows(project: Project, sql: str) -> list[tuple]:
    with sqlite3.connect(project.store.db.path) as conn:
        return conn.execute(sql).fetchall()


def mine(project: Project) -> list[tuple]:
    return rows(project, "SELECT s.label, s.text FROM span s JOIN annotation_set a "
                         "ON a.id = s.set_id WHERE a.annotator = 'tester' ORDER BY s.start")


async def test_ghosts_are_painted_apart_from_spans_in_every_colour_depth() -> None:
    text = "Ahmed met Leyla in Kirkuk."
    real = SpanView(1, 0, 5, "PERSON", "entity", "#ff8800")
    quote = SpanView(2, 10, 15, "CONTENT", "attribution", "#8888ff")
    app = ViewApp(text, [real, quote])
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        view.set_ghosts([SpanView(-1, 19, 25, "GPE", "entity", "#56b6c2")])
        await pilot.press("ctrl+end")  # the cursor out of the way
        segs = dict(styles_by_text(view, 0))
        ghost = segs["Kirkuk"]
        assert ghost.dim and ghost.italic and ghost.underline
        # Without colour (NO_COLOR, or a 16-colour theme that loses the tint) the ghost still
        # differs from an entity (underline), a quote (italic) and plain text.
        plain = ghost.without_color
        for other in ("Ahmed", "Leyla", " met ", " in "):
            assert segs[other].without_color != plain, other
        assert view.spans_at(20) == []  # a ghost is never a span
        assert [g.label for g in view.ghosts_at(20)] == ["GPE"]


async def test_accept_reject_accept_all_and_undo(project: Project, tmp_path: Path) -> None:
    doc = add_text(project, TEXT, title="floods")
    places = tmp_path / "places.txt"
    places.write_text("# label: GPE\nKirkuk\nErbil\nMosul\n", "utf-8")
    assert main(["suggest", "-p", str(project.root), "--patterns", str(places),
                 "--attribution"]) == 0
    app = CopydeskApp(project, "tester", open_document=doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        view = screen.query_one(ArticleView)
        assert len(screen.suggestions) == 4  # 3 places, 1 quote (with cue and source)
        assert len(view.ghosts) == 6
        assert screen.spans == {}  # ghosts are not annotations
        assert "4 suggestions" in str(screen.query_one("#doc-title").render())

        await pilot.press("full_stop")  # . : first suggestion
        await pilot.pause()
        assert view.cursor == TEXT.index("Kirkuk")
        assert "suggest:patterns" in str(screen.query_one("#status-line").render())
        await pilot.press("plus")  # accept Kirkuk; the cursor moves on to Erbil
        await pilot.pause()
        assert mine(project) == [("GPE", "Kirkuk")]
        assert view.cursor == TEXT.index("Erbil")
        assert "accepted GPE" in str(screen.query_one("#status-line").render())
        await pilot.press("minus")  # reject Erbil
        await pilot.pause()
        assert rows(project, "SELECT label, start, decision FROM suggestion_decision "
                             "WHERE decision = 'rejected'") == [
            ("GPE", TEXT.index("Erbil"), "rejected")]
        assert len(screen.suggestions) == 2
        await pilot.press("asterisk")  # accept all that is left: the quote and Mosul
        await pilot.pause()
        assert mine(project) == [("GPE", "Kirkuk"), ("CONTENT", "We will rebuild the school "
                                 "by autumn"), ("SOURCE", "the mayor"), ("CUE", "said"),
                                 ("GPE", "Mosul")]
        assert len(rows(project, "SELECT l.id FROM link l JOIN annotation_set a ON "
                                 "a.id = l.set_id WHERE a.annotator = 'tester'")) == 2
        assert screen.suggestions == [] and view.ghosts == []
        kinds = [(k, json.loads(p)["sources"]) for k, p in rows(
            project, "SELECT kind, payload FROM action a JOIN annotation_set s ON "
                     "s.id = a.set_id WHERE s.annotator = 'tester' ORDER BY a.id")]
        assert kinds == [("accept_suggestion", ["suggest:patterns"]),
                         ("reject_suggestion", ["suggest:patterns"]),
                         ("accept_suggestion", ["suggest:attribution", "suggest:patterns"])]

        await pilot.press("u")  # one undo takes back the whole accept-all
        await pilot.pause()
        assert mine(project) == [("GPE", "Kirkuk")]
        assert len(screen.suggestions) == 2 and len(view.ghosts) == 4
        await pilot.press("minus")  # the cursor is still on the quote: reject it
        await pilot.pause()
        assert [s.head.text for s in screen.suggestions] == ["Mosul"]
        await pilot.press("ctrl+home", "minus")  # nothing under the cursor: says so
        await pilot.pause()
        assert "No suggestion under the cursor" in str(
            screen.query_one("#status-line").render())
        assert len(rows(project, "SELECT id FROM suggestion_decision")) == 3
        await pilot.press("full_stop", "minus")  # reject the last one, Mosul
        await pilot.pause()
        assert screen.suggestions == [] and view.ghosts == []
        await pilot.press("u")  # undoing a rejection brings its ghost back
        await pilot.pause()
        assert [s.head.text for s in screen.suggestions] == ["Mosul"]
        assert len(view.ghosts) == 1


async def test_a_split_quote_is_one_ghost_in_pieces_accepted_whole_by_one_key(
        project: Project) -> None:
    text = ('"We will rebuild the school by autumn," the mayor said, "and nobody will be '
            'left behind." Residents agreed.')
    first, second = "We will rebuild the school by autumn", "and nobody will be left behind."
    pieces = [[text.index(first), text.index(first) + len(first)],
              [text.index(second), text.index(second) + len(second)]]
    doc = add_text(project, text, title="split")
    assert main(["suggest", "-p", str(project.root), "--attribution"]) == 0
    app = CopydeskApp(project, "tester", open_document=doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        view = screen.query_one(ArticleView)
        assert len(screen.suggestions) == 1
        [content] = [g for g in view.ghosts if g.label == "CONTENT"]
        assert [list(p) for p in content.fragments] == pieces
        gap = text.index("the mayor")
        assert "CONTENT" not in {g.label for g in view.ghosts_at(gap)}  # only pieces painted

        await pilot.press("full_stop", "plus")  # to the quote, accept it with one key
        await pilot.pause()
        contents = rows(project, "SELECT s.fragments, s.text FROM span s JOIN annotation_set a "
                                 "ON a.id = s.set_id WHERE a.annotator = 'tester' AND "
                                 "s.label = 'CONTENT'")
        assert [(json.loads(f), t) for f, t in contents] == [(pieces, f"{first} {second}")]
        assert sorted(label for label, _ in mine(project)) == ["CONTENT", "CUE", "SOURCE"]
        assert len(rows(project, "SELECT l.id FROM link l JOIN annotation_set a ON "
                                 "a.id = l.set_id WHERE a.annotator = 'tester'")) == 2
        assert screen.suggestions == [] and view.ghosts == []

        await pilot.press("u")  # undo, then accept all: the same span in pieces
        await pilot.pause()
        assert mine(project) == [] and len(screen.suggestions) == 1
        await pilot.press("asterisk")
        await pilot.pause()
        contents = rows(project, "SELECT s.fragments FROM span s JOIN annotation_set a "
                                 "ON a.id = s.set_id WHERE a.annotator = 'tester' AND "
                                 "s.label = 'CONTENT'")
        assert [json.loads(f) for (f,) in contents] == [pieces]
