"""Arabic and Sorani in a real terminal that does no bidi (tmux): rows in visual order, and a
word labelled by where it is on screen lands on the right stored offsets."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import regex
from bidi import get_display
from bidi.mirror import MIRRORED
from rich.cells import cell_len
from tmux import REPO, Tmux, copydesk_command, require_tmux

from copydesk.projects.textutil import TextIndex
from copydesk.tui.cli.main import main
from copydesk.tui.engine.bidi import BidiOptions
from copydesk.tui.engine.layout import Layout

pytestmark = pytest.mark.e2e

DEMO = REPO / "projects" / "demo"
ARABIC = DEMO / "03-flood-statement-ar.txt"
SORANI = DEMO / "04-market-reopens-ckb.txt"
_MARKS_FIRST = regex.compile(r"(\p{Mn}+)(\P{Mn})")
_CANON = {ord(k): min(k, v) for k, v in MIRRORED.items()}


def article_lines(screen: str) -> list[str]:
    """The article pane of the annotate screen: rows 1.. up to the side panel's border."""
    lines = screen.splitlines()[1:]
    return [line.split("│")[0].rstrip() for line in lines if "│" in line]


def with_l3(display: str) -> str:
    """UAX #9 rule L3 on ``get_display`` output: a combining mark that the reversal put before
    its right-to-left base goes back after it (a terminal draws a mark on the cell before it).
    Right for these texts, whose marks all sit on Arabic letters."""
    return _MARKS_FIRST.sub(r"\2\1", display)


def match_rows(text: str, lines: list[str]) -> Layout:
    """The layout whose rows, drawn by the bidi algorithm, are exactly the captured rows.

    Each row of the layout is compared with ``get_display`` of that row's own characters (the
    algorithm's output for the row, brackets compared up to mirroring); the view's width is
    not assumed but found.
    """
    for width in range(20, 120):
        layout = Layout(TextIndex(text), width, BidiOptions())
        if len(layout) > len(lines):
            continue
        ok = True
        for row, line in zip(layout.rows, lines, strict=False):
            logical = text[row.start:row.end]
            expected = (with_l3(get_display(logical, base_dir="R")) if row.bidi is not None
                        else logical)
            if line.strip().translate(_CANON) != expected.strip().translate(_CANON):
                ok = False
                break
        if ok:
            return layout
    raise AssertionError("no row width reproduces the screen:\n" + "\n".join(lines))


def make_project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    assert main(["init", str(root)]) == 0
    assert main(["import", str(ARABIC), str(SORANI), "-p", str(root)]) == 0
    return root


def stored_spans(root: Path) -> list[tuple[str, int, int, str]]:
    with sqlite3.connect(root / "copydesk.db") as conn:
        return conn.execute('SELECT label, start, "end", text FROM span').fetchall()


@pytest.mark.parametrize(("doc", "path", "row_with", "nth_from_right"), [
    (1, ARABIC, "سامر", 1),   # Arabic: a word of the spokesman's name, by screen position
    (2, SORANI, "کەریم", 1),  # Sorani: "ئارام کەریم", the second word from the right
])
def test_rtl_article_reads_in_visual_order_and_a_word_picked_on_screen_is_labelled(
        tmp_path: Path, doc: int, path: Path, row_with: str, nth_from_right: int) -> None:
    require_tmux()
    root = make_project(tmp_path)
    text = path.read_text(encoding="utf-8")
    with Tmux(copydesk_command("annotate", "-p", str(root), "--doc", str(doc)), width=100,
              height=30, env={"COPYDESK_ANNOTATOR": "e2e"}) as term:
        screen = term.wait_for("Select with shift+arrows", timeout=60)
        lines = article_lines(screen)
        layout = match_rows(text, lines)  # every row in visual order, as the algorithm says
        rtl_lines = [ln for ln, row in zip(lines, layout.rows, strict=False) if row.rtl]
        assert rtl_lines and len({cell_len(ln) for ln in rtl_lines}) == 1  # flush right

        # Pick a word by where it is on screen: the row showing `row_with`, the
        # `nth_from_right` word from the right edge, read off the captured row.
        y = next(i for i, ln in enumerate(lines) if row_with[::-1] in ln)
        line = lines[y]
        words = line.split()
        word_on_screen = words[len(words) - 1 - nth_from_right]
        word_right = cell_len(line[:line.rindex(word_on_screen) + len(word_on_screen)]) - 1
        row_right = cell_len(line) - 1
        # Keys that reach it on screen: top of the article, down to its row (at the right
        # edge), then one `left` per cell from the row's right edge to the word's right end.
        presses = ["C-Home", *["Down"] * y, *["Left"] * (row_right - word_right)]
        term.send(*presses)
        term.send("p")  # PERSON: labels the word under the cursor
        term.wait_for("PERSON (entity)", timeout=30)  # the side panel: the span is saved
        term.send("C-q")
        term.wait_dead(timeout=30)
    seen = word_on_screen[::-1]  # one RTL run: its stored order is the screen order reversed
    token = TextIndex(text).token_range_at(text.index(seen))
    assert token is not None
    start, end = token  # the word without a comma glued to it on screen
    assert seen.startswith(text[start:end]) and end - start >= len(seen) - 1
    assert stored_spans(root) == [("PERSON", start, end, text[start:end])]


def test_demo_arabic_and_sorani_open_in_visual_order_and_f6_is_remembered(
        tmp_path: Path) -> None:
    require_tmux()
    demo = tmp_path / "demo"
    arabic_title = ARABIC.read_text(encoding="utf-8").splitlines()[0]
    sorani_title = SORANI.read_text(encoding="utf-8").splitlines()[0]
    with Tmux(copydesk_command("demo", "--dir", str(demo)), width=100, height=30,
              env={"COPYDESK_ANNOTATOR": "e2e"}) as term:
        term.wait_for("Dock workers walk out", timeout=60)
        # the queue lists the four pieces in order; the third is the Arabic one
        term.send("Down", "Down", "Enter")
        screen = term.wait_for(get_display(arabic_title, base_dir="R"), timeout=30)
        assert arabic_title not in article_lines(screen)[0]  # not in stored order
        term.send("n")  # the next undone document: the Sorani piece
        term.wait_for(get_display(sorani_title, base_dir="R"), timeout=30)
        term.send("F6")  # visual -> logical, remembered for the project
        screen = term.wait_for("Display: logical", timeout=30)
        assert sorani_title in "\n".join(article_lines(screen))
        term.send("C-q")
        term.wait_dead(timeout=30)
    config = (demo / "copydesk.yaml").read_text(encoding="utf-8")
    assert "bidi_display: logical" in config
