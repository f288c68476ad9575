"""Offsets, graphemes, tokens and sentences: the contract with ML teams, tested on hard scripts."""

from __future__ import annotations

from itertools import pairwise

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.projects.textutil import (
    TextIndex,
    grapheme_bounds,
    line_spans,
    snap_to_graphemes,
    tokenize,
)

FAMILY = "👨\u200d👩\u200d👧"
FLAG = "🇮🇶"
E_ACUTE = "e\u0301"
SORANI = "کورد\u200cستان"


def words(text: str) -> list[str]:
    return [text[s:e] for s, e in tokenize(text)]


def test_grapheme_bounds_hard_clusters() -> None:
    text = f"a{FAMILY}{FLAG}{E_ACUTE}한국\r\nz"
    b = grapheme_bounds(text)
    assert b[0] == 0 and b[-1] == len(text)
    clusters = [text[s:e] for s, e in pairwise(b)]
    assert clusters == ["a", FAMILY, FLAG, E_ACUTE, "한", "국", "\r\n", "z"]


def test_grapheme_bounds_fast_path_matches_regex() -> None:
    text = "Plain Latin text, Кириллица and Ελληνικά."
    assert grapheme_bounds(text) == [m.start() for m in regex.finditer(r"\X", text)] + [len(text)]


def test_snap_to_graphemes_never_cuts() -> None:
    text = f"x{FAMILY}y"
    assert snap_to_graphemes(text, 2, 3) == (1, 1 + len(FAMILY))
    assert snap_to_graphemes(text, 0, 2) == (0, 1 + len(FAMILY))
    assert snap_to_graphemes(text, 3, 3) == (1, 1)


def test_tokenize_rules() -> None:
    text = f"Don't al-Assad's Toilers' {SORANI} 中文字 {FAMILY}{FLAG} U.S. 1,200 {E_ACUTE}t\u00e9"
    assert words(text) == [
        "Don't",
        "al-Assad's",
        "Toilers",
        "'",
        SORANI,
        "中",
        "文",
        "字",
        FAMILY,
        FLAG,
        "U",
        ".",
        "S",
        ".",
        "1",
        ",",
        "200",
        f"{E_ACUTE}t\u00e9",
    ]


def test_tokenize_arabic_harakat_and_whitespace() -> None:
    text = "قَالَ  المُتَحَدِّثُ\t\u00a0«نعم»"
    assert words(text) == ["قَالَ", "المُتَحَدِّثُ", "«", "نعم", "»"]


def test_line_spans_crlf_and_lone_cr() -> None:
    text = "a\r\nb\rc\nd\u2028e\x0cf\x85"
    starts, ends = line_spans(text)
    lines = [text[s:e] for s, e in zip(starts, ends, strict=True)]
    assert lines == ["a", "b", "c", "d\u2028e\x0cf\x85"]


def test_index_lines_and_graphemes_over_crlf() -> None:
    text = f"ab\r\n{FAMILY}c"
    ti = TextIndex(text)
    assert ti.line_of(2) == 0 and ti.line_of(3) == 0 and ti.line_of(4) == 1
    assert ti.next_grapheme(1) == 2
    assert ti.next_grapheme(2) == 4  # the whole "\r\n" is one step
    assert ti.next_grapheme(4) == 4 + len(FAMILY)
    assert ti.prev_grapheme(4 + len(FAMILY)) == 4
    assert ti.prev_grapheme(4) == 2
    assert not ti.is_grapheme_boundary(3)
    assert not ti.is_grapheme_boundary(5)
    assert ti.snap_to_graphemes(5, 6) == (4, 4 + len(FAMILY))


def test_token_span_and_snap() -> None:
    text = "The army said on Tuesday."
    ti = TextIndex(text)
    assert ti.token_at(5) == 1
    assert ti.token_at(3) is None  # a space
    assert ti.token_span(5, 12) == (1, 2)
    assert ti.snap_to_tokens(5, 11) == (4, 13)
    assert ti.snap_to_tokens(3, 4) == (3, 4)  # whitespace only: unchanged
    assert ti.snap_to_tokens(2, 9) == (0, 8)  # edge whitespace dropped
    assert ti.snap_to_tokens(17, 17) == (17, 24)  # empty inside a token -> the token
    assert ti.token_span(3, 4) is None


def test_snap_across_lines_and_blank_lines() -> None:
    text = "end of one.\n\n  Start two here"
    ti = TextIndex(text)
    assert ti.snap_to_tokens(9, 18) == (7, 20)  # "ne.\n\n  Sta" -> "one.\n\n  Start"
    assert ti.snap_to_tokens(11, 15) == (11, 15)  # only whitespace
    assert ti.next_word(text.index(".")) == text.index("Start")
    assert ti.prev_word(text.index("Start")) == text.index(".")
    assert ti.token_span(9, 18) == (2, 4)


def test_word_and_sentence_moves() -> None:
    text = 'Dr. Smith said: "We won." The U.S. army left! Next.\n\nNew para'
    ti = TextIndex(text)
    assert [text[s:e] for s, e in ti.sentences] == [
        'Dr. Smith said: "We won."',
        "The U.S. army left!",
        "Next.",
        "New para",
    ]
    assert ti.next_sentence(0) == text.index("The")
    assert ti.next_sentence(text.index("The")) == text.index("Next")
    assert ti.prev_sentence(text.index("army")) == text.index("The")
    assert ti.prev_sentence(text.index("The")) == 0
    assert ti.next_sentence(text.index("New")) == len(text)
    assert ti.next_word(0) == 2  # "Dr" -> "."
    assert ti.next_word(2) == 4
    assert ti.prev_word(4) == 2
    assert ti.prev_word(0) == 0


def test_sentences_arabic_and_cjk() -> None:
    text = "قال المتحدث؟ نعم. 今日は晴れ。明日は雨！"
    ti = TextIndex(text)
    assert [text[s:e] for s, e in ti.sentences] == [
        "قال المتحدث؟",
        "نعم.",
        "今日は晴れ。",
        "明日は雨！",
    ]


def test_big_one_line_document_indexes_whole() -> None:
    # Speed is measured by benchmarks/run.py, not asserted against a wall clock here.
    vocab = ["Kirkuk", "ISIS", "army", "said", "the", "of", "Erbil", "forces.", "'s", "—"]
    text = " ".join(vocab[i % len(vocab)] for i in range(100_000))
    ti = TextIndex(text)
    assert ti.next_word(len(text) // 2) > len(text) // 2
    assert ti.next_sentence(len(text) // 2) > len(text) // 2
    assert len(ti.tokens) > 100_000


hard_text = st.lists(
    st.sampled_from(
        [
            *"ab .,'-\n\r\t",
            *(FAMILY, FLAG, E_ACUTE, "\u0301", "\u200c", "\u200d", "中", "ك", "\u064e", "\x1b"),
            *("\u202e", "\ufe0f", "❤", "\U0001f3fd", "한", "\u1100", "\u1161", "\u0600"),
        ]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(hard_text, st.text(max_size=40)))
def test_tokens_and_moves_respect_graphemes(text: str) -> None:
    ti = TextIndex(text)
    assert ti.tokens == tokenize(text)  # per-line lazy tokens == one whole-text scan
    bounds = set(grapheme_bounds(text))
    for s, e in ti.tokens:
        assert ti.token_range_at(s) == (s, e) == ti.snap_to_tokens(s, e)
        assert ti.snap_to_tokens(s, s) == (s, e)
        assert s < e
        assert s in bounds and e in bounds, (text, s, e)
        assert not text[s:e].isspace()
    assert ti.tokens == sorted(ti.tokens)
    # stepping forward then back visits the same boundaries
    pos, seen = 0, [0]
    while pos < len(text):
        nxt = ti.next_grapheme(pos)
        assert nxt > pos
        pos = nxt
        seen.append(pos)
    back = [pos]
    while pos > 0:
        pos = ti.prev_grapheme(pos)
        back.append(pos)
    assert seen == back[::-1]
    for p in seen:
        assert ti.is_grapheme_boundary(p)


@given(st.text(alphabet=st.sampled_from(list(
    "abc XYZ019_'’-.,!?\n\r\t\x1c\x1f\u00a0é"
    "\u0301\u200c\u200d\ufe0fكوردستان日本語かカ👨👩🇮🇶\U0001f3fd"
)), max_size=80))
@settings(max_examples=400, deadline=None)
def test_tokenize_fast_path_agrees_with_the_general_rules(text: str) -> None:
    from copydesk.projects.textutil import tokenize_general

    assert tokenize(text) == tokenize_general(text)


@given(st.text(alphabet=st.sampled_from(list(
    "abc XYZ019_'’-.,!?\n\r\t\x0b\x0c\x1c\x1f\x85\u00a0\u2028\u3000–“”é²Ⅻ")), max_size=80))
@settings(max_examples=400, deadline=None)
def test_tokenize_one_pass_paths_agree_with_the_general_rules(text: str) -> None:
    """Texts of plain characters take one `re` pass (or one `regex` pass): same tokens."""
    from copydesk.projects.textutil import tokenize_general

    assert tokenize(text) == tokenize_general(text)


def test_every_bmp_character_tokenizes_alike_in_every_path() -> None:
    """Each character, between letters, alone, doubled and after an apostrophe: the fast paths
    (chosen per character) never disagree with the general rules, whatever Unicode says of it."""
    from copydesk.projects.textutil import tokenize_general

    wrong = []
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        ch = chr(code)
        probe = f"a{ch}b {ch} {ch}{ch}a'{ch} x-{ch}"
        if tokenize(probe) != tokenize_general(probe):
            wrong.append(hex(code))
    assert wrong == []
