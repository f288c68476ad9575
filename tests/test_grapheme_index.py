"""The cached, local grapheme check agrees with the definition it replaced, on hostile text.

`reference_is_boundary` is the store's previous check, kept here verbatim as the definition:
segment with `regex`'s \\X from the start of the line holding the offset. The index must give
the same answer for every offset of random text built from the pieces that make clusters hard:
ZWJ emoji sequences, skin-tone modifiers, regional-indicator flags (also odd runs of them),
combining marks, Hangul syllables and conjoining jamo, Indic viramas, prepend marks, CR, LF and
CRLF, controls and plain words.
"""

from __future__ import annotations

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.projects.errors import StoreError
from copydesk.projects.store import check_grapheme_edges, is_grapheme_boundary
from copydesk.projects.textutil import (
    GraphemeIndex,
    TextIndex,
    grapheme_bounds,
    grapheme_index,
    stands_alone,
)

_GRAPHEME = regex.compile(r"\X")


def reference_is_boundary(text: str, offset: int) -> bool:
    """The pre-index definition (projects/store.py before issue 16): walk from the line start."""
    if offset <= 0 or offset >= len(text):
        return True
    line_start = text.rfind("\n", 0, offset) + 1
    pos = line_start
    while pos < offset:
        match = _GRAPHEME.match(text, pos)
        if match is None:
            return True
        pos = match.end()
    return pos == offset


PIECES = [
    "a", "Z", " ", "word", "é", "e\u0301", "a\u0301\u0302\u0303", "\u0301",
    "👨\u200d👩\u200d👧", "👍🏽", "🏽", "\u200d", "❤\ufe0f", "\ufe0f",
    "🇮", "🇶", "🇮🇶", "🇺🇸🇬🇧",
    "한", "국", "\u1100", "\u1161", "\u11a8", "\u1100\u1161\u11a8",
    "क्ष", "\u094d", "\u0915",
    "\u0600", "\u0600\u0661",
    "کورد\u200cستان", "\u200c",
    "中", "文",
    "\r\n", "\r", "\n", "\t", "\x00", "\x1f", "\u2028", "\x85",
]

texts = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_index_agrees_with_the_line_walk_at_every_offset(text: str) -> None:
    index = GraphemeIndex(text)
    for offset in range(len(text) + 1):
        assert index.is_boundary(offset) == reference_is_boundary(text, offset), (text, offset)
        assert is_grapheme_boundary(text, offset) == reference_is_boundary(text, offset)


@settings(max_examples=200, deadline=None)
@given(texts)
def test_next_and_prev_step_over_whole_clusters(text: str) -> None:
    index = GraphemeIndex(text)
    bounds = grapheme_bounds(text)
    pos, walked = 0, [0]
    while pos < len(text):
        pos = index.next_boundary(pos)
        walked.append(pos)
    assert walked == bounds or (not text and walked == [0])
    back = [len(text)]
    pos = len(text)
    while pos > 0:
        pos = index.prev_boundary(pos)
        back.append(pos)
    assert back[::-1] == bounds or (not text and back == [0])


@settings(max_examples=200, deadline=None)
@given(texts, st.integers(min_value=-3, max_value=60))
def test_text_index_moves_match_the_per_line_bounds(text: str, offset: int) -> None:
    """The article view's moves (now on the shared index) equal the per-line bound lists."""
    ti = TextIndex(text)
    line_bounds: set[int] = set()
    for line in range(ti.line_count):
        line_bounds.update(ti.line_graphemes(line))
    line_bounds.update(ti.line_starts)
    inside_terminator = {ti.line_ends[i] + 1 for i in range(ti.line_count)
                         if text[ti.line_ends[i]:ti.line_ends[i] + 2] == "\r\n"}
    if 0 <= offset <= len(text):
        expected = offset in line_bounds or (offset not in inside_terminator
                                             and reference_is_boundary(text, offset))
        assert ti.is_grapheme_boundary(offset) == reference_is_boundary(text, offset)
        assert ti.is_grapheme_boundary(offset) == expected


def test_stand_alone_characters() -> None:
    for ch in "aZ 中한😀©\x00\t":
        assert stands_alone(ch), repr(ch)
    for ch in "\r\n\u0301\u200d\u200c\ufe0f🏽🇮\u1100\u1161\u11a8\u094d\u0600":
        assert not stands_alone(ch), repr(ch)


def test_index_is_cached_by_content() -> None:
    text = "x" * 10 + "👨\u200d👩\u200d👧" + "y" * 10
    first = grapheme_index(text)
    assert grapheme_index(text) is first
    equal_copy = "".join(list(text))
    assert equal_copy is not text
    assert grapheme_index(equal_copy) is first


def test_check_grapheme_edges_names_the_offset() -> None:
    text = "ab👨\u200d👩\u200d👧cd"
    check_grapheme_edges(7, text, 2, 2 + len("👨\u200d👩\u200d👧"))
    with pytest.raises(StoreError, match="offset 3 of document 7 splits a character"):
        check_grapheme_edges(7, text, 3, 5)


def test_one_line_of_a_million_characters_is_segmented_once() -> None:
    """A long single line with clusters throughout: boundaries near the end are still right."""
    unit = "Kirkuk police 👨\u200d👩\u200d👧 e\u0301 🇮🇶 한국 "
    text = unit * 40_000
    index = grapheme_index(text)
    tail = len(text) - len(unit)
    for offset in range(tail, len(text) + 1):
        assert index.is_boundary(offset) == reference_is_boundary(text[tail:], offset - tail)
