"""How a row of the article view looks, checked without a terminal (``tui.engine.paint``):
every span, selection and cursor style lands on exactly the characters it covers."""

from __future__ import annotations

from collections.abc import Callable

from rich.color import Color
from rich.segment import Segment
from rich.style import Style

from copydesk.projects.textutil import TextIndex
from copydesk.tui.engine.layout import BidiOptions, Layout, Row, SpanIndex, SpanView
from copydesk.tui.engine.paint import Looks, RowPaint, row_paint, short_tag

COMPONENTS = {
    "base": Style(),
    "cursor": Style(bold=True, underline=True),
    "selection": Style(reverse=True),
    "highlight": Style(bold=True),
    "review": Style(),
    "placeholder": Style(dim=True),
    "ghost": Style(),
}


def _looks() -> Looks:
    return Looks(COMPONENTS.__getitem__, Color.parse, lambda c: Color.parse("#333333"))


def _paint(row: Row, spans: list[SpanView], *, sel: tuple[int, int] | None = None,
           cursor: int = -1, ghosts: list[SpanView] | None = None,
           highlight: frozenset[int] = frozenset(), index: TextIndex | None = None) -> RowPaint:
    here = row.start <= cursor <= row.end
    nxt = index.next_grapheme(cursor) if here and index is not None else cursor + 1
    return row_paint(row, SpanIndex(spans), SpanIndex(ghosts or []), sel, cursor, here, nxt,
                     highlight, frozenset())


def _styled(segments: list[Segment], test: Callable[[Style], object]) -> str:
    return "".join(s.text for s in segments if s.style is not None and test(s.style))


def test_each_layer_has_its_own_look_and_colour_depth_looks_win() -> None:
    looks = _looks()
    entity = looks.span(SpanView(1, 0, 4, "PER", "entity", "#d08770"))
    event = looks.span(SpanView(2, 0, 4, "Attack", "event", "#a3be8c"))
    quote = looks.span(SpanView(3, 0, 4, "CONTENT", "attribution", "#81a1c1"))
    assert entity.underline and entity.bgcolor == Color.parse("#333333")
    assert event.bold and event.color == Color.parse("#a3be8c")
    assert quote.italic and quote.color == Color.parse("#81a1c1")
    looks.set_label_looks({"PER": Style(color="red", strike=True)})
    assert looks.span(SpanView(1, 0, 4, "PER", "entity", "#d08770")).strike
    ghost = looks.ghost(SpanView(4, 0, 4, "GPE", "entity", "#5e81ac"))
    assert ghost.dim and ghost.italic and ghost.underline


def test_a_split_quote_paints_only_its_pieces() -> None:
    text = '"The road is shut," the mayor said, "until Sunday."'
    layout = Layout(text, 80)
    first, second = (1, text.index(",")), (text.index("until"), text.index("."))
    quote = SpanView(1, first[0], second[1], "CONTENT", "attribution", "#81a1c1",
                     (first, second))
    looks = _looks()
    segments = looks.logical_row(layout.row(0), _paint(layout.row(0), [quote]))
    assert "".join(s.text for s in segments) == text
    assert _styled(segments, lambda st: st.italic) == "The road is shutuntil Sunday"


def test_selection_and_cursor_cover_exactly_their_characters() -> None:
    text = "Police in Erbil said"
    layout = Layout(text, 80)
    row = layout.row(0)
    looks = _looks()
    erbil = (text.index("Erbil"), text.index(" said"))
    segments = looks.logical_row(row, _paint(row, [], sel=erbil, cursor=0))
    assert _styled(segments, lambda st: st.reverse and not st.bold) == "Erbil"
    assert _styled(segments, lambda st: st.bold and st.underline) == "P"
    # at the end of the row the cursor takes the reserved cell after the text
    segments = looks.logical_row(row, _paint(row, [], cursor=len(text)))
    assert segments[-1].text == " " and segments[-1].style.reverse


def test_an_arabic_span_in_a_right_to_left_row_covers_its_own_letters() -> None:
    text = "قال المتحدث باسم شرطة كركوك إن الطريق أغلق."
    index = TextIndex(text)
    layout = Layout(index, 80, BidiOptions())
    row = layout.row(0)
    assert row.bidi is not None and row.rtl
    word = (text.index("شرطة"), text.index(" إن"))
    span = SpanView(7, *word, "ORG", "entity", "#d08770")
    looks = _looks()
    segments = looks.visual_row(row, _paint(row, [span], index=index))
    shown = _styled(segments, lambda st: bool(st.underline))
    # the same letters as the stored words, drawn in visual order (right to left)
    assert sorted(shown) == sorted(text[word[0]:word[1]])
    assert shown != text[word[0]:word[1]]


def test_tags_name_each_span_under_its_first_cell() -> None:
    text = "Gunmen attacked a checkpoint near Kirkuk"
    layout = Layout(text, 80)
    row = layout.row(0)
    spans = [SpanView(1, 0, 6, "PER", "entity", "#d08770"),
             SpanView(2, 7, 15, "Conflict.Attack", "event", "#a3be8c"),
             SpanView(3, 34, 40, "GPE", "entity", "#5e81ac")]
    segments = _looks().tag_row(row, SpanIndex(spans), 80)
    line = "".join(s.text for s in segments)
    assert line.index("▔PER") == 0
    assert line.index("▔Attack") == 7
    assert line.index("▔GPE") == 34
    assert short_tag("Conflict.Attack") == "Attack"
    # a narrow row cuts the last tag at the edge rather than wrapping it
    narrow = "".join(s.text for s in _looks().tag_row(row, SpanIndex(spans), 37))
    assert narrow.endswith("▔GP") and len(narrow) == 37
