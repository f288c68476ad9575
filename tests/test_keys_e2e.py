"""Issue 12 in a real terminal (tmux): labels legible at every colour depth, and the two
structures of the sample article in the fewest keys the design allows."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
import yaml
from keys_tasks import (
    EVENT,
    QUOTE,
    SPLIT_QUOTE,
    SPLIT_SENTENCE,
    key_count,
    paragraph_line,
    run_task,
    sentence_presses,
)
from sgr import look_of
from tmux import Tmux, copydesk_command, require_tmux

from copydesk.projects.importers import import_paths
from copydesk.projects.project import Project

pytestmark = pytest.mark.e2e

QUOTE_TARGET = 12  # keys, from the start of the quote's sentence (the target)
EVENT_TARGET = 15

TEXT = "Leyla Aziz met the Harbour Board in Valmora on Tuesday.\n"
WORDS = {"PERSON": "Leyla Aziz", "ORG": "Harbour Board", "GPE": "Valmora"}


def three_label_project(tmp_path: Path, settings: dict | None = None) -> Path:
    root = tmp_path / "proj"
    with Project.init(root) as project:
        path = tmp_path / "leyla.txt"
        path.write_text(TEXT, encoding="utf-8")
        [doc] = import_paths(project.store, [path]).document_ids
        for label, word in WORDS.items():
            start = TEXT.index(word)
            project.store.add_span(doc, "e2e", label, start, start + len(word))
    if settings:
        config = root / "copydesk.yaml"
        data = yaml.safe_load(config.read_text(encoding="utf-8"))
        data["settings"].update(settings)
        config.write_text(yaml.safe_dump(data), encoding="utf-8")
    return root


DEPTHS = {
    "truecolor": {"TERM": "xterm-256color", "COLORTERM": "truecolor"},
    "256 (ssh: no COLORTERM)": {"TERM": "xterm-256color", "COLORTERM": ""},
    "16 (xterm)": {"TERM": "xterm", "COLORTERM": ""},
    "16 (screen)": {"TERM": "screen", "COLORTERM": ""},
    "linux console": {"TERM": "linux", "COLORTERM": ""},
    "NO_COLOR": {"TERM": "xterm-256color", "COLORTERM": "", "NO_COLOR": "1"},
}


@pytest.mark.parametrize("depth", list(DEPTHS))
def test_three_entity_labels_render_three_ways_at_every_depth(tmp_path: Path,
                                                             depth: str) -> None:
    require_tmux()
    root = three_label_project(tmp_path, {"tags": "off"})
    env = {"COPYDESK_ANNOTATOR": "e2e", **DEPTHS[depth]}
    with Tmux(copydesk_command("annotate", "-p", str(root), "--doc", "1"), width=80,
              height=24, env=env) as term:
        term.wait_for("Valmora", timeout=60)
        term.wait_for("3 spans", timeout=30)
        screen = term._tmux("capture-pane", "-p", "-e", "-t", term.target).stdout.splitlines()
        looks = {label: look_of(screen, word) for label, word in WORDS.items()}
        plain = look_of(screen, "met the")
        assert len(set(looks.values())) == 3, looks
        assert plain not in looks.values()
        term.send("C-q")
        term.wait_dead()


def test_tags_name_the_labels_without_colour(tmp_path: Path) -> None:
    """NO_COLOR turns tags on (setting `auto`); `T` turns them off and on again."""
    require_tmux()
    root = three_label_project(tmp_path)
    env = {"COPYDESK_ANNOTATOR": "e2e", "TERM": "xterm-256color", "COLORTERM": "",
           "NO_COLOR": "1"}
    with Tmux(copydesk_command("annotate", "-p", str(root), "--doc", "1"), width=80,
              height=24, env=env) as term:
        deadline = time.monotonic() + 60
        tags = text = ""
        while time.monotonic() < deadline and not tags:  # a whole frame, not one mid-write
            lines = term.capture().splitlines()
            for i, line in enumerate(lines[1:], 1):
                if all(t in line for t in ("▔PERSON", "▔ORG", "▔GPE")):
                    tags, text = line, lines[i - 1]  # the tag row sits under its text row
            time.sleep(0.1)
        assert "Leyla Aziz met" in text, term.capture()
        for word, tag in (("Leyla", "▔PERSON"), ("Harbour", "▔ORG"), ("Valmora", "▔GPE")):
            assert tags.index(tag) == text.index(word)  # under the span's first letter
        term.send("T")
        term.wait_for("Label tags off")
        assert "▔ORG" not in term.capture()
        term.send("C-q")
        term.wait_dead()


def _links(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("""
            SELECT h.label, l.role, t.label, t.text FROM link l
            JOIN span h ON h.id = l.head_id JOIN span t ON t.id = l.tail_id
            ORDER BY l.id""").fetchall()


def test_quote_and_attack_event_in_the_fewest_keys(tmp_path: Path, sample_path: Path,
                                                   sample_text: str) -> None:
    """The issue's two tasks at 80x24 over "SSH" (256 colours): a quote with source, cue and
    type in <= 12 keys, an attack with three arguments in <= 15, each from its sentence start."""
    require_tmux()
    root = tmp_path / "proj"
    with Project.init(root) as project:
        import_paths(project.store, [sample_path])
    counts = {"quote": key_count(QUOTE), "event": key_count(EVENT)}
    assert counts["quote"] <= QUOTE_TARGET and counts["event"] <= EVENT_TARGET, counts
    with Tmux(copydesk_command("annotate", "-p", str(root), "--doc", "1"), width=80,
              height=24, env={"COPYDESK_ANNOTATOR": "e2e", "COLORTERM": ""}) as term:
        term.wait_for("ISIS cells keep", timeout=60)
        for task in (QUOTE, EVENT):
            term.send("C-Home")  # not counted: to the start of the task's sentence
            for _ in range(sentence_presses(sample_text)):
                term.send(")", literal=True)
            term.wait_for(paragraph_line(sample_text), timeout=30)  # the quote's paragraph
            run_task(term, task)
        term.send("C-q")
        term.wait_dead()
    assert _links(root / "copydesk.db") == [
        ("CONTENT", "source", "SOURCE", "Barzinji"),
        ("CONTENT", "cue", "CUE", "told"),
        ("Conflict.Attack", "Attacker", "ORG", "security forces"),
        ("Conflict.Attack", "Target", "ORG", "ISIS"),
        ("Conflict.Attack", "Place", "LOC", "Wadi Tamur"),
    ]
    with sqlite3.connect(root / "copydesk.db") as conn:
        [(text, attrs)] = conn.execute(
            "SELECT text, attributes FROM span WHERE label = 'CONTENT'").fetchall()
    assert text == ("Hardly a night passes without security forces bombing ISIS targets "
                    "in Wadi Tamur")
    assert json.loads(attrs) == {"type": "direct"}


def test_split_quote_in_the_fewest_keys(tmp_path: Path) -> None:
    """A quote split by its source and cue (one CONTENT in two pieces) with source, cue and
    type, at 80x24 in 256 colours, in <= 12 keys from its sentence start."""
    require_tmux()
    demo = Path(__file__).resolve().parents[1] / "projects" / "demo" / "01-harbour-strike.txt"
    text = demo.read_text(encoding="utf-8")
    root = tmp_path / "proj"
    with Project.init(root) as project:
        import_paths(project.store, [demo])
    assert key_count(SPLIT_QUOTE) <= QUOTE_TARGET
    with Tmux(copydesk_command("annotate", "-p", str(root), "--doc", "1"), width=80,
              height=24, env={"COPYDESK_ANNOTATOR": "e2e", "COLORTERM": ""}) as term:
        term.wait_for("Dock workers", timeout=60)
        for _ in range(sentence_presses(text, SPLIT_SENTENCE)):
            term.send(")", literal=True)
        term.wait_for("line 5/", timeout=30)  # the quote's paragraph
        run_task(term, SPLIT_QUOTE)
        term.send("C-q")
        term.wait_dead()
    first = "We have offered every compromise a reasonable employer could ask for"
    second = "The authority walked away from the table, not us."
    with sqlite3.connect(root / "copydesk.db") as conn:
        [(span_text, pieces, attrs)] = conn.execute(
            "SELECT text, fragments, attributes FROM span WHERE label = 'CONTENT'").fetchall()
    a, b = text.index(first), text.index(second)
    assert json.loads(pieces) == [[a, a + len(first)], [b, b + len(second)]]
    assert span_text == f"{first} {second}"
    assert json.loads(attrs) == {"type": "direct"}
    assert _links(root / "copydesk.db") == [
        ("CONTENT", "source", "SOURCE", "Irena Kostava"),
        ("CONTENT", "cue", "CUE", "said"),
    ]

