"""How one row of the article view looks: span, suggestion, selection and cursor styles resolved
into Rich segments, with no terminal and no widget (the view only caches and blits them).

Looks, chosen to survive ``NO_COLOR`` (Textual then drops colours but keeps attributes):
entity = background tint + underline, event = bold in the label colour, attribution and other
layers = italic in the label colour, emphasised spans (``highlight``) = bold, underline,
overline and a highlight background, selection = reverse video, cursor = reverse video toggled
(so it shows inside a selection too) plus bold underline, control-character placeholders = dim
in the error colour. Below truecolor the screen sets ``label_looks`` (``tui.engine.palette``):
one look per label chosen for the terminal's colour depth. Suggestions (ghosts) are dim +
italic + underline in the label's colour; spans needing review add a double underline (which
no label look uses) on a background in the error colour.

Paint order: later layers win the foreground colour (an event trigger inside a quote shows the
event colour); attributes (italic, underline, bold) add up, so every layer stays visible.

What needs the widget is handed in as three functions (``Looks``): the component styles from
the stylesheet, and the label colour and entity tint (the widget parses colours with its
toolkit and blends them with its background).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from rich.color import Color
from rich.segment import Segment
from rich.style import Style

from copydesk.tui.engine.layout import Row, SpanIndex, SpanView

__all__ = ["Looks", "RowPaint", "layer_rank", "row_paint", "short_tag"]

_LAYER_ORDER = {"entity": 1, "event": 2}
# what a tag keeps of its span's look: the colour, not the lines drawn through or under text
_TAG_PLAIN = Style(underline=False, underline2=False, overline=False, strike=False)


def layer_rank(span: SpanView) -> int:
    """Paint order of a span's layer (see the module docstring)."""
    return _LAYER_ORDER.get(span.layer, 0)


def short_tag(label: str) -> str:
    """The name shown in tag mode: an event type without its family ("Conflict.Attack" ->
    "Attack"), anything else as it is."""
    return label.rsplit(".", 1)[-1] or label


@dataclass(frozen=True, slots=True)
class RowPaint:
    """One row's spans, ghosts, placeholders, selection and cursor, and the sorted offsets
    (cuts) where its look may change: what both row renderers (logical, visual) work from."""

    spans: list[SpanView]
    ghosts: Sequence[SpanView]
    specials: Sequence[tuple[int, int]]
    sel: tuple[int, int] | None
    cursor: int
    cursor_here: bool
    highlight: frozenset[int]
    review: frozenset[int]
    cuts: list[int]


def row_paint(row: Row, spans: SpanIndex, ghosts: SpanIndex, sel: tuple[int, int] | None,
              cursor: int, cursor_here: bool, cursor_next: int, highlight: frozenset[int],
              review: frozenset[int]) -> RowPaint:
    """What one row's looks depend on, and the offsets where they may change (cuts): costs
    the spans near the row, never the document's. ``cursor_next`` is the end of the
    cursor's grapheme (the cursor paints that whole grapheme)."""
    start, end = row.start, row.end
    found = [s for s in spans.overlapping(start, max(end, start + 1)) if s.end > s.start]
    found.sort(key=layer_rank)
    shown = ghosts.overlapping(start, max(end, start + 1)) if len(ghosts) else []

    def clip(offset: int) -> int:
        return min(max(offset, start), end)

    cuts = {start, end}
    for s in found:
        for p_start, p_end in s.fragments or ((s.start, s.end),):
            cuts.update((clip(p_start), clip(p_end)))
    for g in shown:
        cuts.update((clip(g.start), clip(g.end)))
    for p, q in row.specials:
        cuts.update((p, q))
    if sel is not None:
        cuts.update((clip(sel[0]), clip(sel[1])))
    if cursor_here:
        cuts.update((cursor, clip(cursor_next)))
    return RowPaint(found, shown, row.specials, sel, cursor, cursor_here, highlight, review,
                    sorted(c for c in cuts if start <= c <= end))


class Looks:
    """Styles by name and by span, cached until the theme, the stylesheet or the label looks
    change (``clear``), and the segments of a row built from them.

    ``component(name)`` gives a stylesheet style ("base", "cursor", "selection", "highlight",
    "review", "placeholder", "ghost"); ``colour(c)`` a label colour parsed (a bad one falls
    back rather than breaking drawing); ``tint(c)`` an entity's background for colour ``c``.
    """

    def __init__(self, component: Callable[[str], Style], colour: Callable[[str], Color],
                 tint: Callable[[str], Color]) -> None:
        self.component, self.colour, self.tint = component, colour, tint
        self.styles: dict[str, Style] = {}
        self.span_styles: dict[tuple[str, str, str], Style] = {}
        self.label_looks: dict[str, Style] | None = None  # per colour depth: engine.palette

    def clear(self) -> None:
        """Forget every resolved style (the theme or the stylesheet changed)."""
        self.styles.clear()
        self.span_styles.clear()

    def set_label_looks(self, looks: dict[str, Style] | None) -> None:
        """Looks per label for the terminal's colour depth, or None for the truecolor ones."""
        self.label_looks = looks
        self.span_styles.clear()

    def style(self, name: str) -> Style:
        """A named component style; highlight adds an overline and review a double underline
        (looks no label has, in colour or not)."""
        style = self.styles.get(name)
        if style is None:
            style = self.component(name)
            if name == "highlight":
                style += Style(overline=True)
            elif name == "review":
                style += Style(underline2=True)
            self.styles[name] = style
        return style

    def span(self, span: SpanView) -> Style:
        """The look of one span by layer (see the module docstring), or by colour depth."""
        key = (span.layer, span.color, span.label)
        style = self.span_styles.get(key)
        looks = self.label_looks
        if style is None and looks is not None and span.label in looks:
            style = self.span_styles[key] = looks[span.label]
        if style is None:
            if span.layer == "entity":
                style = Style(bgcolor=self.tint(span.color), underline=True)
            elif span.layer == "event":
                style = Style(color=self.colour(span.color), bold=True)
            else:
                style = Style(color=self.colour(span.color), italic=True)
            self.span_styles[key] = style
        return style

    def ghost(self, span: SpanView) -> Style:
        """A suggestion: the label's colour, dimmed, italic and underlined."""
        key = ("\x00ghost", span.color, "")
        style = self.span_styles.get(key)
        if style is None:
            style = Style(color=self.colour(span.color)) + self.style("ghost") + Style(
                dim=True, italic=True, underline=True)
            self.span_styles[key] = style
        return style

    def cursor_at_end(self, base: Style) -> Style:
        """The cursor on the reserved cell after a row's text (end of line, empty line)."""
        return base + self.style("cursor") + Style(reverse=True)

    def piece(self, a: int, base: Style, paint: RowPaint) -> Style:
        """The look of the characters from offset ``a`` to the next cut, in either row order."""
        spans, ghosts, specials = paint.spans, paint.ghosts, paint.specials
        sel, highlight, review_ids = paint.sel, paint.highlight, paint.review
        style = base
        emphasise = review = False
        for s in spans:
            if s.touches(a, a + 1):  # a span in pieces paints only its pieces
                style += self.span(s)
                emphasise = emphasise or s.id in highlight
                review = review or s.id in review_ids
        for g in ghosts:
            if g.start <= a < g.end:
                style += self.ghost(g)
                break
        if review:
            style += self.style("review")
        if emphasise:
            style += self.style("highlight")
        if specials and any(p <= a < q for p, q in specials):
            style += self.style("placeholder")
        in_sel = sel is not None and sel[0] <= a < sel[1]
        if in_sel:
            style += self.style("selection")
        if paint.cursor_here and a == paint.cursor:
            style += self.style("cursor") + Style(reverse=not in_sel)
        return style

    # ------------------------------------------------------------------ rows to segments

    def logical_row(self, row: Row, paint: RowPaint) -> list[Segment]:
        """A row in stored order: one segment per piece between cuts; cost is the row's
        length plus the spans on it."""
        display = row.display
        base = self.style("base")
        segments: list[Segment] = []
        for a, b in pairwise(paint.cuts):
            text = display[row.display_index(a) : row.display_index(b)]
            if not text:
                continue
            segments.append(Segment(text, self.piece(a, base, paint)))
        if paint.cursor_here and paint.cursor >= row.end:
            # end of line (or empty line): the cursor sits on the reserved last column
            segments.append(Segment(" ", self.cursor_at_end(base)))
        return segments

    def visual_row(self, row: Row, paint: RowPaint) -> list[Segment]:
        """A row in visual order (``Row.visual``): each grapheme styled by its own offset.

        Spans, selection and cursor are logical ranges; styling each grapheme by the offset it
        shows draws every highlight exactly on the cells of its characters, even where a
        right-to-left run breaks it in two on screen. Same looks as ``logical_row``.
        """
        end = row.end
        base = self.style("base")
        cursor_style = self.cursor_at_end(base)
        at_end = paint.cursor_here and paint.cursor >= end
        segments: list[Segment] = []
        if row.rtl and at_end:
            segments.append(Segment(" " * (row.x0 - 1), base))
            segments.append(Segment(" ", cursor_style))
        elif row.x0:
            segments.append(Segment(" " * row.x0, base))
        # Styles change only at the paint's cuts: style each such logical piece once, then
        # look graphemes up by offset.
        ordered = paint.cuts
        piece_styles: dict[int, Style] = {}
        run: list[str] = []
        run_style: Style | None = None
        lo = hi = -1  # the piece [lo, hi) of the previous grapheme, and its style
        style = base
        for a, _b, disp, _x in row.visual:
            if not lo <= a < hi:  # neighbours on screen are mostly neighbours in the text
                k = bisect_right(ordered, a) - 1
                lo, hi = ordered[k], ordered[k + 1] if k + 1 < len(ordered) else end + 1
                cached = piece_styles.get(k)
                if cached is None:
                    cached = piece_styles[k] = self.piece(lo, base, paint)
                style = cached
            if run and style is not run_style and style != run_style:
                segments.append(Segment("".join(run), run_style))
                run = []
            run.append(disp)
            run_style = style
        if run:
            segments.append(Segment("".join(run), run_style))
        if at_end and not row.rtl:
            segments.append(Segment(" ", cursor_style))
        return segments

    def tag_row(self, row: Row, spans: SpanIndex, width: int) -> list[Segment]:
        """The tag row under a text row: each span starting there gets its label's short name
        under its first cell (pushed right when tags would touch; cut at the edge)."""
        base = self.style("base")
        stop = max(row.end, row.start + 1)
        starting = [s for s in spans.overlapping(row.start, stop)
                    if row.start <= s.start < stop and s.end > s.start]
        starting.sort(key=lambda s: (s.start, -s.end, s.id))
        segments: list[Segment] = []
        x = 0
        for span in starting:
            cell = row.offset_to_cell(span.start)
            at = max(cell, x + 1 if x else 0)
            tag = "▔" + short_tag(span.label)
            room = width - at
            if room < 2:
                break
            tag = tag[:room]
            if at > x:
                segments.append(Segment(" " * (at - x), base))
            segments.append(Segment(tag, base + (self.span(span) + _TAG_PLAIN)))
            x = at + len(tag)
        return segments
