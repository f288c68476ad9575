"""Keys per structure: the issue-12 tasks typed into the real app in tmux, counted and checked.

    python benchmarks/keys_per_structure.py                 # this checkout ("after")
    python benchmarks/keys_per_structure.py --design before --pythonpath DIR
        # DIR holds copydesk/{schema,projects,exports,tui} of the start commit (03a4801), e.g.
        #   git archive 03a4801 | tar -x -C /tmp/base/src
        #   mkdir -p /tmp/base/pkg/copydesk; ln -s /tmp/base/src/{schema,projects,exports,tui} \\
        #       /tmp/base/pkg/copydesk/

Each task starts at the start of its sentence on tests/data/articles/kirkuk-hamrin-patrols.txt
(80x24, 256 colours as over SSH). A count is printed only when the database afterwards holds
exactly the structure, so a sequence that stopped working cannot report a figure.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from keys_tasks import EVENT, QUOTE, key_count, run_task, sentence_presses  # noqa: E402
from tmux import Tmux, copydesk_command  # noqa: E402

SAMPLE = REPO / "tests" / "data" / "articles" / "kirkuk-hamrin-patrols.txt"

# The fewest keys the start commit allowed (no quote/name/verb motions, no find, `w` stops on
# punctuation, a link needs both spans labelled first and asks for the role in a picker).
BEFORE_QUOTE = [
    (["Right", "v", *["w"] * 14, "c"], "Saved CONTENT"),  # select the inside word by word
    (["w", "w", "s"], "Saved SOURCE"),
    (["w", "i"], "Saved CUE"),
    (["[", "[", "S"], "Move to the source"),           # back to the content, attach source
    (["]", "Enter"], "is the source of"),
    (["j", "C"], "Move to the cue"),                   # jump back along the link, attach cue
    (["]", "]", "Enter"], "is the cue of"),
    (["j", "A"], "Attributes of CONTENT"),
    (["Enter"], "type=direct"),
]
BEFORE_EVENT = [
    ([*["w"] * 7, "v", "w", "w", "o"], "Saved ORG"),    # security forces
    (["1"], "Saved Conflict.Attack"),                  # bombing
    (["w", "o"], "Saved ORG"),                         # ISIS
    (["w", "w", "w", "v", "w", "w", "l"], "Saved LOC"),  # Wadi Zghetoon
    (["[", "[", "[", "a"], "Move to the argument"),
    (["[", "Enter"], "Role in Conflict.Attack"),
    (["Enter"], "is the Attacker of"),
    (["]", "a", "]", "Enter"], "Role in Conflict.Attack"),
    (["Down", "Enter"], "is the Target of"),
    (["[", "a", "]", "]", "Enter"], "Role in Conflict.Attack"),
    (["Down", "Enter"], "is the Place of"),
]

# An entity: "Nashat Shawes" (PERSON) from the start of its sentence.
ENTITY_SENTENCE = "Nashat Shawes, a member"
BEFORE_ENTITY = [(["v", "w", "w", "p"], "Saved PERSON")]
AFTER_ENTITY = [(["P", "p"], "Saved PERSON")]

EXPECTED_LINKS = {
    "entity": [],
    "quote": [("CONTENT", "source", "SOURCE", "Shawes"), ("CONTENT", "cue", "CUE", "told")],
    "event": [("Conflict.Attack", "Attacker", "ORG", "security forces"),
              ("Conflict.Attack", "Target", "ORG", "ISIS"),
              ("Conflict.Attack", "Place", "LOC", "Wadi Zghetoon")],
}


def _links(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("""
            SELECT h.label, l.role, t.label, t.text FROM link l
            JOIN span h ON h.id = l.head_id JOIN span t ON t.id = l.tail_id
            ORDER BY l.id""").fetchall()


def _spans(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT label, text FROM span ORDER BY start").fetchall()


def run(name: str, task: list, env: dict[str, str]) -> int:
    """Type one task into a fresh project; return its key count once the result is right."""
    text = SAMPLE.read_bytes().decode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "proj"
        term_env = {"COPYDESK_ANNOTATOR": "bench", "COLORTERM": "", **env}
        for args in (("init", str(root)), ("import", str(SAMPLE), "-p", str(root))):
            subprocess.run([sys.executable, "-m", "copydesk.tui.cli.main", *args], check=True,
                           env={**os.environ, **term_env}, capture_output=True)
        with Tmux(copydesk_command("annotate", "-p", str(root), "--doc", "1"), width=80,
                  height=24, env=term_env) as term:
            term.wait_for("ISIS remains", timeout=120)
            sentence = ENTITY_SENTENCE if name == "entity" else '"Not a week goes by'
            for _ in range(sentence_presses(text, sentence)):
                term.send(")", literal=True)
            run_task(term, task, timeout=60)
            term.send("C-q")
            term.wait_dead(timeout=60)
        links = _links(root / "copydesk.db")
        if links != EXPECTED_LINKS[name]:
            raise SystemExit(f"{name}: the keys did not make the structure: {links}")
        if name == "entity" and _spans(root / "copydesk.db") != [("PERSON", "Nashat Shawes")]:
            raise SystemExit(f"entity: wrong spans {_spans(root / 'copydesk.db')}")
        if name == "quote":
            with sqlite3.connect(root / "copydesk.db") as conn:
                [(attrs,)] = conn.execute(
                    "SELECT attributes FROM span WHERE label = 'CONTENT'").fetchall()
            if json.loads(attrs) != {"type": "direct"}:
                raise SystemExit(f"quote: type not set: {attrs}")
    return key_count(task)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--design", choices=("before", "after"), default="after")
    parser.add_argument("--pythonpath", default=None,
                        help="run another checkout's copydesk (for --design before)")
    args = parser.parse_args()
    env = {"PYTHONPATH": args.pythonpath} if args.pythonpath else {}
    tasks = ({"entity": BEFORE_ENTITY, "quote": BEFORE_QUOTE, "event": BEFORE_EVENT}
             if args.design == "before" else
             {"entity": AFTER_ENTITY, "quote": QUOTE, "event": EVENT})
    print(f"keys per structure ({args.design}), from the start of the sentence, 80x24")
    for name, task in tasks.items():
        count = run(name, task, env)
        keys = " ".join(k for keys, _ in task for k in keys)
        print(f"{name:6} {count:3} keys   {keys}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
