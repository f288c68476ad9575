"""The dashboard in a real terminal at 80x24: 256 colours, 16 colours and NO_COLOR (tmux).

What a lead reads must be in the characters (bar blocks, shades, numbers), whatever the
terminal does with colour; Enter on a document opens review there and q comes back.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from tmux import Tmux, copydesk_command, require_tmux

from copydesk.projects.project import Project

pytestmark = pytest.mark.e2e

TEXT = "Ann of Acme met Bob in Paris ."
ALICE = [("PERSON", 0, 3), ("ORG", 7, 11), ("PERSON", 16, 19), ("GPE", 23, 28)]
BOB = [("PERSON", 0, 3), ("ORG", 16, 19), ("GPE", 20, 28)]
GREYS = {0, 7, 8, 15, 16, 231, *range(232, 256)}
MODES = {
    "256": {"TERM": "xterm-256color"},
    "16": {"TERM": "xterm", "COLORTERM": ""},
    "no_color": {"TERM": "xterm-256color", "NO_COLOR": "1"},
}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dash") / "proj"
    with Project.init(path) as proj:
        store = proj.store
        store.add_documents([
            {"text": TEXT, "content_hash": "a", "title": "Agreed wire story"},
            {"text": TEXT + " ", "content_hash": "b", "title": "Disputed wire story"},
            {"text": "بيان الوزارة في أربيل .", "content_hash": "c", "title": "بيان أربيل"},
        ])
        for doc, who, spans in ((1, "alice", ALICE), (1, "bob", ALICE), (2, "alice", ALICE),
                                (2, "bob", BOB)):
            for label, start, end in spans:
                store.add_span(doc, who, label, start, end)
            store.set_status(doc, who, "done")
        store.add_span(3, "carol", "GPE", 15, 20)
    return path


@pytest.mark.parametrize("mode", list(MODES))
def test_dashboard_reads_in_every_colour_mode(root: Path, mode: str) -> None:
    require_tmux()
    env = {"COPYDESK_ANNOTATOR": "rita", **MODES[mode]}
    with Tmux(copydesk_command("dashboard", "-p", str(root)), width=80, height=24,
              env=env) as term:
        term.wait_for("updated ")
        screen = term.wait_for("Disputed wire story")  # the list fills on the next frame
        lines = screen.splitlines()
        assert len(lines) <= 24 and all(len(line) <= 80 for line in lines)
        for word in ("alice", "bob", "carol", "Edits per day", "Lowest agreement",
                     "Disputed wire story"):
            assert word in screen, (word, screen)
        assert "█ done" in screen and "░ to do" in screen  # the legend: characters
        assert "▓" in screen  # carol's document in progress, by its own block
        disputed = next(line for line in lines if "Disputed" in line)
        assert "0.286" in disputed  # F1 = 2*1 / (4 + 3), the worst first
        term.send("Tab")  # to the charts, then to their end
        time.sleep(0.3)  # a key a person presses after another, not in the same read
        screen = term.capture()
        for _ in range(40):  # a key sent while the figures are being laid out may be spent
            term.send("End")
            time.sleep(0.25)
            screen = term.capture()
            if "bound" in screen:  # the heat map's last column: scrolled all the way
                break
        assert "Label confusion" in screen and "bound" in screen, screen
        assert "none" in screen and "·" in screen  # shades by character
        term.send("Tab")
        time.sleep(0.3)
        term.send("Enter")
        screen = term.wait_for("reviewer: rita")
        assert "#2" in screen
        term.send("q")
        term.wait_for("Lowest agreement")
        if mode == "no_color":
            # Textual shows NO_COLOR as greys: every colour on screen must be one.
            coloured = term._tmux("capture-pane", "-p", "-e", "-t", term.target).stdout
            for n in re.findall(r"[34]8;5;(\d+)", coloured):
                assert int(n) in GREYS, n
            for r, g, b in re.findall(r"[34]8;2;(\d+);(\d+);(\d+)", coloured):
                assert r == g == b, (r, g, b)
        term.send("q")
        term.wait_dead()
