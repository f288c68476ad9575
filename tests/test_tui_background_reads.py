"""Issue 27 point 5: the screens read the database in worker threads, never in the event loop.

On a slow or remote database (PostgreSQL over a network) a read that takes seconds must not
freeze the screen: while it runs the screen says it is reading and keys are still handled; the
result then appears; and a result that was overtaken by a newer read is dropped, not shown.
Each test holds one store read on a `threading.Event` (a database that does not answer yet) and
lets it go once the keys have been shown to work.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from conftest import add_text, find
from textual.widgets import DataTable, Static

from copydesk.projects.project import Project
from copydesk.tui.app.application import CopydeskApp
from copydesk.tui.app.screens.annotate import AnnotateScreen
from copydesk.tui.app.screens.help import HelpScreen
from copydesk.tui.app.screens.queue import QueueScreen
from copydesk.tui.app.widgets.article_view import ArticleView

SIZE = (120, 40)
ANNOTATOR = "shilan"
# Our own writing.
TEXT = ("Traffic police in Sulaymaniyah closed the Azmar road on Tuesday after a landslide, "
        "a municipal spokesman said.\n")
OTHER = "Farmers near Halabja said the late rain had saved the wheat harvest.\n"
WAIT = 10.0  # seconds: a bound on every wait, never reached when the code is right


def hold(monkeypatch: pytest.MonkeyPatch, obj: object, name: str,
         *, calls: int = 1) -> tuple[threading.Event, threading.Event]:
    """Make the first `calls` calls of `obj.name` wait until the returned `release` event is
    set (a database that has not answered yet); `started` is set once one is waiting. A call
    made on the event loop's thread fails the test: it would freeze the screen."""
    real: Callable[..., Any] = getattr(obj, name)
    release, started = threading.Event(), threading.Event()
    loop_thread = threading.get_ident()
    held = [0]

    def slow(*args: Any, **kwargs: Any) -> Any:
        if held[0] < calls:
            assert threading.get_ident() != loop_thread, f"{name} read on the UI thread"
            held[0] += 1
            started.set()
            assert release.wait(WAIT), "the test never released the read"
        return real(*args, **kwargs)

    monkeypatch.setattr(obj, name, slow)
    return release, started


async def until(pilot, condition: Callable[[], bool]) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.02)


def status_line(app: CopydeskApp) -> str:
    return str(app.screen.query_one("#status-line", Static).content)


async def test_the_document_loads_in_a_worker_while_keys_still_work(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = add_text(project, TEXT, "landslide")
    project.store.add_span(doc, ANNOTATOR, "GPE", *find(TEXT, "Sulaymaniyah"))
    release, started = hold(monkeypatch, project.store, "spans")
    app = CopydeskApp(project, ANNOTATOR, open_document=doc)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, AnnotateScreen) and started.is_set())
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        assert status_line(app) == f"Reading document {doc} from the database…"
        assert not screen.spans and not hasattr(screen, "text")
        # keys are handled while the read waits: one that needs the spans says why it waits,
        await pilot.press("x")
        await pilot.pause()
        assert status_line(app).startswith("Still reading this document's spans")
        # and the help screen opens and closes
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
        release.set()  # the database answers
        await until(pilot, lambda: hasattr(screen, "text") and bool(screen.spans))
        assert screen.text == TEXT
        start, _ = find(TEXT, "Sulaymaniyah")
        assert [s.label for s in screen.view.spans_at(start)] == ["GPE"]
        screen.view.move_cursor(start)
        await pilot.press("x")  # now the key acts: the span is deleted
        await until(pilot, lambda: not screen.spans)
    assert project.store.spans(doc, ANNOTATOR) == []


async def test_a_stale_read_is_dropped(project: Project,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A read overtaken by a newer one (the database came back, the schema changed) is
    dropped when it finally answers: the screen keeps the newer rows."""
    doc = add_text(project, TEXT, "landslide")
    app = CopydeskApp(project, ANNOTATOR, open_document=doc)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, AnnotateScreen)
                    and app.screen.spans == {} and hasattr(app.screen, "text"))
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        real = project.store.spans
        release, started = threading.Event(), threading.Event()

        def old_then_new(*args: Any, **kwargs: Any) -> Any:
            if not started.is_set():  # the first read: answers late, with the old rows
                before = real(*args, **kwargs)
                started.set()
                assert release.wait(WAIT)
                return before
            return real(*args, **kwargs)

        monkeypatch.setattr(project.store, "spans", old_then_new)
        screen.load()  # the first read, held
        await until(pilot, started.is_set)
        # meanwhile another process labels a word, and a newer read is started
        project.store.add_span(doc, ANNOTATOR, "GPE", *find(TEXT, "Sulaymaniyah"))
        screen.load()
        await until(pilot, lambda: len(screen.spans) == 1)
        release.set()  # the old read answers now, without the new span
        await until(pilot, lambda: not any(w.is_running for w in app.workers
                                           if w.group == "annotate-load"))
        await pilot.pause()
        assert [s.label for s in screen.spans.values()] == ["GPE"]


async def test_queue_search_runs_in_a_worker_while_keys_still_work(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    add_text(project, TEXT, "landslide")
    add_text(project, OTHER, "harvest")
    app = CopydeskApp(project, ANNOTATOR)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        table = app.screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 2)
        release, started = hold(monkeypatch, project.store, "find_documents")
        await pilot.press("slash", *"harvest", "enter")
        await until(pilot, started.is_set)
        # the search waits on the database: the table keeps its rows and its keys
        assert table.row_count == 2 and table.cursor_row == 0
        await pilot.press("down")
        await pilot.pause()
        assert table.cursor_row == 1
        release.set()
        await until(pilot, lambda: table.row_count == 1)
        assert "search: 1 of 2 shown" in str(app.screen.query_one("#queue-summary",
                                                                  Static).content)


async def test_the_schema_check_reads_in_a_worker(project: Project,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    doc = add_text(project, TEXT, "landslide")
    app = CopydeskApp(project, ANNOTATOR, open_document=doc)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, AnnotateScreen)
                    and getattr(app.screen, "_loaded", False))
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        release, started = hold(monkeypatch, project.store, "schema_is_current")
        app.check_schema()  # what the 3-second poll does
        await until(pilot, started.is_set)
        app.check_schema()  # the next poll while the first still waits: not a second read
        assert len([w for w in app.workers if w.group == "schema-check"]) == 1
        view = screen.query_one(ArticleView)
        await pilot.press("right")  # the cursor moves while the check waits
        await until(pilot, lambda: view.cursor == 1)
        release.set()
        await until(pilot, lambda: not any(w.is_running for w in app.workers
                                           if w.group == "schema-check"))
        await pilot.pause()
        assert app.is_running and app.database_down is None


async def test_next_document_reads_the_queue_in_a_worker(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """`n` reads the queue to find the next undone document: the keys work meanwhile, and the
    screen moves on when the read answers."""
    doc = add_text(project, TEXT, "landslide")
    other = add_text(project, OTHER, "harvest")
    app = CopydeskApp(project, ANNOTATOR, open_document=doc)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, AnnotateScreen) and app.screen.loaded)
        first = app.screen
        release, started = hold(monkeypatch, project.store, "queue")
        await pilot.press("n")
        await until(pilot, started.is_set)
        view = first.query_one(ArticleView)
        await pilot.press("right")  # still on the first document, and its keys work
        await until(pilot, lambda: view.cursor == 1)
        assert app.screen is first
        release.set()
        await until(pilot, lambda: isinstance(app.screen, AnnotateScreen)
                    and app.screen.doc_id == other and app.screen.loaded)
        assert app.screen.text == OTHER
