"""The article view's cursor and selection rules, checked without a terminal
(``tui.engine.selection``): what a label key stores is exactly ``Selection.snapped()``."""

from __future__ import annotations

from copydesk.projects.textutil import TextIndex
from copydesk.tui.engine import motions
from copydesk.tui.engine.layout import BidiOptions, Layout
from copydesk.tui.engine.selection import Selection, changed_ranges, clip_range

ARABIC = "قال المتحدث باسم شرطة كركوك، العقيد أحمد، إن الطريق أغلق مساء الأحد."
SORANI = "وتەبێژی پۆلیسی هەولێر ڕایگەیاند کە ڕێگاکە داخرا."


def _model(text: str, snap: bool = True) -> Selection:
    return Selection(TextIndex(text), snap_tokens=snap)


def test_extending_by_word_over_arabic_keeps_exact_offsets() -> None:
    sel = _model(ARABIC)
    start = ARABIC.index("المتحدث")
    sel.move(start, extend=False)
    for _ in range(2):  # "المتحدث باسم" then on to the next word
        sel.move(motions.next_word(sel.index, sel.cursor), extend=True)
    a, b = sel.snapped()
    assert (a, b) == (start, ARABIC.index(" شرطة"))
    assert ARABIC[a:b] == "المتحدث باسم"
    # one more word reaches "شرطة كركوك،": the comma glued to it is left out of the label
    sel.move(motions.next_word(sel.index, sel.cursor), extend=True)
    sel.move(motions.next_word(sel.index, sel.cursor), extend=True)
    a, b = sel.snapped()
    assert ARABIC[a:b] == "المتحدث باسم شرطة كركوك"
    assert sel.anchor == start  # the anchor never moved


def test_extending_backwards_over_sorani_selects_the_same_words() -> None:
    sel = _model(SORANI)
    end = SORANI.index(" ڕایگەیاند")
    sel.move(end, extend=False)
    sel.move(motions.prev_word(sel.index, sel.cursor), extend=True)
    sel.move(motions.prev_word(sel.index, sel.cursor), extend=True)
    a, b = sel.snapped()
    assert SORANI[a:b] == "پۆلیسی هەولێر"
    assert sel.raw == (a, end)


def test_the_cursor_never_sits_inside_a_grapheme() -> None:
    text = "مُحَمَّد and 👨\u200d👩\u200d👧 arrived"
    sel = _model(text)
    # inside the shadda + fatha on the meem: back to the meem itself
    assert sel.move(3, extend=False) == 2
    family = text.index("👨")
    assert sel.move(family + 2, extend=False) == family
    # past either end: kept inside the text
    assert sel.move(-5, extend=False) == 0
    assert sel.move(len(text) + 9, extend=False) == len(text)


def test_a_partial_word_widens_to_the_token_only_when_snapping() -> None:
    text = "Police in Erbil said on Monday"
    start = text.index("Erbil") + 1
    sel = _model(text)
    sel.move(start, extend=False)
    sel.move(start + 2, extend=True)
    assert text[slice(*sel.snapped())] == "Erbil"
    sel.snap_tokens = False
    assert sel.snapped() == (start, start + 2)


def test_punctuation_alone_gives_nothing_to_label() -> None:
    text = 'He said: "Calm." Then left.'
    sel = _model(text)
    colon = text.index(":")
    sel.move(colon, extend=False)
    sel.move(colon + 1, extend=True)
    assert sel.raw == (colon, colon + 1)
    assert sel.snapped() is None
    quote = text.index('"')
    sel.move(quote, extend=False)
    sel.move(text.index(" Then"), extend=True)
    assert text[slice(*sel.snapped())] == "Calm"


def test_a_plain_move_drops_the_selection_and_the_goal_column() -> None:
    sel = _model("one two three")
    sel.move(4, extend=False)
    sel.move(7, extend=True)
    assert sel.raw == (4, 7)
    sel.goal_x = 5
    sel.move(0, extend=False)
    assert sel.raw is None and sel.anchor is None and sel.goal_x is None
    sel.move(3, extend=True, keep_goal=True)
    assert sel.anchor == 0 and sel.raw == (0, 3)


def test_up_and_down_keep_the_goal_column_across_a_short_row() -> None:
    text = "The governor said the road stays shut.\nNo.\nThe mayor said it reopens on Sunday."
    sel = _model(text)
    layout = Layout(sel.index, 60)
    sel.move(12, extend=False)  # column 12 on the first row
    target, keep = sel.vertical(layout, 1)
    assert keep and target == text.index("\n", 40)  # the short row: its end
    sel.move(target, extend=False, keep_goal=keep)
    target, keep = sel.vertical(layout, 1)
    assert keep and target == text.index("The mayor") + 12  # back at column 12
    sel.move(target, extend=False, keep_goal=keep)
    assert sel.vertical(layout, 1) == (len(text), False)  # past the last row: the end
    assert sel.vertical(layout, -9) == (0, False)


def test_row_edges_and_left_right_in_stored_order() -> None:
    text = "Kirkuk police said on Monday"
    sel = _model(text)
    layout = Layout(sel.index, 80)
    sel.move(10, extend=False)
    assert sel.row_edge(layout, False) == 0
    assert sel.row_edge(layout, True) == len(text)
    assert sel.horizontal(None, 1) == 11
    assert sel.horizontal(None, -1) == 9


def test_left_moves_left_on_screen_in_a_right_to_left_row() -> None:
    sel = _model(ARABIC)
    layout = Layout(sel.index, 120, BidiOptions())
    row = layout.row(0)
    assert row.bidi is not None  # shown in visual order
    sel.move(4, extend=False)  # on the first letter of the second word
    # a right-to-left row: the next letter in the text is to the left on screen
    assert sel.horizontal(layout, -1) == 5
    assert sel.horizontal(layout, 1) == 3


def test_clip_and_changed_ranges() -> None:
    assert clip_range((5, 20), 10, 15) == (10, 15)
    assert clip_range((5, 8), 10, 15) is None
    assert clip_range(None, 0, 9) is None
    assert changed_ranges((3, 9), (3, 9)) == []
    assert changed_ranges(None, (3, 9)) == [(3, 9)]
    assert changed_ranges((3, 9), None) == [(3, 9)]
    # growing the end by a word repaints only the stretch between the old and new end
    assert changed_ranges((3, 9), (3, 14)) == [(3, 3), (9, 14)]
