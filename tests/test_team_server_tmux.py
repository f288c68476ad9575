"""The real app in a real terminal while its PostgreSQL server stops and starts (issue 24)."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from pg_server import PgServer
from tmux import Tmux, copydesk_command, require_tmux

from copydesk.tui.cli.main import main

pytestmark = pytest.mark.e2e

TEXT = "Police detained Irena Kostava in Valmora on Tuesday, officials said.\n"


def test_labelling_goes_on_while_the_server_is_down_and_is_saved_when_it_is_back(
        tmp_path: Path, pg_server: PgServer, pg_url: str) -> None:
    require_tmux()
    root = tmp_path / "proj"
    story = tmp_path / "valmora.txt"
    story.write_text(TEXT, encoding="utf-8")
    assert main(["init", str(root), "--database", pg_url]) == 0
    assert main(["import", str(story), "-p", str(root)]) == 0
    with Tmux(copydesk_command("annotate", "-p", str(root)), width=110, height=30) as term:
        term.wait_for("Police detained")  # the queue
        term.send("Enter")
        term.wait_for("Select with shift+arrows")
        term.send("p")
        term.wait_for("Saved PERSON")
        pg_server.stop()
        try:
            # The 3-second schema check meets the outage while the annotator is idle.
            term.wait_for("Waiting for the database (the server is unreachable)", timeout=15)
            term.send("w", "o")  # labelling while it is down
            term.wait_for("1 edit queued")
            term.send("w", "g")
            screen = term.wait_for("2 edits queued")
            assert not term.dead() and "Traceback" not in screen
        finally:
            pg_server.start()
        term.wait_for("Saved GPE", timeout=30)  # the queue drained, in order
        term.send("q")
        term.wait_for("documents finished")
        term.send("q")
        term.wait_dead()
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute('SELECT label, text FROM span ORDER BY id').fetchall()
        adds = conn.execute("SELECT count(*) FROM action WHERE kind = 'add_span'").fetchone()
    assert rows == [("PERSON", "Police"), ("ORG", "detained"), ("GPE", "Irena")]
    assert adds == (3,)  # each saved once
