"""The two structures of issue 12, as the keys an annotator presses, for the tmux test and for
`benchmarks/keys_per_structure.py` (one list, so the measured count is the tested count).

Each task starts with the cursor at the start of the sentence that holds the structure (reached
with `)`, not counted) on our own test article, tests/data/articles/kirkuk-hamrin-patrols.txt:

    "Hardly a night passes without security forces bombing ISIS targets in Wadi Tamur,"
    Barzinji told Zagros24.

A step is (keys, text the screen shows once they took effect or None); the wait only keeps the
test in step with the app, it adds no key.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from tmux import Tmux

SENTENCE = '"Hardly a night passes'

Step = tuple[Sequence[str], str | None]

QUOTE: list[Step] = [
    (['"'], None),                        # select inside the quotation marks
    (["c"], "Saved CONTENT"),             # CONTENT (cursor stays on it)
    (["S"], "Adding source"),             # attach a source...
    (["P", "s"], "is the source of CONTENT"),  # ...the next unlabelled name, SOURCE + link
    (["C"], "Adding cue"),                # attach a cue...
    (["V", "i"], "is the cue of CONTENT"),  # ...the next speech verb, CUE + link
    (["A"], "Attributes of CONTENT"),     # attributes picker: type: direct comes first
    (["Enter"], "type=direct"),
]

EVENT: list[Step] = [
    (["F", "b", "o", "Enter"], None),     # find "bo": the cursor lands on "bombing"
    (["1"], "Saved Conflict.Attack"),     # the trigger
    (["a"], "Adding argument"),
    (["B", "B", "o"], "is the Attacker of"),  # select back two words: ORG "security forces"
    (["a"], "Adding argument"),
    (["w", "o"], "is the Target of"),     # ORG "ISIS"
    (["a"], "Adding argument"),
    (["P", "l"], "is the Place of"),      # LOC "Wadi Tamur"
]

# A split quote (issue 11's spans in pieces), on the demo article projects/demo/01: the quote
# "We have offered ... ask for," said Irena Kostava, ... "The authority walked away ..." is one
# CONTENT in two pieces, with its source and cue in the gap. From the start of its sentence:
SPLIT_SENTENCE = '"We have offered'
SPLIT_QUOTE: list[Step] = [
    (['"'], None),                        # select inside the first piece's quotation marks
    (["c"], "Saved CONTENT"),
    (["S"], "Adding source"),
    (["P", "s"], "is the source of CONTENT"),  # Irena Kostava, in the gap
    (["C"], "Adding cue"),
    (["V", "i"], "is the cue of CONTENT"),  # said; the cursor goes back to the content
    (['"'], None),                        # select inside the next quotation: the second piece
    (["&"], "added a piece"),             # add it as a piece of the current span (the CONTENT)
    (["A"], "Attributes of CONTENT"),
    (["Enter"], "type=direct"),
]


def key_count(task: Sequence[Step]) -> int:
    return sum(len(keys) for keys, _ in task)


def sentence_presses(text: str, sentence: str = SENTENCE) -> int:
    """`)` presses from the document start to the start of the sentence holding `sentence`."""
    from copydesk.projects.textutil import TextIndex

    target = text.index(sentence)
    starts = TextIndex(text).sentence_starts
    assert target in starts, "the task's sentence must start there"
    return sum(1 for s in starts if 0 < s <= target)


def paragraph_line(text: str, sentence: str = SENTENCE) -> str:
    """What the status line shows once the cursor is in `sentence`'s paragraph: `line N/M`."""
    from copydesk.projects.textutil import TextIndex

    index = TextIndex(text)
    return f"line {index.line_of(text.index(sentence)) + 1}/{index.line_count}"


def run_task(term: Tmux, task: Sequence[Step], timeout: float = 60.0) -> None:
    for keys, wait in task:
        for key in keys:
            term.send(key, literal=len(key) == 1)
        if wait is not None:
            term.wait_for(wait, timeout=timeout)
        else:
            time.sleep(0.3)  # no visible sign to wait for; the next step's wait re-syncs
