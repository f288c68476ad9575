"""A terminal that closes (an SSH connection dropped) ends `copydesk annotate` within seconds,
with every confirmed edit saved; checked in a real terminal (tmux), killing its server."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from tmux import Tmux, copydesk_command, require_tmux

from copydesk.tui.cli.main import main

TEXT = "Flooding hit Kirkuk on Monday, the mayor of Erbil said.\n"


def process_gone(pid: int, timeout: float) -> bool:
    """True once `pid` has ended (a zombie left to a parent that does not reap counts)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def root(tmp_path: Path) -> Path:
    require_tmux()
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc to watch the process")
    root = tmp_path / "p"
    assert main(["init", str(root)]) == 0
    article = tmp_path / "flood.txt"
    article.write_text(TEXT, "utf-8")
    assert main(["import", str(article), "-p", str(root)]) == 0
    return root


def test_closing_the_terminal_after_the_first_frame_ends_the_process(root: Path) -> None:
    for _ in range(2):  # it used to stay for ever 3 times out of 3
        term = Tmux(copydesk_command("annotate", "-p", str(root), "--doc", "1"), width=80,
                    height=24, env={"COPYDESK_ANNOTATOR": "hup"})
        try:
            term.wait_for("Kirkuk")
            pid = term.pid()
        finally:
            term.close()  # the terminal is gone: SIGHUP (and SIGCONT) to the app
        assert process_gone(pid, 10), f"copydesk annotate (pid {pid}) outlived its terminal"


def test_a_confirmed_edit_survives_the_hangup(root: Path) -> None:
    term = Tmux(copydesk_command("annotate", "-p", str(root), "--doc", "1"), width=80,
                height=24, env={"COPYDESK_ANNOTATOR": "hup"})
    try:
        term.wait_for("Kirkuk")
        term.send("g")  # the word under the cursor, labelled GPE
        term.wait_for("Saved GPE")
        pid = term.pid()
    finally:
        term.close()
    assert process_gone(pid, 10)
    with sqlite3.connect(root / "copydesk.db") as conn:
        found = conn.execute("SELECT s.label, s.text, a.annotator FROM span s "
                             "JOIN annotation_set a ON a.id = s.set_id").fetchall()
    assert found == [("GPE", "Flooding", "hup")]
