"""Our UAX #9 (tui/engine/uba.py) against Unicode's own conformance cases and against python-bidi.

The cases are a subset of Unicode's BidiCharacterTest.txt (tests/data/unicode/): those with no
explicit control, paragraph separator or bidi mark, which is the only input copydesk gives the
algorithm (controls are shown as placeholders and enter it as neutrals). The whole file passes
too (91,594 applicable cases when this was written); the subset keeps the suite fast.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from bidi import get_display
from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.tui.engine.bidi import base_level, line_levels, paragraph_levels, visual_order
from copydesk.tui.engine.uba import BRACKETS, MIRRORS, bidi_classes, resolve_levels

CASES = Path(__file__).parent / "data" / "unicode" / "BidiCharacterTest-subset.txt"


def _cases() -> list[tuple[str, int, int, list[str], list[int]]]:
    out = []
    for line in CASES.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        cps, direction, level, levels, order = line.split(";")
        text = "".join(chr(int(c, 16)) for c in cps.split())
        out.append((text, int(direction), int(level), levels.split(),
                    [int(i) for i in order.split()]))
    return out


def test_unicode_conformance_cases_levels_and_order() -> None:
    cases = _cases()
    assert len(cases) > 3000
    failures = []
    for text, direction, level, expected, order in cases:
        if any(unicodedata.bidirectional(ch) == "" for ch in text):
            continue  # a character this Python's Unicode does not know yet
        if direction == 2:  # auto: rules P2/P3
            assert base_level(text, 0, len(text)) == level, text
        classes = bidi_classes(text)
        got = line_levels(paragraph_levels(text, level), classes, level)
        kept = [i for i, e in enumerate(expected) if e != "x"]
        shown = [kept[j] for j in visual_order([got[i] for i in kept])]
        if any(e != "x" and int(e) != g for e, g in zip(expected, got, strict=True)) \
                or shown != order:
            failures.append(" ".join(f"{ord(c):04X}" for c in text))
    assert failures == []


def test_bracket_pairs_rule_n0() -> None:
    """UAX #9's own N0 example: brackets enclosing right-to-left text in a right-to-left
    paragraph stay with it; python-bidi's pure-Python engine (the old fallback) got this wrong."""
    text = "AB(CD[&ef]!)gh".translate({ord("A"): "א", ord("B"): "ב", ord("C"): "ג",
                                        ord("D"): "ד"})
    assert resolve_levels(text, 1) == [1, 1, 1, 1, 1, 1, 1, 2, 2, 1, 1, 1, 2, 2]
    assert len(BRACKETS) == 64 and MIRRORS["("] == ")" and MIRRORS["»"] == "«"


_ALPHABET = st.sampled_from([*"abc ABC 123 ,.:-+%$#()[]«»\"'!؟،", "قال", "هەولێر", "٢٠٢٤",
                             "אבג", "\u064b", "\u0301", "  "])


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, min_size=1, max_size=30), st.sampled_from([0, 1]))
def test_same_display_as_python_bidi(pieces: list[str], base: int) -> None:
    """python-bidi's get_display (its Rust engine; it leaves out L4 mirroring): same order."""
    text = "".join(pieces)
    levels = line_levels(resolve_levels(text, base), bidi_classes(text), base)
    ours = "".join(text[i] for i in visual_order(levels))
    assert ours == get_display(text, base_dir="R" if base else "L")
