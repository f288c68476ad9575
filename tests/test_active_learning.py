"""Active learning (issue 22): `suggest --model` with an attribution model stores how unsure
it was per document, and the queue sorts "most uncertain first" on `u`."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from textual.widgets import DataTable

from copydesk.projects.bulk import NewDocument, insert_documents
from copydesk.projects.importers import content_hash
from copydesk.projects.project import Project
from copydesk.projects.suggest import MODEL
from copydesk.projects.suggest.evaluate import import_gold, read_gold_files
from copydesk.projects.suggest.uncertainty import load_uncertainty, save_uncertainty
from copydesk.tui.app.application import CopydeskApp
from copydesk.tui.cli.main import main

CORPUS = Path(__file__).parent / "data" / "attribution-news"
LEGACY = Path(__file__).parent / "data" / "legacy-v0.1"


def test_suggest_with_a_model_stores_uncertainty_per_document(
        project: Project, tmp_path: Path) -> None:
    pytest.importorskip("pycrfsuite")
    import_gold(project.store, read_gold_files([CORPUS / "train"]))
    plain = "The weather was mild in the valley on Sunday, and the market stayed open late."
    quoted = '"We will rebuild the bridge by spring," the mayor said on Monday.'
    insert_documents(project.store, [NewDocument(text=t, content_hash=content_hash(t))
                                     for t in (plain, quoted)])
    out = tmp_path / "m"
    assert main(["train", "-p", str(project.root), "--attribution", str(out)]) == 0
    assert main(["suggest", "-p", str(project.root), "--model", str(out)]) == 0
    unsure = load_uncertainty(project.store, MODEL)
    assert len(unsure) == 2 and all(0.0 <= v <= 1.0 for v in unsure.values())
    # re-running replaces the values rather than adding rows
    assert main(["suggest", "-p", str(project.root), "--model", str(out)]) == 0
    with sqlite3.connect(project.store.db.path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM document_uncertainty").fetchone() == (2,)


def test_an_old_project_gets_the_table_on_open(tmp_path: Path) -> None:
    folder = tmp_path / "legacy"
    shutil.copytree(LEGACY, folder)
    with Project.open(folder) as project:
        doc = project.store.document_ids()[0]
        save_uncertainty(project.store, MODEL, {doc: 0.25})
        assert load_uncertainty(project.store, MODEL) == {doc: 0.25}


async def test_queue_sorts_most_uncertain_first(project: Project) -> None:
    texts = ["First article about the port.", "Second article about the floods.",
             "Third article about the council."]
    insert_documents(project.store, [NewDocument(text=t, content_hash=content_hash(t),
                                                 title=t.split()[0]) for t in texts])
    ids = project.store.document_ids()
    save_uncertainty(project.store, MODEL, {ids[1]: 0.4, ids[2]: 0.1})
    app = CopydeskApp(project, "bob")
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DataTable)

        def order() -> list[int]:
            return [int(table.coordinate_to_cell_key((r, 0)).row_key.value)  # type: ignore[arg-type]
                    for r in range(table.row_count)]

        assert order() == ids
        await pilot.press("u")
        await pilot.pause()
        assert order() == [ids[1], ids[2], ids[0]]  # never-scored documents last
        assert "most uncertain first" in str(app.screen.query_one("#queue-summary").render())
        await pilot.press("u")
        await pilot.pause()
        assert order() == ids
