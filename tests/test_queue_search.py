"""The queue's collection search: parsing the line, the store's query, and the screen."""

from __future__ import annotations

import pytest
from conftest import add_text
from textual.widgets import DataTable

from copydesk.projects.project import Project
from copydesk.tui.app.application import CopydeskApp
from copydesk.tui.engine.queue_filter import FilterError, QueueFilter, parse_filter


def test_parse_filter() -> None:
    assert parse_filter("label:ORG by:alice status:done harbour strike") == QueueFilter(
        text="harbour strike", label="ORG", annotator="alice", status="done")
    assert parse_filter("  ").empty
    assert parse_filter("time: 6pm").text == "time: 6pm"  # not a filter key: just text
    with pytest.raises(FilterError, match="status:finished is not one of"):
        parse_filter("status:finished")


@pytest.fixture
def docs(project: Project) -> list[int]:
    ids = [add_text(project, "Dock workers walk out in Valmora.", "strike"),
           add_text(project, "Floods close the road to Erbil.", "floods"),
           add_text(project, "The Harbour Board met on Tuesday.", "board")]
    store = project.store
    store.add_span(ids[0], "alice", "GPE", 25, 32)
    store.add_span(ids[2], "bob", "ORG", 4, 17)
    store.set_status(ids[2], "bob", "done")
    return ids


def test_find_documents(project: Project, docs: list[int]) -> None:
    find = project.store.find_documents
    assert find(text="ERBIL") == {docs[1]}
    assert find(label="ORG") == {docs[2]}
    assert find(label="GPE", annotator="bob") == set()
    assert find(annotator="alice") == {docs[0]}
    assert find(status="done") == {docs[2]}
    assert find(status="todo", annotator="alice") == {docs[1], docs[2]}  # alice started 1
    assert find(status="in_progress", annotator="alice", text="dock") == {docs[0]}
    assert find() == set(docs)


async def test_queue_search_line_filters_rows(project: Project, docs: list[int]) -> None:
    app = CopydeskApp(project, "bob")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert table.row_count == 3
        await pilot.press("slash", *"status:done", "enter")
        await pilot.pause()
        assert table.row_count == 1
        assert "1 of 3 shown" in str(app.screen.query_one("#queue-summary").render())
        await pilot.press("escape")
        await pilot.pause()
        assert table.row_count == 3
        await pilot.press("F", *"erbil", "enter")
        await pilot.pause()
        assert table.row_count == 1
        # at 80 columns every column is on screen: the title gives way
        assert sum(c.get_render_width(table) for c in table.columns.values()) <= 80
