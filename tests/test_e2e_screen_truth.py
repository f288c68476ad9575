"""The annotator's screen never lies (issue 25), in a real terminal at 80x24: every pair of the
default schema's labels looks different at 16 and 256 colours, and under NO_COLOR the tags
name them."""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
import time
from pathlib import Path

import pytest
from sgr import cell_looks, look_of
from tmux import Tmux, copydesk_command, require_tmux

from copydesk.projects.importers import import_paths
from copydesk.projects.project import Project
from copydesk.schema import load_default_schema
from copydesk.tui.cli.main import main

pytestmark = pytest.mark.e2e

# One made-up word per label of the default schema (21 of them), five to a line.
WORDS = ["Ardel", "Bosko", "Cirran", "Dovem", "Elgar", "Fennic", "Gostra", "Harrow", "Ivelin",
         "Jastor", "Kelbic", "Lomarr", "Mivak", "Norsel", "Opral", "Pettik", "Quenno", "Rastav",
         "Selmor", "Tavish", "Ulbrec"]


def every_label_project(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    labels = [lb for lb in load_default_schema().labels]
    assert len(labels) <= len(WORDS)
    lines = [" ".join(WORDS[i:i + 5]) for i in range(0, len(labels), 5)]
    text = "\n".join(lines) + "\n"
    root = tmp_path / "proj"
    word_of: dict[str, str] = {}
    with Project.init(root) as project:
        path = tmp_path / "words.txt"
        path.write_text(text, encoding="utf-8")
        [doc] = import_paths(project.store, [path]).document_ids
        for label, word in zip(labels, WORDS, strict=False):
            start = text.index(word)
            project.store.add_span(doc, "e2e", label.name, start, start + len(word))
            word_of[label.name] = word
    return root, word_of


def _hue(fg: object) -> object:
    """Normal and bright forms of an ANSI colour are one hue (bold is often drawn bright)."""
    if isinstance(fg, str) and fg.startswith("16:"):
        return int(fg[3:]) % 10
    return fg


def _reliable(look: tuple, depth: str) -> tuple:
    state = dict(look)
    fg = _hue(state.get("fg")) if depth == "16" else state.get("fg")
    return (fg, state.get("bg"), bool(state.get("underline") or state.get("underline2")),
            bool(state.get("italic")), bool(state.get("reverse")))


@pytest.mark.parametrize("depth, env", [
    ("16", {"TERM": "xterm", "COLORTERM": ""}),
    ("256", {"TERM": "xterm-256color", "COLORTERM": ""}),
])
def test_every_pair_of_default_labels_differs_by_more_than_brightness(
        tmp_path: Path, depth: str, env: dict[str, str]) -> None:
    require_tmux()
    root, word_of = every_label_project(tmp_path)
    with Tmux(copydesk_command("annotate", "-p", str(root), "--doc", "1"), width=80,
              height=24, env={"COPYDESK_ANNOTATOR": "e2e", **env}) as term:
        term.wait_for(WORDS[0], timeout=60)
        term.wait_for(f"{len(word_of)} spans", timeout=30)
        if "▔" in term.capture():  # tags are on only when looks cannot tell labels apart
            pytest.fail(f"tags turned on at {depth} colours:\n{term.capture()}")
        screen = term._tmux("capture-pane", "-p", "-e", "-t", term.target).stdout.splitlines()[1:]
        looks = {label: _reliable(look_of(screen, word[1:]), depth)
                 for label, word in word_of.items()}  # (not row 0, the title; not
                 # the first letter, which may hold the cursor)
        same = [(a, b) for a, b in itertools.combinations(looks, 2) if looks[a] == looks[b]]
        assert not same, (same, looks)
        term.send("C-q")
        term.wait_dead()


def test_no_color_names_every_label_with_a_tag(tmp_path: Path) -> None:
    """NO_COLOR has only underline and italic to combine: every label gets its tag instead,
    and no two tags of the default schema read the same."""
    require_tmux()
    root, word_of = every_label_project(tmp_path)
    env = {"COPYDESK_ANNOTATOR": "e2e", "TERM": "xterm-256color", "COLORTERM": "",
           "NO_COLOR": "1"}
    with Tmux(copydesk_command("annotate", "-p", str(root), "--doc", "1"), width=80,
              height=24, env=env) as term:
        term.wait_for(WORDS[0], timeout=60)
        deadline = time.monotonic() + 30
        tags: dict[str, str] = {}
        while time.monotonic() < deadline and len(tags) < len(word_of):
            lines = term.capture().splitlines()
            tags = {}
            label_of = {word: label for label, word in word_of.items()}
            for above, line in itertools.pairwise(lines[1:]):
                if "▔" in line:  # a tag row: its tags in the order of the spans above them
                    for word, tag in zip(above.split(), re.findall(r"▔(\S+)", line),
                                         strict=False):
                        tags[label_of.get(word, word)] = tag
            time.sleep(0.1)
        assert set(tags) == set(word_of), term.capture()
        assert len(set(tags.values())) == len(tags), tags
        term.send("C-q")
        term.wait_dead()


PLAIN = "The Harbour Board met in Valmora, said Leyla Aziz on Tuesday.\n"


def plain_project(tmp_path: Path, text: str = PLAIN) -> Path:
    root = tmp_path / "plain"
    with Project.init(root) as project:
        path = tmp_path / "plain.txt"
        path.write_text(text, encoding="utf-8")
        import_paths(project.store, [path])
    return root


def db_spans(root: Path) -> list[tuple]:
    with sqlite3.connect(root / "copydesk.db") as conn:
        return conn.execute('SELECT label, start, "end", text FROM span ORDER BY start').fetchall()


def text_row(term: Tmux, needle: str) -> list[tuple[str, tuple]]:
    for line in term._tmux("capture-pane", "-p", "-e", "-t", term.target).stdout.splitlines()[1:]:
        cells = cell_looks(line)
        if needle in "".join(ch for ch, _ in cells):
            return cells
    raise AssertionError(f"{needle!r} not on screen:\n{term.capture()}")


def highlighted(cells: list[tuple[str, tuple]]) -> str:
    """The selection: reverse-video cells that are not the cursor (the cursor adds bold)."""
    return "".join(ch for ch, look in cells
                   if dict(look).get("reverse") and not dict(look).get("bold"))


def wait_until(check, timeout: float = 20.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


@pytest.mark.parametrize("env", [{"TERM": "xterm-256color", "COLORTERM": ""},
                                 {"TERM": "xterm", "COLORTERM": ""},
                                 {"TERM": "xterm-256color", "COLORTERM": "", "NO_COLOR": "1"}],
                         ids=["256", "16", "NO_COLOR"])
def test_the_highlight_is_what_a_label_stores_and_goes_after_labelling(
        tmp_path: Path, env: dict[str, str]) -> None:
    require_tmux()
    root = plain_project(tmp_path)
    with Tmux(copydesk_command("annotate", "-p", str(root), "--doc", "1"), width=80,
              height=24, env={"COPYDESK_ANNOTATOR": "e2e", **env}) as term:
        term.wait_for("Valmora", timeout=60)
        term.send("w", "w", "w", "w", "w")  # The Harbour Board met in |Valmora
        for _ in range(len("Valmora,")):
            term.send("S-Right")
        # the comma was selected too, but a label key leaves it out: so does the highlight
        shown = wait_until(lambda: highlighted(text_row(term, "Valmora")) == "Valmora")
        assert shown, highlighted(text_row(term, "Valmora"))
        term.send("g")
        assert wait_until(lambda: db_spans(root)) == [("GPE", 25, 32, "Valmora")]
        assert wait_until(lambda: highlighted(text_row(term, "Valmora")) == ""), term.capture()
        term.send("C-q")
        term.wait_dead()


def test_a_failed_motion_moves_nothing_and_a_label_key_then_makes_no_span(
        tmp_path: Path) -> None:
    require_tmux()
    root = plain_project(tmp_path)  # no quotation marks anywhere
    with Tmux(copydesk_command("annotate", "-p", str(root), "--doc", "1"), width=80,
              height=24, env={"COPYDESK_ANNOTATOR": "e2e", "COLORTERM": ""}) as term:
        term.wait_for("Valmora", timeout=60)
        term.send("w")  # on "Harbour"
        term.send('"', literal=True)  # next quote: there is none
        term.wait_for("No further quotation marks")
        term.send("p")  # PERSON: must not land on "Harbour"
        term.wait_for("Not labelled: the last motion found nothing")
        term.send("]")  # next span: there is none either
        term.wait_for("No span further on")
        term.send("o")
        term.wait_for("Not labelled")
        time.sleep(0.5)
        assert db_spans(root) == []
        term.send("S-Right", "S-Right")  # a selection made after it stays, and labels
        term.send('"', literal=True)
        term.wait_for("No further quotation marks")
        term.send("o")
        assert wait_until(lambda: db_spans(root)) == [("ORG", 4, 11, "Harbour")]  # snapped
        term.send("C-q")
        term.wait_dead()


def test_new_spans_get_schema_defaults_and_the_dialog_shows_the_current_value(
        tmp_path: Path) -> None:
    require_tmux()
    root = plain_project(tmp_path, "Gunmen attacked the Valmora depot on Tuesday.\n")
    with Tmux(copydesk_command("annotate", "-p", str(root), "--doc", "1"), width=80,
              height=24, env={"COPYDESK_ANNOTATOR": "e2e", "COLORTERM": ""}) as term:
        term.wait_for("Valmora", timeout=60)
        term.send("w")  # on "attacked"
        term.send("1")  # Conflict.Attack: the schema's default realis is "actual"
        assert wait_until(lambda: db_spans(root)) == [("Conflict.Attack", 7, 15, "attacked")]
        with sqlite3.connect(root / "copydesk.db") as conn:
            [(attrs,)] = conn.execute("SELECT attributes FROM span").fetchall()
        assert json.loads(attrs) == {"realis": "actual"}
        term.send("A")
        screen = term.wait_for("now: realis=actual")
        assert "realis: actual  ✓ current" in screen
        term.send("Down", "Enter")  # realis: generic
        term.wait_for("Saved: Conflict.Attack realis=generic")
        term.send("A")
        term.wait_for("now: realis=generic")
        term.send("Escape")
        term.send("C-q")
        term.wait_dead()


ARABIC = "أعلنت بلدية مدينة الموصل أن الطريق سيفتح يوم الثلاثاء.\n"
PLACE = "مدينة الموصل"


@pytest.mark.parametrize("width, height", [(80, 24), (120, 30)])
def test_arabic_suggestion_text_is_shown_in_visual_order(tmp_path: Path, width: int,
                                                         height: int) -> None:
    """The status line (and the side panel, when the screen is wide enough to show it) give a
    suggestion's Arabic text in the order the article shows it, not in stored order."""
    require_tmux()
    from bidi import get_display

    root = plain_project(tmp_path, ARABIC)
    places = tmp_path / "places.txt"
    places.write_text(f"# label: GPE\n{PLACE}\n", encoding="utf-8")
    assert main(["suggest", "-p", str(root), "--patterns", str(places)]) == 0
    visual = get_display(PLACE)
    assert visual != PLACE
    with Tmux(copydesk_command("annotate", "-p", str(root), "--doc", "1"), width=width,
              height=height, env={"COPYDESK_ANNOTATOR": "e2e", "COLORTERM": ""}) as term:
        term.wait_for("1 suggestion", timeout=60)
        term.send(".")  # to the suggestion: the status line describes it
        screen = term.wait_for("◌ suggestion")
        described = [line for line in screen.splitlines() if "◌ suggestion" in line]
        assert described and all(visual in line and PLACE not in line for line in described), \
            screen
        term.send("C-q")
        term.wait_dead()


def test_cosmetics_one_span_one_quit_search_wrap_said_and_help_wraps_between_words(
        tmp_path: Path) -> None:
    require_tmux()
    root = plain_project(tmp_path)
    with Tmux(copydesk_command("annotate", "-p", str(root), "--doc", "1"), width=80,
              height=24, env={"COPYDESK_ANNOTATOR": "e2e", "COLORTERM": ""}) as term:
        term.wait_for("0 spans", timeout=60)
        term.send("w", "o")  # ORG on "Harbour"
        term.wait_for("·  1 span  ·")  # not "1 spans"
        # `>` past the last match goes back to the first, and says so
        term.send("F")
        term.send("Valmora", literal=True)
        term.send("Enter")
        term.send(">")
        term.wait_for("Search wrapped to the top: Valmora")
        # help: guideline lines break between words and continue at their indent
        term.send("?")
        term.wait_for("Keys (esc closes)")
        screen = ""
        for _ in range(120):  # scroll until PERSON's guideline is whole on screen
            screen = term.capture()
            rows = [i for i, line in enumerate(screen.splitlines()) if "[p] ■ PERSON" in line]
            if rows and rows[0] < 10:
                break
            term.send("Down")
            time.sleep(0.03)
        inside = [line.split("█")[1] if line.count("█") >= 2 else "" for line in
                  screen.splitlines()]
        at = next(i for i, line in enumerate(inside) if "[p] ■ PERSON" in line)
        body = []
        for line in inside[at + 1:]:
            if not line.startswith("      "):  # the guideline's own indent, to its end
                break
            body.append(line.rstrip(" ▁▂▃▄▅▆▇▀").strip())  # without the scrollbar's thumb
        guideline = " ".join(load_default_schema().label("PERSON").guideline.split())
        assert body and guideline.startswith(" ".join(body)), (body, guideline)
        term.send("?")  # closes the help (escape then q would read as alt+q)
        assert wait_until(lambda: "Schema newsroom" not in term.capture())
        term.send("q")  # to the queue: its footer says Quit once
        footer = term.wait_for("Next undone").splitlines()[-1]
        assert footer.count("Quit") == 1, footer
        term.send("C-q")
        term.wait_dead()


def test_source_and_cue_between_the_pieces_of_a_split_quote_are_found(tmp_path: Path) -> None:
    """P and V skipped the whole outer range of a split quote, so its source and cue, which sit
    between the pieces, could not be found once the quote had its second piece."""
    require_tmux()
    text = '"The dam will hold," said engineer Sora Mext, "until the spring floods."\n'
    root = plain_project(tmp_path, text)
    with Tmux(copydesk_command("annotate", "-p", str(root), "--doc", "1"), width=80,
              height=24, env={"COPYDESK_ANNOTATOR": "e2e", "COLORTERM": ""}) as term:
        term.wait_for("Sora Mext", timeout=60)
        term.send('"', literal=True)  # inside the first quotation marks
        term.send("c")
        term.wait_for("Saved CONTENT")
        term.send('"', literal=True)  # the second piece
        term.send("&")
        term.wait_for("added a piece")
        term.send("C-Home", "w")  # back onto the quote
        term.send("S")
        term.wait_for("Adding source")
        term.send("P", "s")
        term.wait_for("is the source of CONTENT")
        term.send("C")
        term.wait_for("Adding cue")
        term.send("V", "i")
        term.wait_for("is the cue of CONTENT")
        term.send("C-q")
        term.wait_dead()
    with sqlite3.connect(root / "copydesk.db") as conn:
        links = conn.execute(
            "SELECT l.role, t.text FROM link l JOIN span t ON t.id = l.tail_id "
            "ORDER BY l.role").fetchall()
        [(pieces,)] = conn.execute("SELECT fragments FROM span WHERE label = 'CONTENT'")
    assert links == [("cue", "said"), ("source", "Sora Mext")]
    assert len(json.loads(pieces)) == 2
