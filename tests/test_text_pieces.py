"""Long lines are tokenized in pieces; the tokens and word moves are those of the whole line."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.projects.textutil import TextIndex, tokenize_general

PIECES = ["Kirkuk", "police", "don't", "al-Assad", " ", "  ", "\u0600 ", "\u0d4e ", " \u0301",
          "👨\u200d👩\u200d👧", "🇮🇶", "中文", "e\u0301", "کورد\u200cستان", "\t", "\n", "\r\n",
          "\u3000", ".", '"', "\u200d", "x"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=150).map("".join),
       st.integers(min_value=4, max_value=64))
def test_piecewise_tokens_equal_whole_line_tokens(text: str, piece: int) -> None:
    ti = TextIndex(text, piece_size=piece)
    assert ti.tokens == tokenize_general(text)
    starts = [s for s, _ in ti.tokens]
    for offset in range(len(text) + 1):
        later = [s for s in starts if s > offset]
        assert ti.next_word(offset) == (later[0] if later else len(text))
        earlier = [s for s in starts if s < offset]
        assert ti.prev_word(offset) == (earlier[-1] if earlier else 0)
    for line in range(ti.line_count):
        a, b = ti.line_range(line)
        assert list(zip(*ti.line_tokens(line), strict=True)) == [
            t for t in tokenize_general(text) if a <= t[0] < b]
    whole = tokenize_general(text)
    for a in range(0, len(text), 3):
        for b in (a + 1, a + 5, a + 17):
            assert ti.tokens_between(a, b) == [t for t in whole if t[1] > a and t[0] < b]


def test_a_word_move_near_the_end_of_a_long_line_is_local() -> None:
    text = "Kirkuk police said on Monday that the road reopened. " * 12_000  # one line
    ti = TextIndex(text)
    assert ti.next_word(len(text) - 40) == text.rindex("said")
    assert ti._piece_starts is not None and len(ti._piece_starts) > 50
    assert len(ti._line_token_cache) == 1  # one piece tokenized, not the 640k-char line
    end = len(text) - len("reopened. ")
    assert ti.snap_to_tokens(end + 2, end + 3) == (end, end + len("reopened"))
    assert ti.tokens_between(end - 5, end + 2) == [(end - 5, end - 1),  # "road"
                                                   (end, end + len("reopened"))]
    assert len(ti._line_token_cache) == 1  # the label key's punctuation trim stays local too


@pytest.mark.parametrize("text", ["", "one", "a\n\nb", "x" * 20_000])
def test_edge_texts(text: str) -> None:
    ti = TextIndex(text)
    assert ti.tokens == tokenize_general(text)
