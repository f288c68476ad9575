"""The real app in a real terminal (tmux): keys in, screen out, rows in the database after."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from tmux import Tmux, copydesk_command, require_tmux

from copydesk.projects.textutil import TextIndex
from copydesk.tui.cli.main import main
from copydesk.tui.engine.motions import next_word

pytestmark = pytest.mark.e2e


def make_project(tmp_path: Path, sample_path: Path) -> Path:
    root = tmp_path / "proj"
    assert main(["init", str(root)]) == 0
    assert main(["import", str(sample_path), "-p", str(root)]) == 0
    return root


def word_presses(text: str, target: int) -> int:
    """How many `w` presses take the cursor from the start to `target` (a word start); `w`
    skips punctuation (tui.motions.next_word)."""
    index, offset, presses = TextIndex(text), 0, 0
    while offset < target:
        offset = next_word(index, offset)
        presses += 1
    assert offset == target, "target must be a word start"
    return presses


def test_label_a_span_in_the_sample_article_then_quit(tmp_path: Path, sample_path: Path,
                                                      sample_text: str) -> None:
    require_tmux()
    root = make_project(tmp_path, sample_path)
    start = sample_text.index("Darya Barzinji")
    with Tmux(copydesk_command("annotate", "-p", str(root)), width=100, height=30,
              env={"COPYDESK_ANNOTATOR": "e2e"}) as term:
        term.wait_for("ISIS cells keep Iraq on edge")  # the queue
        term.send("Enter")
        term.wait_for("Select with shift+arrows")
        # One burst, no waiting: typed-ahead keys must be applied in order (a label key once
        # overtook queued cursor moves and labelled the wrong word).
        term.send(*["w"] * word_presses(sample_text, start))
        term.send("v", "w", "w")  # select mode: two words (and the comma `w` skips: trimmed)
        term.send("p")
        screen = term.wait_for("Saved PERSON")
        assert "Darya Barzinji" in screen
        term.send("q")
        term.wait_for("documents finished")
        term.send("q")
        term.wait_dead()
    with sqlite3.connect(root / "copydesk.db") as conn:
        found = conn.execute(
            'SELECT s.label, s.start, s."end", s.text, a.annotator FROM span s '
            "JOIN annotation_set a ON a.id = s.set_id").fetchall()
    assert found == [("PERSON", start, start + len("Darya Barzinji"), "Darya Barzinji", "e2e")]


def test_demo_opens_on_the_bundled_project(tmp_path: Path) -> None:
    require_tmux()
    with Tmux(copydesk_command("demo", "--dir", str(tmp_path / "demo")), width=80,
              height=24, env={"COPYDESK_ANNOTATOR": "e2e"}) as term:
        screen = term.wait_for("Dock workers walk out")
        assert "فيضانات" in screen  # the Arabic piece is listed
        term.send("Enter")
        term.wait_for("VALMORA")
        term.send("C-q")
        term.wait_dead()
