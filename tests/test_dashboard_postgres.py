"""The lead's dashboard and reports on PostgreSQL, connected as a lead's role (row-level
security on), on a real server (tests/pg_server.py); skipped without the binaries."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml

from copydesk.projects.dashboard import NONE, full_figures
from copydesk.projects.project import Project
from copydesk.projects.security import grant
from copydesk.tui.app.screens.dashboard import DashboardApp, DashboardScreen
from copydesk.tui.cli.main import main

TEXT = "Ann of Acme met Bob in Paris ."
ALICE = [("PERSON", 0, 3), ("ORG", 7, 11), ("PERSON", 16, 19), ("GPE", 23, 28)]
BOB = [("PERSON", 0, 3), ("ORG", 16, 19), ("GPE", 20, 28)]


def as_role(url: str, role: str) -> str:
    return f"postgresql://{role}@{url.split('@', 1)[1]}"


def use_role(proj: Path, url: str, role: str) -> None:
    config = proj / "copydesk.yaml"
    data = yaml.safe_load(config.read_text())
    data["database"] = as_role(url, role)
    config.write_text(yaml.safe_dump(data))


@pytest.fixture
def lead_project(tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]) -> Path:
    proj = tmp_path / "proj"
    assert main(["init", str(proj), "--database", pg_url]) == 0
    for name in ("alice", "bob"):
        assert main(["team", "grant", "-p", str(proj), name, "annotator"]) == 0
    capsys.readouterr()
    with Project.open(proj) as owner:
        owner.store.add_documents([{"text": TEXT, "content_hash": "h1", "title": "Acme"}])
        owner.store.db.run_write(lambda s: grant(s.connection(), "lena", "lead"))
    for who, spans in (("alice", ALICE), ("bob", BOB)):
        use_role(proj, pg_url, who)  # each annotator writes their own set under their role
        with Project.open(proj) as project:
            for label, start, end in spans:
                project.store.add_span(1, who, label, start, end)
            project.store.set_status(1, who, "done")
    use_role(proj, pg_url, "lena")
    return proj


def test_the_lead_sees_every_figure(lead_project: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    with Project.open(lead_project) as project:
        assert project.store.db.acting_user() == "lena"
        board = full_figures(project.store)
    assert [p.annotator for p in board.progress] == ["alice", "bob"]
    assert [(p.done, p.total) for p in board.progress] == [(1, 1), (1, 1)]
    assert sum(n for _, n in board.throughput) == 4 + 1 + 3 + 1  # adds and set_status
    conf = board.confusion
    assert conf.count("PERSON", "PERSON") == 1 and conf.count("PERSON", "ORG") == 1
    assert conf.count("ORG", NONE) == 1 and conf.boundary["GPE"] == 1
    assert main(["agreement", "-p", str(lead_project), "--confusion", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["matrix"]["PERSON"]["ORG"] == 1 and data["boundary"]["GPE"] == 1


async def test_the_screen_on_postgresql(lead_project: Path) -> None:
    with Project.open(lead_project) as project:
        app = DashboardApp(project.store, "proj", "lena")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            deadline = time.monotonic() + 20
            while screen.readings < 1 and time.monotonic() < deadline:
                await pilot.pause(0.05)
            assert screen.board is not None and screen.board.complete
            assert [d.doc_id for d in screen.board.lowest] == [1]
