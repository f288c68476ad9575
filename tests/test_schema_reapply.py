"""Re-applying the schema in force writes nothing: no action rows, no history entry, and
`schema undo` still reverts the real change (issue 25)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import add_text, find

from copydesk.projects.project import Project
from copydesk.schema import default_schema_path
from copydesk.tui.cli.main import main

TEXT = "Leyla Aziz said the Ministry of Water Resources would rebuild the bridge in Mosul."


def count(project: Project, sql: str) -> int:
    with sqlite3.connect(project.store.db.path) as conn:
        return int(conn.execute(sql).fetchone()[0])


def test_an_identical_apply_writes_nothing(project: Project, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    for i in range(3):
        doc = add_text(project, f"{TEXT} ({i})")
        project.store.add_span(doc, "ann", "PERSON", *find(TEXT, "Leyla Aziz"))
    v2 = tmp_path / "v2.yaml"
    v2.write_text(default_schema_path().read_text("utf-8").replace('version: "1.0"',
                                                                    'version: "2.0"'), "utf-8")
    root = str(project.root)
    assert main(["schema", "apply", str(v2), "-p", root]) == 0
    actions = count(project, "SELECT count(*) FROM action")
    snapshots = count(project, "SELECT count(*) FROM schema_snapshot")
    capsys.readouterr()
    for _ in range(2):
        assert main(["schema", "apply", str(v2), "-p", root]) == 0
        out = capsys.readouterr().out
        assert "already uses newsroom 2.0" in out and "nothing was written" in out
        assert "applied" not in out
    assert count(project, "SELECT count(*) FROM action") == actions
    assert count(project, "SELECT count(*) FROM schema_snapshot") == snapshots
    assert main(["schema", "history", "-p", root]) == 0
    history = capsys.readouterr().out
    assert len(history.splitlines()) == 1 and "apply 1.0 -> 2.0" in history
    assert main(["schema", "undo", "-p", root]) == 0  # reverts 1.0 -> 2.0, the real change
    assert Project.open(project.root).schema.version == "1.0"
