"""How the screens look: SVG snapshots (pytest-textual-snapshot) at 80x24 and 120x40.

A colour, a footer or a right-to-left alignment that changes shows up here even when no other
test reads that cell. After an intended change of looks, review the new pictures and update
them: `python -m pytest tests/test_snapshots.py --snapshot-update` (the report at
`snapshot_report.html` shows old and new side by side).

The projects are built in a fixed folder name under tmp_path and nothing on these screens
shows the path, the date or the user, so the pictures are the same on every machine.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ARTICLE, find

from copydesk.projects.importers import import_paths
from copydesk.projects.project import Project
from copydesk.tui.app.application import CopydeskApp
from copydesk.tui.app.screens.annotate import AnnotateScreen
from copydesk.tui.app.widgets.article_view import ArticleView

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
DEMO = Path(__file__).resolve().parents[1] / "projects" / "demo"


def _project(tmp_path: Path, *paths: Path) -> tuple[Project, list[int]]:
    project = Project.init(tmp_path / "snap")
    ids = import_paths(project.store, list(paths)).document_ids
    return project, ids


async def _loaded(pilot) -> None:
    while not (isinstance(pilot.app.screen, AnnotateScreen)
               and hasattr(pilot.app.screen, "text")):
        await pilot.pause(0.05)
    await pilot.pause()


def _at(needle: str, nth: int = 0) -> Callable:
    async def run(pilot) -> None:
        await _loaded(pilot)
        text = pilot.app.screen.text
        pilot.app.screen.query_one(ArticleView).move_cursor(find(text, needle, nth)[0])
        await pilot.pause()
    return run


@pytest.mark.parametrize("size", SIZES)
def test_english_article_with_labels(snap_compare, tmp_path: Path, size) -> None:
    project, [doc] = _project(tmp_path, ARTICLE)
    text = project.store.document(doc).text
    store = project.store
    for label, needle in (("GPE", "Kirkuk"), ("ORG", "Iraqi forces"), ("PERSON", "Darya Barzinji"),
                          ("Conflict.Attack", "offensive")):
        store.add_span(doc, "snap", label, *find(text, needle))
    app = CopydeskApp(project, "snap", open_document=doc)
    assert snap_compare(app, terminal_size=size, run_before=_at("Darya Barzinji"))


@pytest.mark.parametrize("size", SIZES)
def test_arabic_article(snap_compare, tmp_path: Path, size) -> None:
    project, [doc] = _project(tmp_path, DEMO / "03-flood-statement-ar.txt")
    text = project.store.document(doc).text
    project.store.add_span(doc, "snap", "PERSON", *find(text, "سامر الحداد"))
    app = CopydeskApp(project, "snap", open_document=doc)
    assert snap_compare(app, terminal_size=size, run_before=_at("سامر الحداد"))


@pytest.mark.parametrize("size", SIZES)
def test_split_quote(snap_compare, tmp_path: Path, size) -> None:
    project, [doc] = _project(tmp_path, DEMO / "01-harbour-strike.txt")
    text = project.store.document(doc).text
    store = project.store
    first = find(text, "We have offered every compromise a reasonable employer could ask for,")
    second = find(text, "The authority walked away from the table, not us.")
    quote = store.add_span(doc, "snap", "CONTENT", first[0], second[1],
                           fragments=[first, second], attributes={"type": "direct"})
    source = store.add_span(doc, "snap", "SOURCE", *find(text, "Irena Kostava"))
    cue = store.add_span(doc, "snap", "CUE", *find(text, "said"))
    store.add_link(int(quote.id), int(source.id), "source", "snap")
    store.add_link(int(quote.id), int(cue.id), "cue", "snap")
    app = CopydeskApp(project, "snap", open_document=doc)
    assert snap_compare(app, terminal_size=size, run_before=_at("We have offered"))


@pytest.mark.parametrize("size", SIZES)
def test_tag_mode(snap_compare, tmp_path: Path, size) -> None:
    project, [doc] = _project(tmp_path, DEMO / "02-checkpoint-attack.txt")
    text = project.store.document(doc).text
    for label, needle in (("GPE", "ARDEN PROVINCE"), ("Conflict.Attack", "attacked"),
                          ("PERSON", "Dara Mehrin")):
        project.store.add_span(doc, "snap", label, *find(text, needle))
    app = CopydeskApp(project, "snap", open_document=doc)

    async def run(pilot) -> None:
        await _at("attacked")(pilot)
        await pilot.press("T")
        await pilot.pause()
    assert snap_compare(app, terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES)
def test_suggestions_shown(snap_compare, tmp_path: Path, size) -> None:
    from copydesk.tui.cli.main import main

    project, [doc] = _project(tmp_path, DEMO / "01-harbour-strike.txt")
    project.close()
    assert main(["suggest", "-p", str(tmp_path / "snap"), "--attribution"]) == 0
    project = Project.open(tmp_path / "snap")
    app = CopydeskApp(project, "snap", open_document=doc)

    async def run(pilot) -> None:
        await _loaded(pilot)
        await pilot.press("full_stop")  # to the first suggestion
        await pilot.pause()
    assert snap_compare(app, terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, tmp_path: Path, size) -> None:
    project, [doc] = _project(tmp_path, ARTICLE)
    app = CopydeskApp(project, "snap", open_document=doc)

    async def run(pilot) -> None:
        await _loaded(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
    assert snap_compare(app, terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES)
def test_review(snap_compare, tmp_path: Path, size) -> None:
    from copydesk.tui.app.screens.review import ReviewApp

    project, [doc] = _project(tmp_path, DEMO / "02-checkpoint-attack.txt")
    text = project.store.document(doc).text
    store = project.store
    for who, label in (("ana", "GPE"), ("ben", "LOC")):
        store.add_span(doc, who, label, *find(text, "Kel Tarra"))
        store.add_span(doc, who, "PERSON", *find(text, "Lena Odwar"))
        store.set_status(doc, who, "done")
    app = ReviewApp(project.store, "lead", [doc])

    async def run(pilot) -> None:
        await pilot.pause(0.3)
    assert snap_compare(app, terminal_size=size, run_before=run)
