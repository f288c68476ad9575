"""The annotation screen after a correction (Pilot): review looks and keys, and an article
corrected while it is open."""

from __future__ import annotations

from pathlib import Path

from conftest import add_text, find
from test_tui_annotate import SIZE, loaded, screen, select

from copydesk.projects.docversions import update_document
from copydesk.projects.project import Project
from copydesk.tui.app.application import CopydeskApp
from copydesk.tui.app.widgets.article_view import ArticleView
from copydesk.tui.engine.queue_filter import parse_filter

AR = (Path(__file__).parent / "data" / "versions" / "ar.txt").read_text(encoding="utf-8")
EN = (Path(__file__).parent / "data" / "versions" / "en.txt").read_text(encoding="utf-8")


def _plain(widget) -> str:  # type: ignore[no-untyped-def]
    return str(widget.render())


async def test_review_spans_have_their_look_old_text_and_two_keys(project: Project) -> None:
    s = project.store
    doc = add_text(project, AR, "flood")
    name = s.add_span(doc, "tester", "PERSON", *find(AR, "مرتا أويلاران")).id
    gov = s.add_span(doc, "tester", "PERSON", *find(AR, "بافل سترونين")).id
    place = s.add_span(doc, "tester", "GPE", *find(AR, "تارفيل")).id
    new = AR.replace("أويلاران", "أويلارن").replace("بافل سترونين", "")
    update_document(s, doc, new)
    app = CopydeskApp(project, "tester", open_document=doc)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        view = app.screen.query_one(ArticleView)
        assert view.review_ids == {name, gov}
        assert place not in view.review_ids
        view.move_cursor(find(new, "مرتا")[0])
        await pilot.pause()
        side = _plain(app.screen.query_one("#side-span"))
        # the old text, shown right to left (display order reverses these letters)
        assert "needs review" in side and "was: " + "مرتا أويلاران"[::-1] in side
        await pilot.press("exclamation_mark")
        await pilot.pause()
        assert not s.span(name).needs_review
        assert view.review_ids == {gov}
        # R elsewhere: the next span needing review (the deleted one), then its new place
        view.move_cursor(0)
        await pilot.press("R")
        await pilot.pause()
        assert screen(app)._reselect_id == gov
        view.select(*find(new, "المحافظ"))  # (arrow keys move visually in right-to-left text)
        await pilot.pause()
        await pilot.press("R")
        await pilot.pause()
        fixed = s.span(gov)
        assert (fixed.text, fixed.needs_review) == ("المحافظ", False)
        assert view.review_ids == frozenset()


async def test_article_corrected_while_open_says_so_and_loses_nothing(
        project: Project, tmp_path: Path) -> None:
    doc = add_text(project, EN, "flood")
    app = CopydeskApp(project, "tester", open_document=doc)
    note = "Update: the water is receding.\n\n"
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await select(pilot, EN, "Marta Oyelaran")
        await pilot.press("p")
        await pilot.pause()
        # a lead corrects the article from another process
        with Project.open(project.root) as lead:
            update_document(lead.store, doc, note + EN, who="lead")
        await select(pilot, EN, "Tarvel")  # offsets in the text on screen (the old one)
        await pilot.press("g")
        await pilot.pause()
        line = _plain(app.screen.query_one("#status-line"))
        assert "corrected while you had it open" in line and "not saved" in line
        assert screen(app).text == note + EN
        assert [sp.text for sp in project.store.spans(doc, "tester")] == ["Marta Oyelaran"]
        # the selection is back on the same words in the new text: one key makes the edit
        view = app.screen.query_one(ArticleView)
        assert view.selected_range() == find(note + EN, "Tarvel")
        await pilot.press("g")
        await pilot.pause()
        got = sorted((sp.label, sp.start, sp.text) for sp in project.store.spans(doc, "tester"))
        assert got == sorted([("PERSON", find(note + EN, "Marta Oyelaran")[0], "Marta Oyelaran"),
                              ("GPE", find(note + EN, "Tarvel")[0], "Tarvel")])


def test_queue_filter_needs_review(project: Project) -> None:
    assert parse_filter("needs:review flood").needs_review
    assert parse_filter("is:review").needs_review and not parse_filter("review").needs_review
    s = project.store
    a = add_text(project, EN, "a")
    b = add_text(project, AR, "b")
    s.add_span(a, "tester", "PERSON", *find(EN, "Pavel Strunin"))
    s.add_span(b, "tester", "GPE", *find(AR, "تارفيل"))
    update_document(s, a, EN.replace("Pavel", "Pavlo"))
    assert s.find_documents(needs_review=True, annotator="tester") == {a}
    assert s.find_documents(needs_review=True, annotator="someone") == set()


async def test_corrected_between_first_frame_and_store_open(project: Project, monkeypatch
                                                            ) -> None:
    from copydesk.projects.firstread import read_first_screen

    doc = add_text(project, EN, "flood")
    root, config = project.root, project.config
    project.close()
    first = read_first_screen(root, config, doc, "tester")
    assert first is not None
    monkeypatch.setattr(CopydeskApp, "open_after_first_frame", lambda self: None)
    note = "Update: the water is receding.\n\n"
    app = CopydeskApp(first, "tester")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        view = app.screen.query_one(ArticleView)
        view.move_cursor(find(EN, "Tarvel")[0])
        await pilot.pause()
        with Project.open(root) as lead:  # corrected while only the first frame is up
            update_document(lead.store, doc, note + EN, who="lead")
        await pilot.press("g")  # opens the store, which finds the newer version first
        await pilot.pause()
        assert screen(app).text == note + EN
        assert "corrected while you had it open" in _plain(app.screen.query_one("#status-line")) \
            or "Saved" in _plain(app.screen.query_one("#status-line"))
        assert [(sp.label, sp.text, sp.start) for sp in app.project.store.spans(doc, "tester")] \
            == [("GPE", "Tarvel", find(note + EN, "Tarvel")[0])]
    app.close_project()


def test_review_keys_in_a_real_terminal(project: Project) -> None:
    """tmux: `R` finds the span a correction left needing review, `!` keeps its new place."""
    from tmux import Tmux, copydesk_command, require_tmux

    require_tmux()
    s = project.store
    doc = add_text(project, EN, "flood")
    name = s.add_span(doc, "tester", "PERSON", *find(EN, "Marta Oyelaran")).id
    update_document(s, doc, EN.replace("Oyelaran", "Oyelaram"))
    root = project.root
    project.close()
    with Tmux(copydesk_command("annotate", "-p", str(root), "--doc", str(doc)),
              width=120, height=30) as term:
        term.wait_for("Flood waters")
        term.send("R")
        term.wait_for("Select the new place of this PERSON (was Marta Oyelaran)")
        term.send("!")
        term.wait_for("Kept in its new place")
        term.send("C-q")
        term.wait_dead()
    with Project.open(root) as reopened:
        span = reopened.store.span(name)
        assert (span.text, span.needs_review) == ("Marta Oyelaram", False)
