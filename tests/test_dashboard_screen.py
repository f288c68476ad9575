"""The dashboard screen with Pilot: figures arrive from the worker, Enter opens review on the
worst document, the queue reaches it by its key, and it reads again as annotators work."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import DataTable, Sparkline, Static

from copydesk.projects.project import Project
from copydesk.projects.store import Store
from copydesk.tui.app.application import CopydeskApp
from copydesk.tui.app.screens.dashboard import DashboardApp, DashboardScreen
from copydesk.tui.app.screens.review import ReviewScreen

SIZE = (80, 24)
TEXT = "Ann of Acme met Bob in Paris ."
ALICE = [("PERSON", 0, 3), ("ORG", 7, 11), ("PERSON", 16, 19), ("GPE", 23, 28)]
BOB = [("PERSON", 0, 3), ("ORG", 16, 19), ("GPE", 20, 28)]


def mark(store: Store, doc: int, who: str, spans: list[tuple[str, int, int]]) -> None:
    for label, start, end in spans:
        store.add_span(doc, who, label, start, end)
    store.set_status(doc, who, "done")


@pytest.fixture
def team(tmp_path: Path) -> Project:
    proj = Project.init(tmp_path / "proj")
    store = proj.store
    store.add_documents([
        {"text": TEXT, "content_hash": "a", "title": "Agreed story"},
        {"text": TEXT + " ", "content_hash": "b", "title": "Bad\x1b[31m story"},
        {"text": "بيان الوزارة في أربيل .", "content_hash": "c", "title": "بيان"},
    ])
    mark(store, 1, "alice", ALICE)
    mark(store, 1, "bob", ALICE)
    mark(store, 2, "alice", ALICE)
    mark(store, 2, "bob", BOB)
    store.add_span(3, "suggest:patterns", "GPE", 15, 20)
    yield proj
    proj.close()


def shown(widget: Static) -> str:
    out = io.StringIO()
    Console(file=out, width=200, color_system=None).print(widget.content)
    return out.getvalue()


async def settle(pilot, screen: DashboardScreen, *, want: int = 1) -> None:  # type: ignore[no-untyped-def]
    """Wait until the worker has posted `want` complete readings (or fail after 10 s)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        await pilot.pause(0.05)
        if screen.board is not None and screen.board.complete and screen.readings >= want:
            return
    raise AssertionError("the dashboard never finished reading")


async def test_figures_paint_and_enter_reviews_the_worst(team: Project) -> None:
    app = DashboardApp(team.store, "proj", "rita")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        await settle(pilot, screen)
        progress = shown(screen.query_one("#dash-progress", Static))
        assert "alice" in progress and "bob" in progress and "suggest" not in progress
        assert "█" in progress  # done is drawn by its character, not by colour alone
        assert screen.query_one("#dash-sparkline", Sparkline).data[-1] == 19  # edits: 5+5+5+4
        labels = shown(screen.query_one("#dash-labels", Static))
        assert "PERSON" in labels and "ORG" in labels and "GPE" in labels
        confusion = shown(screen.query_one("#dash-confusion", Static))
        assert "none" in confusion and "PERSON" in confusion
        table = screen.query_one("#dash-lowest", DataTable)
        assert table.row_count == 2
        first = [str(c) for c in table.get_row_at(0)]
        assert first[0] == "2" and "\x1b" not in first[3]  # the worst first, title made safe
        table.focus()
        await pilot.press("enter")
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen) and review.doc_id == 2
        assert review.doc_ids == [2, 1]  # n walks on to the next worst
        await pilot.press("q")
        await pilot.pause()
        assert app.screen is screen


async def test_reads_again_as_annotators_work(team: Project) -> None:
    app = DashboardApp(team.store, "proj", "rita", refresh=0.3)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        await settle(pilot, screen)
        assert "carol" not in shown(screen.query_one("#dash-progress", Static))
        mark(team.store, 3, "carol", [("GPE", 15, 20)])  # someone works meanwhile
        await settle(pilot, screen, want=screen.readings + 1)
        assert "carol" in shown(screen.query_one("#dash-progress", Static))


async def test_the_queue_opens_the_dashboard_by_its_key(team: Project) -> None:
    app = CopydeskApp(team, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        await settle(pilot, app.screen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "QueueScreen"


async def test_an_empty_project_says_so(tmp_path: Path) -> None:
    with Project.init(tmp_path / "empty") as proj:
        app = DashboardApp(proj.store, "empty", "rita")
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            await settle(pilot, screen)
            assert "No annotator" in shown(screen.query_one("#dash-progress", Static))
            assert "nothing to compare" in shown(screen.query_one("#dash-labels", Static))
            assert screen.query_one("#dash-lowest", DataTable).row_count == 0


async def test_a_failed_reading_is_said_and_the_next_one_tries_again(
        team: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    import copydesk.tui.app.screens.dashboard as module

    calls = {"n": 0}
    real = module.full_figures

    def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "full_figures", flaky)
    app = DashboardApp(team.store, "proj", "rita")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        deadline = time.monotonic() + 10
        while screen.loading and time.monotonic() < deadline:
            await pilot.pause(0.05)
        assert "disk on fire" in str(screen.query_one("#dash-status", Static).content)
        await pilot.press("r")
        await settle(pilot, screen)
        assert screen.query_one("#dash-lowest", DataTable).row_count == 2


async def test_an_unchanged_project_is_not_counted_again(
        team: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    import copydesk.tui.app.screens.dashboard as module

    calls = {"n": 0}
    real = module.full_figures

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "full_figures", counted)
    app = DashboardApp(team.store, "proj", "rita")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        await settle(pilot, screen)
        await pilot.press("r")
        await settle(pilot, screen, want=2)
        assert calls["n"] == 1  # nothing logged since: the figures stand
        mark(team.store, 3, "carol", [("GPE", 15, 20)])
        await pilot.press("r")
        await settle(pilot, screen, want=3)
        assert calls["n"] == 2
        assert "carol" in shown(screen.query_one("#dash-progress", Static))
