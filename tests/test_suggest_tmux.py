"""Suggestions in a real terminal: ghosts, + / - / * keys, rows in the database after (tmux)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from tmux import Tmux, copydesk_command, require_tmux

from copydesk.tui.cli.main import main

pytestmark = pytest.mark.e2e


def test_accept_reject_and_accept_all_in_tmux(tmp_path: Path, sample_path: Path,
                                              sample_text: str) -> None:
    require_tmux()
    root = tmp_path / "proj"
    assert main(["init", str(root)]) == 0
    assert main(["import", str(sample_path), "-p", str(root)]) == 0
    places = tmp_path / "places.txt"
    places.write_text("# label: GPE\nKirkuk\n", "utf-8")
    assert main(["suggest", "-p", str(root), "--patterns", str(places), "--attribution"]) == 0
    with sqlite3.connect(root / "copydesk.db") as conn:
        heads = conn.execute(
            "SELECT count(*) FROM span s JOIN annotation_set a ON a.id = s.set_id "
            "WHERE a.annotator LIKE 'suggest:%' AND s.id NOT IN (SELECT tail_id FROM link)"
        ).fetchone()[0]
    assert heads > 3
    with Tmux(copydesk_command("annotate", "-p", str(root)), width=130, height=32,
              env={"COPYDESK_ANNOTATOR": "e2e", "NO_COLOR": "1"}) as term:
        term.wait_for("ISIS cells keep Iraq on edge")
        term.send("Enter")
        term.wait_for(f"{heads} suggestions")
        term.send(".")
        term.wait_for("◌ suggestion")
        term.send("+")
        term.wait_for("Saved: accepted")
        term.send("-")
        term.wait_for("Saved: rejected", timeout=30)
        term.send("*")
        term.wait_for("suggestions (u undoes)", timeout=30)
        term.send("q")
        term.wait_for("documents finished")
        term.send("q")
        term.wait_dead()
    with sqlite3.connect(root / "copydesk.db") as conn:
        kinds = [k for (k,) in conn.execute(
            "SELECT kind FROM action a JOIN annotation_set s ON s.id = a.set_id "
            "WHERE s.annotator = 'e2e' ORDER BY a.id")]
        decisions = conn.execute(
            "SELECT decision, count(*) FROM suggestion_decision GROUP BY decision").fetchall()
        mine = conn.execute("SELECT count(*) FROM span s JOIN annotation_set a ON "
                            "a.id = s.set_id WHERE a.annotator = 'e2e'").fetchone()[0]
    assert kinds == ["accept_suggestion", "reject_suggestion", "accept_suggestion"]
    assert dict(decisions)["rejected"] == 1
    assert mine >= heads - 1  # every head but the rejected one, plus cues and sources
