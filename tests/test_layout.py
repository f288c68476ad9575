"""Cells <-> characters: the one mapping between what the terminal shows and stored offsets."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from copydesk.projects.textutil import TextIndex, grapheme_bounds
from copydesk.tui.engine.layout import (
    _GLUED,
    Layout,
    Row,
    _wrap_general,
    _wrap_simple,
    _wrap_words,
    sanitize,
    wrap_line,
)

FAMILY = "👨\u200d👩\u200d👧"
FLAG = "🇮🇶"
E_ACUTE = "e\u0301"
SORANI = "کورد\u200cستان"
ARABIC = "قَالَ المُتَحَدِّثُ باسم الجيش"
CJK = "中文字：東京で会議"
HOSTILE = "ok\x1b]0;pwned\x07 \x1b[2J\x00 C1:\x9b\x85 \u202ebidi\u202c\u2066x\u2069\u200e\u200f\x7f"

SAMPLES = [
    "The army said on Tuesday that it had arrested three men.",
    f"{SORANI} هەولێر {SORANI}",
    ARABIC,
    CJK * 3,
    f"{FAMILY} and {FLAG}{FLAG} {E_ACUTE}t{E_ACUTE} café",
    "a\tb\t\tc\td",
    HOSTILE,
]


def all_rows(text: str, width: int) -> tuple[Layout, list[Row]]:
    layout = Layout(TextIndex(text), width)
    return layout, layout.rows


def forbidden(ch: str) -> bool:
    o = ord(ch)
    return (
        o < 0x20
        or 0x7F <= o <= 0x9F
        or 0x202A <= o <= 0x202E
        or 0x2066 <= o <= 0x2069
        or ch in "\u200e\u200f\u061c\u2028\u2029\ufeff"
        or 0xD800 <= o <= 0xDFFF
    )


def check_layout(text: str, width: int) -> None:
    """Every invariant the widget relies on, for one text at one width."""
    layout, rows = all_rows(text, width)
    ti = layout.index
    # rows tile each line's content exactly, in order
    for line, (ls, le) in enumerate(zip(ti.line_starts, ti.line_ends, strict=True)):
        first = layout.line_first_row[line]
        nxt = layout.line_first_row[line + 1] if line + 1 < ti.line_count else len(rows)
        line_rows = rows[first:nxt]
        assert line_rows[0].start == ls and line_rows[-1].end == le
        for a, b in itertools.pairwise(line_rows):
            assert a.end == b.start
        assert [r.last for r in line_rows] == [False] * (len(line_rows) - 1) + [True]
    bounds = set()
    for line in range(ti.line_count):
        bounds.update(ti.line_graphemes(line))
    for r in rows:
        assert r.start in bounds and r.end in bounds, (text, r)
        d = r.display
        assert cell_len(d) == r.width, (text, r)
        assert not any(forbidden(c) for c in d), (text, d)
        if r.width > width:  # only a single cluster wider than the row may overflow
            assert len(grapheme_bounds(text[r.start : r.end])) == 2 or "\t" in text[r.start : r.end]
        # every cell maps to a grapheme start inside the row, monotonically
        xs = [r.cell_to_offset(x) for x in range(r.width)]
        assert xs == sorted(xs)
        assert all(x in bounds for x in xs)
    # round trip on every grapheme boundary: offset -> (row, x) -> offset
    for off in sorted(bounds):
        row, x = layout.cell_of(off)
        r = rows[row]
        assert r.start <= off <= r.end
        if off < r.end or r.last:
            assert layout.rows[row].cell_to_offset(x) == off, (text, off, row, x)
        if off < r.end:
            assert layout.offset_at(row, x) == off


@pytest.mark.parametrize("text", SAMPLES)
@pytest.mark.parametrize("width", [2, 3, 5, 8, 13, 80])
def test_layout_invariants(text: str, width: int) -> None:
    check_layout(text, width)


def test_family_is_one_two_cell_grapheme() -> None:
    (row,) = wrap_line(f"a{FAMILY}b", 20)
    assert row.width == 4
    assert row.offset_to_cell(0) == 0
    assert row.offset_to_cell(1) == 1
    for inner in range(2, 1 + len(FAMILY)):
        assert row.offset_to_cell(inner) == 1  # inside the cluster: its first cell
    assert row.offset_to_cell(1 + len(FAMILY)) == 3
    assert [row.cell_to_offset(x) for x in range(4)] == [0, 1, 1, 1 + len(FAMILY)]


def test_flag_and_combining_marks() -> None:
    (row,) = wrap_line(f"{FLAG}{E_ACUTE}x", 20)
    assert [row.cell_to_offset(x) for x in range(row.width)] == [0, 0, 2, 4]
    assert row.offset_to_cell(3) == 2  # U+0301 sits with its "e"


def test_cjk_is_two_cells_and_never_split() -> None:
    rows = wrap_line("中文字", 5)
    assert [(r.start, r.end, r.width) for r in rows] == [(0, 2, 4), (2, 3, 2)]
    assert rows[0].cell_to_offset(1) == 0 and rows[0].cell_to_offset(3) == 1


def test_sorani_zwnj_kept_in_word_and_zero_width() -> None:
    (row,) = wrap_line(SORANI, 20)
    assert row.width == len(SORANI) - 1  # the ZWNJ has no cell of its own
    assert "\u200c" in row.display  # kept: it shapes the word
    zwnj = SORANI.index("\u200c")
    assert row.offset_to_cell(zwnj) == row.offset_to_cell(zwnj - 1)


def test_arabic_rows_are_logical_order() -> None:
    (row,) = wrap_line(ARABIC, 80)
    assert row.display == ARABIC  # no reordering: see the module docstring
    assert row.cell_to_offset(0) == 0


def test_tabs_expand_to_four_cell_stops() -> None:
    (row,) = wrap_line("a\tbc\td", 40)
    assert row.display == "a   bc  d"
    assert [row.offset_to_cell(i) for i in range(6)] == [0, 1, 4, 5, 6, 8]
    assert row.cell_to_offset(2) == 1 and row.cell_to_offset(3) == 1


def test_crlf_is_a_line_end_not_shown() -> None:
    text = "one\r\ntwo\rthree\nfour"
    layout, rows = all_rows(text, 40)
    assert [r.display for r in rows] == ["one", "two", "three", "four"]
    assert layout.cell_of(3) == (0, 3)  # the "\r" is the end-of-line position
    assert layout.cell_of(5) == (1, 0)
    check_layout(text, 2)


def test_hostile_text_is_sanitized() -> None:
    shown = sanitize(HOSTILE)
    assert not any(forbidden(c) for c in shown)
    assert "\x1b" not in shown and "␛" in shown and "␀" in shown and "␇" in shown
    assert shown.count("¤") == 1 and "␤" in shown and "¦" in shown and "␡" in shown
    (row,) = wrap_line(HOSTILE, 200)
    assert row.width == cell_len(shown) == len(HOSTILE)  # one placeholder cell per char
    assert len(row.specials) == sum(1 for c in HOSTILE if forbidden(c))
    for i in range(len(HOSTILE)):
        assert row.offset_to_cell(i) == i and row.cell_to_offset(i) == i


def test_unicode_separators_are_not_line_breaks() -> None:
    text = "a\u2028b\u2029c\x0cd\x85e\x0bf"
    _layout, rows = all_rows(text, 80)
    assert len(rows) == 1
    assert rows[0].display == "a␤b¶c␌d␤e␋f"


def test_lone_marks_and_joiners_get_a_cell() -> None:
    (row,) = wrap_line("\u0301\u200d\ufe0f", 10)  # one cluster: mark + ZWJ + VS16
    assert row.width == 1 and row.display.startswith("◌")
    (row,) = wrap_line("\u200d", 10)
    assert row.width == 1 and row.display == "¦"


def test_breaks_at_spaces_not_nbsp() -> None:
    rows = wrap_line("aa bb\u00a0cc dd", 7)
    assert [r.display for r in rows] == ["aa ", "bb\u00a0cc ", "dd"]


def test_long_word_cut_by_grapheme() -> None:
    rows = wrap_line(FAMILY * 5, 5)
    assert [r.width for r in rows] == [4, 4, 2]
    assert all(r.start % len(FAMILY) == 0 for r in rows)


def test_offset_at_past_row_end() -> None:
    layout, rows = all_rows("hello world again", 7)
    assert [r.display for r in rows] == ["hello ", "world ", "again"]
    assert layout.offset_at(0, 50) == 5  # the trailing space, not the next row
    assert layout.offset_at(2, 50) == len("hello world again")  # end of the line


def test_simple_and_general_wrapping_agree() -> None:
    text = "The quick  brown fox, jumps over a laaaaaaaaaaaaaaaaaazy dog.  " * 5
    for width in (1, 2, 3, 7, 10, 31, 80):
        assert _wrap_simple(text, 0, len(text), width) == _wrap_general(text, 0, len(text), width)


def test_big_document_layout_covers_every_paragraph() -> None:
    # Its speed is measured by benchmarks/run.py (a timed assertion here flaked on a loaded
    # machine); this checks that the 100k-word shape lays out whole.
    vocab = ["Kirkuk", "ISIS", "army", "said", "the", "of", "Erbil", "forces.", SORANI, "中文"]
    paras = [" ".join(vocab[(i * 7 + j) % len(vocab)] for j in range(100)) for i in range(1000)]
    index = TextIndex("\n\n".join(paras))
    layout = Layout(index, 100)
    assert len(layout) > 2000


pieces = st.sampled_from(
    [
        *"ab .,\n\r\t",
        *(FAMILY, FLAG, E_ACUTE, "\u0301", "\u200c", "\u200d", "中", "ك", "\u064e", "\x1b"),
        *("\u202e", "\ufe0f", "❤", "\U0001f3fd", "한", "\u1100", "\u1161", "\u0600", "\x9b"),
        *("\u00a0", "\u3000", "\u2028", "\x00", "\x7f", "\ud800", "\U000e0041", " \u0301"),
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.lists(pieces, max_size=30).map("".join), st.text(max_size=40)),
    st.integers(min_value=2, max_value=12),
)
def test_round_trip_property(text: str, width: int) -> None:
    check_layout(text, width)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab .", max_size=60), st.integers(min_value=1, max_value=15))
def test_fast_path_matches_general_property(text: str, width: int) -> None:
    assert _wrap_simple(text, 0, len(text), width) == _wrap_general(text, 0, len(text), width)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["a", "b", " ", " ", FAMILY, "中", E_ACUTE, "\u200c"]), max_size=40
    ).map("".join),
    st.integers(min_value=1, max_value=12),
)
def test_word_path_matches_general_property(text: str, width: int) -> None:
    assume(not _GLUED.search(text))  # wrap_line sends glued clusters to the general path
    assert _wrap_words(text, 0, len(text), width) == _wrap_general(text, 0, len(text), width)


@given(
    st.lists(st.tuples(st.integers(0, 3000), st.integers(1, 700)), min_size=0, max_size=40),
    st.lists(st.tuples(st.booleans(), st.integers(0, 3000), st.integers(1, 700)), max_size=30),
)
@settings(max_examples=200, deadline=None)
def test_span_index_edits_in_place_answer_like_a_rebuilt_index(initial, edits) -> None:
    """update_spans edits the index in place; every query must match a fresh build."""
    from copydesk.tui.engine.layout import SpanIndex, SpanView

    def view(i: int, start: int, length: int) -> SpanView:
        return SpanView(id=i, start=start, end=start + length, label="L", layer="entity",
                        color="#ffffff")

    live = {i: view(i, s, n) for i, (s, n) in enumerate(initial)}
    index = SpanIndex(live.values())
    next_id = len(live)
    for add, start, length in edits:
        if add or not live:
            span = view(next_id, start, length)
            next_id += 1
            live[span.id] = span
            index.add(span)
        else:
            victim = sorted(live)[start % len(live)]
            del live[victim]
            assert index.remove(victim) is not None
    fresh = SpanIndex(live.values())
    assert index.spans == fresh.spans and index.starts == fresh.starts
    for probe in range(0, 3800, 97):
        assert index.overlapping(probe, probe + 40) == fresh.overlapping(probe, probe + 40)
        assert index.next_start(probe) == fresh.next_start(probe)
