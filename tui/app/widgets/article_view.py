"""The article view: read-only text with labelled spans, a cursor and a selection.

A ``ScrollView`` on Textual's line API: ``render_line`` paints one screen row from the ``Layout``
(wrapping and the cell <-> offset maps live in ``tui.layout``, offsets and snapping in
``projects.textutil``). Every cost is per screen row, never per document: spans are found per row
through a chunked ``SpanIndex``, painted rows are cached under a key holding everything that
changes them, and a key press refreshes only the rows whose cursor or selection changed.

State is character offsets into the exact stored text (``cursor``, ``anchor``); the screen reads
``selected_range()`` (snapped to graphemes, and to tokens when ``snap_tokens``) to make spans.
Keys that edit (labels, undo, delete...) belong to the screen; this widget binds only movement
and selection, each ``Binding`` with an id so a user keymap can remap it.

Looks, chosen to survive ``NO_COLOR`` (Textual then drops colours but keeps attributes):
entity = background tint + underline, event = bold in the label colour, attribution and other
layers = italic in the label colour, emphasised spans (``highlight_ids``) = bold, underline,
overline and a highlight background, selection = reverse video, cursor = reverse video toggled
(so it shows inside a selection too) plus bold underline, control-character placeholders = dim in
the error colour. Below truecolor the screen sets ``label_looks`` (``tui.palette``): one look per
label chosen for the terminal's colour depth, since Rich's own downgrade turned the pale entity
tints into one grey. ``tag_mode`` adds a row under each text row naming the labels that start
there (monochrome terminals, colour-blind annotators) without touching wrapping or offsets.

Suggestions (``set_ghosts``) are a separate layer the view paints but never reports as spans
(``spans_at`` ignores them; ``ghosts_at`` finds them): dim + italic + underline in the label's
colour, so a suggestion reads as "not yet annotated" in any colour depth and under ``NO_COLOR``
(where the dim attribute is what sets it apart from an entity's underline or a quote's italic).

Spans a corrected article moved to a best guess (``review_ids``, projects.docversions) add the
``article-view--review`` look: a background in the error colour and a double underline (which no
label look uses), so they stand out in any colour depth until the annotator confirms them.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.color import Color
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from copydesk.projects.textutil import TextIndex
from copydesk.tui.engine import motions
from copydesk.tui.engine.bidi import DIRECTIONS, DISPLAY_MODES
from copydesk.tui.engine.layout import BidiOptions, Layout, Row, SpanIndex, SpanView

__all__ = ["ArticleView", "SpanView"]

# Paint order: later layers win the foreground colour (an event trigger inside a quote shows the
# event colour); attributes (italic, underline, bold) add up, so every layer stays visible.
_LAYER_ORDER = {"entity": 1, "event": 2}


def _layer_rank(span: SpanView) -> int:
    return _LAYER_ORDER.get(span.layer, 0)


def short_tag(label: str) -> str:
    """The name shown in tag mode: an event type without its family ("Conflict.Attack" ->
    "Attack"), anything else as it is."""
    return label.rsplit(".", 1)[-1] or label


_UNSIZED = Layout("", 1)  # stands in until the widget has a width

_MODE_HELP = {
    "visual": "Display: visual (copydesk orders right-to-left rows; for tmux, xterm)",
    "logical": "Display: logical (stored order, left to right)",
    "terminal": "Display: terminal bidi (stored order; for VTE, Konsole, mlterm)",
}
_DIRECTION_HELP = {
    "auto": "from each paragraph's first letter",
    "rtl": "right to left for this document",
    "ltr": "left to right for this document",
}


@dataclass(frozen=True, slots=True)
class _RowPaint:
    """One row's spans, ghosts, placeholders, selection and cursor, and the sorted offsets
    (cuts) where its look may change: what both row renderers (logical, visual) work from."""

    spans: list[SpanView]
    ghosts: Sequence[SpanView]
    specials: Sequence[tuple[int, int]]
    sel: tuple[int, int] | None
    cursor_here: bool
    highlight: frozenset[int]
    cuts: list[int]


class ViewMessage(Message):
    """A message from an ArticleView; `control` is that view, so handlers can be selected by it."""

    def __init__(self, view: ArticleView) -> None:
        super().__init__()
        self.article_view = view

    @property
    def control(self) -> ArticleView:
        return self.article_view


class ArticleView(ScrollView, can_focus=True):
    """Wrapped article text with spans, cursor and selection, painted one row at a time."""

    DEFAULT_CSS = """
    ArticleView {
        overflow-y: scroll;
        overflow-x: hidden;
        background: $surface;
        color: $foreground;
        padding: 0 1;
    }
    ArticleView:focus {
        background-tint: $foreground 3%;
    }
    ArticleView > .article-view--cursor {
        text-style: reverse bold underline;
    }
    ArticleView > .article-view--selection {
        text-style: reverse;
    }
    ArticleView > .article-view--highlight {
        background: $warning 45%;
        text-style: bold underline;
    }
    ArticleView > .article-view--placeholder {
        color: $error;
        text-style: dim;
    }
    ArticleView > .article-view--ghost {
        text-style: dim italic underline;
    }
    ArticleView > .article-view--review {
        background: $error 35%;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "article-view--cursor",
        "article-view--selection",
        "article-view--highlight",
        "article-view--placeholder",
        "article-view--ghost",
        "article-view--review",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "cursor_left", "Left", show=False, id="cursor.left"),
        Binding("right", "cursor_right", "Right", show=False, id="cursor.right"),
        Binding("up", "cursor_up", "Up", show=False, id="cursor.up"),
        Binding("down", "cursor_down", "Down", show=False, id="cursor.down"),
        Binding("home", "cursor_row_start", "Row start", show=False, id="cursor.row_start"),
        Binding("end", "cursor_row_end", "Row end", show=False, id="cursor.row_end"),
        Binding("ctrl+home", "cursor_doc_start", "Top", show=False, id="cursor.doc_start"),
        Binding("ctrl+end", "cursor_doc_end", "Bottom", show=False, id="cursor.doc_end"),
        Binding("pageup", "cursor_page_up", "Page up", show=False, id="cursor.page_up"),
        Binding("pagedown", "cursor_page_down", "Page down", show=False, id="cursor.page_down"),
        Binding("w,ctrl+right", "cursor_next_word", "Next word", show=False, id="cursor.next_word"),
        Binding("b,ctrl+left", "cursor_prev_word", "Prev word", show=False, id="cursor.prev_word"),
        Binding(")", "cursor_next_sentence", "Sentence +", show=False, id="cursor.next_sentence"),
        Binding("(", "cursor_prev_sentence", "Sentence -", show=False, id="cursor.prev_sentence"),
        Binding("]", "cursor_next_span", "Next span", show=False, id="cursor.next_span"),
        Binding("[", "cursor_prev_span", "Prev span", show=False, id="cursor.prev_span"),
        Binding("shift+left", "select_left", "Select left", show=False, id="select.left"),
        Binding("shift+right", "select_right", "Select right", show=False, id="select.right"),
        Binding("shift+up", "select_up", "Select up", show=False, id="select.up"),
        Binding("shift+down", "select_down", "Select down", show=False, id="select.down"),
        Binding(
            "shift+home",
            "select_row_start",
            "Select to row start",
            show=False,
            id="select.row_start",
        ),
        Binding(
            "shift+end", "select_row_end", "Select to row end", show=False, id="select.row_end"
        ),
        Binding(
            "W,ctrl+shift+right", "select_next_word", "Select word", show=False,
            id="select.next_word"
        ),
        Binding(
            "B,ctrl+shift+left",
            "select_prev_word",
            "Select word back",
            show=False,
            id="select.prev_word",
        ),
        Binding("v", "toggle_select_mode", "Select mode", id="select.mode"),
        Binding("space", "set_anchor", "Start selection", show=False, id="select.anchor"),
        Binding("escape", "clear_selection", "Clear", show=False, id="select.clear"),
        Binding("t", "toggle_snap", "Snap tokens", show=False, id="select.snap_tokens"),
        # right-to-left display (see tui.bidi and the README's "Right-to-left text")
        Binding("f6", "cycle_bidi_mode", "RTL display", show=False, id="bidi.mode"),
        Binding("f7", "toggle_shaping", "Arabic shaping", show=False, id="bidi.shaping"),
        Binding("f8", "cycle_direction", "Direction", show=False, id="bidi.direction"),
    ]

    class CursorMoved(ViewMessage):
        """The cursor moved to a new offset (or the spans under it changed)."""

        def __init__(self, view: ArticleView, offset: int, spans: list[SpanView]) -> None:
            super().__init__(view)
            self.offset = offset
            self.spans = spans

    class SelectionChanged(ViewMessage):
        """The range a label would cover changed: ``selection`` is snapped, or None."""

        def __init__(self, view: ArticleView, selection: tuple[int, int] | None) -> None:
            super().__init__(view)
            self.selection = selection

    class SelectModeChanged(ViewMessage):
        """Select mode went on or off (the screen shows it: plain moves now extend)."""

        def __init__(self, view: ArticleView, on: bool) -> None:
            super().__init__(view)
            self.on = on

    class BidiChanged(ViewMessage):
        """The annotator changed how right-to-left text is shown (to be remembered)."""

        def __init__(self, view: ArticleView, options: BidiOptions) -> None:
            super().__init__(view)
            self.options = options

    class MotionFailed(ViewMessage):
        """A motion found nothing to go to: the cursor and selection stayed where they were,
        and the screen says why (a silent no-op let a label key land on the wrong word)."""

        def __init__(self, view: ArticleView, reason: str) -> None:
            super().__init__(view)
            self.reason = reason

    class Escape(ViewMessage):
        """Escape was pressed (after clearing the selection): lets the screen cancel a mode."""

    def __init__(
        self,
        text: str = "",
        spans: Sequence[SpanView] = (),
        *,
        snap_tokens: bool = True,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._index = TextIndex(text)
        self._spans = SpanIndex(spans)
        self._ghosts = SpanIndex()
        self._ghost_version = 0
        self._layout: Layout | None = None
        self._cursor = 0
        self.anchor: int | None = None
        self._select_mode = False
        self._snap_tokens = snap_tokens
        self._highlight_ids: frozenset[int] = frozenset()
        self._review_ids: frozenset[int] = frozenset()
        self._review_version = 0
        self._goal_x: int | None = None
        self._spans_version = 0
        self._row_versions: dict[int, int] = {}  # rows repainted after an in-place span edit
        self._highlight_version = 0
        self._style_version = 0
        self._line_cache: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._styles: dict[str, Style] = {}
        self._span_styles: dict[tuple[str, str, str], Style] = {}
        self._label_looks: dict[str, Style] | None = None  # per colour depth: tui.palette
        self._tag_mode = False  # a row of label tags under every text row (see tag_mode)
        self._posted_cursor: tuple[int, tuple[int, ...]] | None = None
        self._posted_selection: tuple[int, int] | None = None
        self._drag_anchor: int | None = None
        self.rows_rendered = 0  # rows painted (cache misses): lets tests check per-key cost
        self._bidi = BidiOptions()  # right-to-left display (see tui.bidi); the screen sets it

    # ------------------------------------------------------------------ public state

    @property
    def text(self) -> str:
        """The exact stored text being shown."""
        return self._index.text

    @property
    def index(self) -> TextIndex:
        """Token, sentence and grapheme index of the text."""
        return self._index

    @property
    def layout(self) -> Layout:
        """The text wrapped at the current width (built on demand)."""
        return self._ensure_layout()

    @property
    def cursor(self) -> int:
        """Cursor offset (always on a grapheme boundary)."""
        return self._cursor

    @cursor.setter
    def cursor(self, offset: int) -> None:
        self.move_cursor(offset)

    @property
    def select_mode(self) -> bool:
        """Whether plain moves extend the selection (``v``, ``space``)."""
        return self._select_mode

    @select_mode.setter
    def select_mode(self, on: bool) -> None:
        if on != self._select_mode:
            self._select_mode = on
            self.post_message(self.SelectModeChanged(self, on))

    @property
    def selection(self) -> tuple[int, int] | None:
        """Raw ``(start, end)`` between anchor and cursor, or None if nothing is selected."""
        if self.anchor is None or self.anchor == self._cursor:
            return None
        return min(self.anchor, self._cursor), max(self.anchor, self._cursor)

    @property
    def snap_tokens(self) -> bool:
        """Whether ``selected_range`` widens to whole tokens (graphemes are always whole)."""
        return self._snap_tokens

    @snap_tokens.setter
    def snap_tokens(self, value: bool) -> None:
        if value != self._snap_tokens:
            old = self.selected_range()
            self._snap_tokens = value
            self._refresh_selection_change(old, self.selected_range())
            self._post_selection()

    @property
    def highlight_ids(self) -> frozenset[int]:
        """Span ids to emphasise (an attribution's parts, an event's arguments)."""
        return self._highlight_ids

    @highlight_ids.setter
    def highlight_ids(self, ids: Iterable[int]) -> None:
        new = frozenset(ids)
        if new != self._highlight_ids:
            self._highlight_ids = new
            self._highlight_version += 1
            self.refresh()

    @property
    def review_ids(self) -> frozenset[int]:
        """Span ids a corrected text moved to a best guess (they need review)."""
        return self._review_ids

    @review_ids.setter
    def review_ids(self, ids: Iterable[int]) -> None:
        new = frozenset(ids)
        if new != self._review_ids:
            self._review_ids = new
            self._review_version += 1
            self.refresh()

    @property
    def bidi(self) -> BidiOptions:
        """How right-to-left lines are shown (display mode, direction override, shaping)."""
        return self._bidi

    @bidi.setter
    def bidi(self, options: BidiOptions) -> None:
        if options != self._bidi:
            self._bidi = options
            self._layout = None  # re-laid out (same rows, new order) at the next paint
            self._line_cache.clear()
            if self.is_mounted:
                self._ensure_layout()
                self.call_after_refresh(self._scroll_cursor_into_view)
                self.refresh()

    @property
    def spans(self) -> list[SpanView]:
        """All spans shown, sorted by start."""
        return list(self._spans.spans)

    def selected_range(self) -> tuple[int, int] | None:
        """The range a label would get: the selection snapped to graphemes (and tokens).

        With token snapping, punctuation at either edge is left out (``motions.trim_punctuation``)
        as a label key leaves it out, so the highlight drawn from this range is exactly what a
        label key stores; None while the selection holds punctuation alone (a label key then
        makes nothing, and nothing is highlighted)."""
        sel = self.selection
        if sel is None:
            return None
        start, end = sel
        if self._snap_tokens:
            start, end = self._index.snap_to_tokens(start, end)
            trimmed = motions.trim_punctuation(self._index, start, end)
            if trimmed is None:
                return None
            start, end = trimmed
        return self._index.snap_to_graphemes(start, end)

    def token_range_at(self, offset: int) -> tuple[int, int] | None:
        """``(start, end)`` of the token at ``offset``, or None on whitespace."""
        return self._index.token_range_at(offset)

    def spans_overlapping(self, start: int, end: int) -> list[SpanView]:
        """Spans with a character in ``[start, end)`` (costs the spans near the range)."""
        return self._spans.overlapping(start, max(end, start + 1))

    def spans_at(self, offset: int) -> list[SpanView]:
        """Spans covering the character at ``offset``, outermost first."""
        return self._spans.at(offset)

    # ------------------------------------------------------------------ suggestions (ghosts)

    def set_ghosts(self, ghosts: Sequence[SpanView]) -> None:
        """Replace the suggestions shown; they are painted, never counted as spans."""
        self._ghosts = SpanIndex(ghosts)
        self._ghost_version += 1
        self.refresh()

    @property
    def ghosts(self) -> list[SpanView]:
        """All suggestions shown, sorted by start."""
        return list(self._ghosts.spans)

    def ghosts_at(self, offset: int) -> list[SpanView]:
        """Suggestions covering the character at ``offset``."""
        return self._ghosts.at(offset)

    def next_ghost_start(self, offset: int) -> int | None:
        return self._ghosts.next_start(offset)

    def prev_ghost_start(self, offset: int) -> int | None:
        return self._ghosts.prev_start(offset)

    # ------------------------------------------------------------------ loading

    def load(self, text: str, spans: Sequence[SpanView] = ()) -> None:
        """Show a new document: resets cursor, selection and scroll."""
        self._index = TextIndex(text)
        self._spans = SpanIndex(spans)
        self._spans_version += 1
        self._layout = None
        self._cursor = 0
        self.anchor = None
        self.select_mode = False
        self._goal_x = None
        self._line_cache.clear()
        if self.is_mounted:
            self._ensure_layout()
            self.scroll_to(0, 0, animate=False)
            self.refresh()
        self._post_cursor()
        self._post_selection()

    def set_spans(self, spans: Sequence[SpanView]) -> None:
        """Replace the spans shown (a new document or schema); cursor and selection stay."""
        self._spans = SpanIndex(spans)
        self._spans_version += 1
        self.refresh()
        self._post_cursor()

    def update_spans(self, added: Sequence[SpanView] = (), removed: Sequence[int] = ()) -> None:
        """Apply an edit: drop `removed` ids, then add `added` (a changed span is both).

        Costs the edited spans, not the document's, so a label key stays fast on an article
        with thousands of spans.
        """
        touched: list[SpanView] = []
        for span_id in removed:
            gone = self._spans.remove(span_id)
            if gone is not None:
                touched.append(gone)
        for span in added:
            self._spans.add(span)
            touched.append(span)
        layout = self._layout
        if layout is None:
            self._spans_version += 1
        else:
            # Only the rows under the edited spans look different: repaint just those.
            rows: set[int] = set()
            for span in touched:
                rows.update(range(layout.row_of(span.start),
                                  layout.row_of(max(span.start, span.end - 1)) + 1))
            top = self.scroll_offset.y
            bottom = top + self.scrollable_content_region.height
            per = self._screen_rows_per_row
            for row in rows:
                self._row_versions[row] = self._row_versions.get(row, 0) + 1
                if top <= row * per + per - 1 and row * per < bottom:
                    self._refresh_rows(row)
        self._post_cursor()

    # ------------------------------------------------------------------ moving

    def move_cursor(self, offset: int, *, extend: bool = False, keep_goal: bool = False) -> None:
        """Put the cursor at ``offset`` (snapped to a grapheme start) and keep it on screen.

        ``extend`` (or select mode) grows the selection from the anchor; otherwise a plain move
        drops the selection.
        """
        n = len(self._index.text)
        offset = max(0, min(offset, n))
        if not self._index.is_grapheme_boundary(offset):
            offset = self._index.prev_grapheme(offset)
        old_cursor = self._cursor
        old_sel = self.selected_range()
        if extend or self.select_mode:
            if self.anchor is None:
                self.anchor = old_cursor
        else:
            self.anchor = None
        self._cursor = offset
        if not keep_goal:
            self._goal_x = None
        if self.is_mounted and self._layout is not None:
            layout = self._layout
            self._refresh_rows(layout.row_of(old_cursor), layout.row_of(offset))
            self._refresh_selection_change(old_sel, self.selected_range())
            self._scroll_cursor_into_view()
        self._post_cursor()
        self._post_selection()

    def clear_selection(self) -> None:
        """Drop the selection and leave select mode."""
        old = self.selected_range()
        self.anchor = None
        self.select_mode = False
        self._refresh_selection_change(old, None)
        self._post_selection()

    def _vertical(self, rows: int, extend: bool) -> None:
        """Move by visual rows, keeping the goal column like an editor."""
        layout = self._ensure_layout()
        row, x = layout.cell_of(self._cursor)
        if self._goal_x is None:
            self._goal_x = x
        target = row + rows
        if target < 0:
            self.move_cursor(0, extend=extend)
            return
        layout.wrap_more(rows=target)
        if target >= layout.wrapped_rows:
            self.move_cursor(len(self._index.text), extend=extend)
            return
        self.move_cursor(layout.offset_at(target, self._goal_x), extend=extend, keep_goal=True)

    def _row_edge(self, end: bool) -> int:
        layout = self._ensure_layout()
        row = layout.row(layout.row_of(self._cursor))
        if not end:
            return row.start
        return row.end if row.last else row.last_grapheme_start()

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height // self._screen_rows_per_row - 1)

    def _horizontal(self, step: int) -> int:
        """Target of left (-1) / right (+1): on screen in a visual row, else in stored order."""
        if self._layout is not None:
            target = self._layout.visual_step(self._cursor, step)
            if target is not None:
                return target
        if step < 0:
            return self._index.prev_grapheme(self._cursor)
        return self._index.next_grapheme(self._cursor)

    def action_cursor_left(self) -> None:
        self.move_cursor(self._horizontal(-1))

    def action_cursor_right(self) -> None:
        self.move_cursor(self._horizontal(1))

    def action_cursor_up(self) -> None:
        self._vertical(-1, False)

    def action_cursor_down(self) -> None:
        self._vertical(1, False)

    def action_cursor_row_start(self) -> None:
        self.move_cursor(self._row_edge(False))

    def action_cursor_row_end(self) -> None:
        self.move_cursor(self._row_edge(True))

    def action_cursor_doc_start(self) -> None:
        self.move_cursor(0)

    def action_cursor_doc_end(self) -> None:
        self.move_cursor(len(self._index.text))

    def action_cursor_page_up(self) -> None:
        self._vertical(-self._page(), False)

    def action_cursor_page_down(self) -> None:
        self._vertical(self._page(), False)

    def action_cursor_next_word(self) -> None:
        self.move_cursor(motions.next_word(self._index, self._cursor))

    def action_cursor_prev_word(self) -> None:
        self.move_cursor(motions.prev_word(self._index, self._cursor))

    def action_cursor_next_sentence(self) -> None:
        self.move_cursor(self._index.next_sentence(self._cursor))

    def action_cursor_prev_sentence(self) -> None:
        self.move_cursor(self._index.prev_sentence(self._cursor))

    def action_cursor_next_span(self) -> None:
        target = self._spans.next_start(self._cursor)
        if target is not None:
            self.move_cursor(target)
        else:
            self.post_message(self.MotionFailed(self, "No span further on."))

    def action_cursor_prev_span(self) -> None:
        target = self._spans.prev_start(self._cursor)
        if target is not None:
            self.move_cursor(target)
        else:
            self.post_message(self.MotionFailed(self, "No span before the cursor."))

    def action_select_left(self) -> None:
        self.move_cursor(self._horizontal(-1), extend=True)

    def action_select_right(self) -> None:
        self.move_cursor(self._horizontal(1), extend=True)

    def action_select_up(self) -> None:
        self._vertical(-1, True)

    def action_select_down(self) -> None:
        self._vertical(1, True)

    def action_select_row_start(self) -> None:
        self.move_cursor(self._row_edge(False), extend=True)

    def action_select_row_end(self) -> None:
        self.move_cursor(self._row_edge(True), extend=True)

    def action_select_next_word(self) -> None:
        self.move_cursor(motions.next_word(self._index, self._cursor), extend=True)

    def action_select_prev_word(self) -> None:
        self.move_cursor(motions.prev_word(self._index, self._cursor), extend=True)

    def select(self, start: int, end: int) -> None:
        """Select ``[start, end)`` with the cursor at its start, so the span a label key makes
        from it is under the cursor (ready for ``S``/``C``/``a``)."""
        self.select_mode = False
        self.move_cursor(end)
        self.move_cursor(start, extend=True)

    def action_toggle_select_mode(self) -> None:
        """Select mode: plain moves extend the selection (for terminals without shift+arrows)."""
        self.select_mode = not self.select_mode
        if self.select_mode and self.anchor is None:
            self.anchor = self._cursor

    def action_set_anchor(self) -> None:
        """Start a selection at the cursor; following moves extend it."""
        old = self.selected_range()
        self.anchor = self._cursor
        self.select_mode = True
        self._refresh_selection_change(old, self.selected_range())
        self._post_selection()

    def action_clear_selection(self) -> None:
        self.clear_selection()
        self.post_message(self.Escape(self))

    def action_toggle_snap(self) -> None:
        self.snap_tokens = not self.snap_tokens
        self.notify(f"Snap to tokens {'on' if self.snap_tokens else 'off'}", timeout=2)

    def _change_bidi(self, options: BidiOptions, message: str) -> None:
        self.bidi = options
        self.post_message(self.BidiChanged(self, options))
        self.notify(message, timeout=3)

    def action_cycle_bidi_mode(self) -> None:
        """visual -> logical -> terminal -> visual (see ``BidiOptions``)."""
        modes = DISPLAY_MODES
        mode = modes[(modes.index(self._bidi.mode) + 1) % len(modes)]
        self._change_bidi(replace(self._bidi, mode=mode), _MODE_HELP[mode])

    def action_toggle_shaping(self) -> None:
        shaping = not self._bidi.shaping
        self._change_bidi(replace(self._bidi, shaping=shaping),
                          f"Arabic shaping {'on' if shaping else 'off'} (display only)")

    def action_cycle_direction(self) -> None:
        """auto -> rtl -> ltr -> auto: this document's paragraph direction."""
        dirs = DIRECTIONS
        direction = dirs[(dirs.index(self._bidi.direction) + 1) % len(dirs)]
        self._change_bidi(replace(self._bidi, direction=direction),
                          f"Paragraph direction: {_DIRECTION_HELP[direction]}")

    # ------------------------------------------------------------------ mouse

    def _offset_at_event(self, event: events.MouseEvent) -> int | None:
        where = event.get_content_offset_capture(self)
        layout = self._ensure_layout()
        scroll_x, scroll_y = self.scroll_offset
        row = max((where.y + scroll_y) // self._screen_rows_per_row, 0)
        layout.wrap_more(rows=row)
        if not layout.wrapped_rows:
            return None
        row = min(row, layout.wrapped_rows - 1)
        return layout.offset_at(row, max(0, where.x + scroll_x))

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button != 1 or event.get_content_offset(self) is None:
            return
        offset = self._offset_at_event(event)
        if offset is None:
            return
        self.focus()
        self.select_mode = False
        self.move_cursor(offset)
        self._drag_anchor = self._cursor
        self.capture_mouse()
        event.stop()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._drag_anchor is None:
            return
        offset = self._offset_at_event(event)
        if offset is None:
            return
        if self.anchor is None:
            self.anchor = self._drag_anchor
        self.move_cursor(offset, extend=True)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._drag_anchor is not None:
            self._drag_anchor = None
            self.release_mouse()

    # ------------------------------------------------------------------ messages

    def _post_cursor(self) -> None:
        spans = self._spans.at(self._cursor)
        key = (self._cursor, tuple(s.id for s in spans))
        if key != self._posted_cursor:
            self._posted_cursor = key
            self.post_message(self.CursorMoved(self, self._cursor, spans))

    def _post_selection(self) -> None:
        sel = self.selected_range()
        if sel != self._posted_selection:
            self._posted_selection = sel
            self.post_message(self.SelectionChanged(self, sel))

    # ------------------------------------------------------------------ layout and scrolling

    def _content_width(self) -> int:
        return self.scrollable_content_region.width

    def _ensure_layout(self) -> Layout:
        """The layout for the current width; one column is kept for the end-of-line cursor."""
        if self._layout is None and self._content_width() <= 1:
            # Not laid out yet (mounting): wrapping now would cut the whole document into
            # one-character rows (seconds on a long article) only to throw them away.
            return _UNSIZED
        width = max(1, self._content_width() - 1)
        if self._layout is None or self._layout.width != width:
            rewrap = self._layout is not None
            self._layout = Layout(self._index, width, self._bidi)
            self._line_cache.clear()
            self.virtual_size = Size(self._content_width(),
                                     self._layout.estimated_len() * self._screen_rows_per_row)
            if rewrap:
                # the new virtual size bounds scrolling only after the next refresh
                self.call_after_refresh(self._scroll_cursor_into_view)
            layout = self._layout
            self.call_after_refresh(lambda: self._wrap_in_background(layout))
        return self._layout

    WRAP_STEP_SECONDS = 0.008

    def _wrap_in_background(self, layout: Layout) -> None:
        """Finish wrapping after the first paint, a few milliseconds per step, so keys stay
        responsive and the scrollbar becomes exact (the layout wraps from the top on demand)."""
        if layout is not self._layout or not self.is_mounted:
            return  # re-wrapped or unmounted since: that chain stops
        deadline = time.perf_counter() + self.WRAP_STEP_SECONDS
        while not layout.complete and time.perf_counter() < deadline:
            layout.wrap_more(rows=layout.wrapped_rows + 256)
        self._sync_virtual_size()
        if not layout.complete:
            self.set_timer(0.005, lambda: self._wrap_in_background(layout))

    def _sync_virtual_size(self) -> bool:
        """Match the scrollable height to the layout (its length grows exact as it wraps);
        True if it changed."""
        layout = self._layout
        if layout is None:
            return False
        size = Size(self._content_width(), layout.estimated_len() * self._screen_rows_per_row)
        if size == self.virtual_size:
            return False
        self.virtual_size = size
        return True

    def on_resize(self, event: events.Resize) -> None:
        """Re-wrap at the new width (``_ensure_layout`` keeps the cursor in view)."""
        old = self._layout
        if self._ensure_layout() is not old:
            self.refresh()

    def on_mount(self) -> None:
        self._ensure_layout()
        self._post_cursor()

    def _scroll_cursor_into_view(self) -> None:
        layout = self._ensure_layout()
        per = self._screen_rows_per_row
        row = layout.row_of(self._cursor) * per
        last = row + per - 1  # the cursor's row and, in tag mode, its tag row
        if self._sync_virtual_size():
            # wrapping down to the cursor changed the height; it bounds scrolling after a refresh
            self.call_after_refresh(self._scroll_cursor_into_view)
            return
        height = self.scrollable_content_region.height
        top = self.scroll_offset.y
        if height <= 0:
            return
        if row < top:
            self.scroll_to(y=row, animate=False)
        elif last >= top + height:
            self.scroll_to(y=last - height + 1, animate=False)

    def _refresh_rows(self, *rows: int) -> None:
        per = self._screen_rows_per_row
        for row in set(rows):
            for line in range(row * per, row * per + per):
                self.refresh_line(line)

    # ------------------------------------------------------------------ tag mode

    @property
    def _screen_rows_per_row(self) -> int:
        return 2 if self._tag_mode else 1

    @property
    def tag_mode(self) -> bool:
        """Label tags drawn under each span's first cell, for monochrome terminals and for
        annotators who cannot tell the label colours apart.

        The tags sit on a row of their own under each text row (as brat draws labels over
        its spans) instead of inside the text, so wrapping, the cell <-> offset maps and every
        offset stay exactly as without tags.
        """
        return self._tag_mode

    @tag_mode.setter
    def tag_mode(self, value: bool) -> None:
        if value == self._tag_mode:
            return
        self._tag_mode = value
        self._line_cache.clear()
        self._style_version += 1
        if self._layout is not None:
            self.virtual_size = Size(self._content_width(),
                                     self._layout.estimated_len() * self._screen_rows_per_row)
            self.call_after_refresh(self._scroll_cursor_into_view)
        self.refresh()

    def _render_tags(self, layout: Layout, row_index: int) -> Strip:
        """The tag row under text row ``row_index``: each span starting there gets its label's
        short name under its first cell (pushed right when tags would touch; cut at the edge)."""
        row = layout.row(row_index)
        width = self._content_width()
        base = self._style("base")
        starting = [s for s in self._spans.overlapping(row.start, max(row.end, row.start + 1))
                    if row.start <= s.start < max(row.end, row.start + 1) and s.end > s.start]
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
            look = self._span_style(span) + Style(underline=False, underline2=False,
                                                  overline=False, strike=False)
            segments.append(Segment(tag, base + look))
            x = at + len(tag)
        return Strip(segments)

    def _refresh_selection_change(
        self, old: tuple[int, int] | None, new: tuple[int, int] | None
    ) -> None:
        """Refresh only the visible rows whose selected part changed."""
        if old == new or not self.is_mounted or self._layout is None:
            return
        layout = self._layout
        changed: list[tuple[int, int]] = []
        if old is None or new is None:
            a, b = old or new  # type: ignore[misc]
            changed.append((a, b))
        else:
            changed.append((min(old[0], new[0]), max(old[0], new[0])))
            changed.append((min(old[1], new[1]), max(old[1], new[1])))
        per = self._screen_rows_per_row
        top = self.scroll_offset.y // per
        bottom = (self.scroll_offset.y + self.scrollable_content_region.height) // per
        for a, b in changed:
            first = max(layout.row_of(a), top)
            last = min(layout.row_of(b), bottom)
            if first <= last:
                self.refresh_lines(first * per, (last - first + 1) * per)

    def notify_style_update(self) -> None:
        """Theme or CSS changed: drop cached styles and painted rows."""
        super().notify_style_update()
        self._styles.clear()
        self._span_styles.clear()
        self._style_version += 1
        self._line_cache.clear()

    # ------------------------------------------------------------------ painting

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            if name == "base":
                style = self.rich_style
            else:
                style = self.get_component_rich_style(f"article-view--{name}", partial=True)
                if name == "highlight":
                    style += Style(overline=True)
                elif name == "review":  # a look no label has, in colour or not
                    style += Style(underline2=True)
            self._styles[name] = style
        return style

    @property
    def label_looks(self) -> dict[str, Style] | None:
        """Label -> look chosen for the terminal's colour depth (``tui.palette``), or None."""
        return self._label_looks

    @label_looks.setter
    def label_looks(self, looks: dict[str, Style] | None) -> None:
        self._label_looks = looks
        self._span_styles.clear()
        self._style_version += 1
        self.refresh()

    def _span_style(self, span: SpanView) -> Style:
        """The look of one span by layer (see the module docstring), or by colour depth."""
        key = (span.layer, span.color, span.label)
        style = self._span_styles.get(key)
        looks = self._label_looks
        if style is None and looks is not None and span.label in looks:
            style = self._span_styles[key] = looks[span.label]
        if style is None:
            try:
                color = Color.parse(span.color)
            except Exception:  # a bad colour in a schema must not break drawing
                color = Color.parse("grey")
            if span.layer == "entity":
                background = self.background_colors[1]
                tint = background.blend(color, 0.35)
                style = Style(bgcolor=tint.rich_color, underline=True)
            elif span.layer == "event":
                style = Style(color=color.rich_color, bold=True)
            else:
                style = Style(color=color.rich_color, italic=True)
            self._span_styles[key] = style
        return style

    def _ghost_style(self, span: SpanView) -> Style:
        """A suggestion: the label's colour, dimmed, italic and underlined (see module doc)."""
        key = ("\x00ghost", span.color)
        style = self._span_styles.get(key)
        if style is None:
            try:
                color = Color.parse(span.color)
            except Exception:  # a bad colour in a schema must not break drawing
                color = Color.parse("grey")
            style = Style(color=color.rich_color) + self._style("ghost") + Style(
                dim=True, italic=True, underline=True)
            self._span_styles[key] = style
        return style

    def render_line(self, y: int) -> Strip:
        """Paint screen row ``y`` (cached; see ``_row_key``)."""
        layout = self._ensure_layout()
        width = self._content_width()
        scroll_y = self.scroll_offset.y
        per = self._screen_rows_per_row
        row_index, tag_row = divmod(scroll_y + y, per)
        layout.wrap_more(rows=row_index)
        if row_index >= layout.wrapped_rows:
            return Strip.blank(width, self._style("base"))
        if tag_row:
            key: tuple[object, ...] = ("tags", row_index, layout.width, width,
                                       self._spans_version, self._row_versions.get(row_index, 0),
                                       self._style_version)
            strip = self._line_cache.get(key)
            if strip is None:
                strip = self._render_tags(layout, row_index).crop_extend(0, width,
                                                                         self._style("base"))
                self._line_cache[key] = strip
            return strip
        key = self._row_key(layout, row_index)
        strip = self._line_cache.get(key)
        if strip is None:
            strip = self._render_row(layout, row_index).crop_extend(0, width, self._style("base"))
            self._line_cache[key] = strip
        return strip

    def _row_key(self, layout: Layout, row_index: int) -> tuple[object, ...]:
        """Everything that changes how a row looks."""
        row = layout.row(row_index)
        cursor = self._cursor if layout.row_of(self._cursor) == row_index else -1
        sel = self.selected_range()
        row_sel: tuple[int, int] | None = None
        if sel is not None:
            a, b = max(sel[0], row.start), min(sel[1], row.end)
            if a < b:
                row_sel = (a, b)
        return (
            row_index,
            layout.width,
            self._content_width(),
            self._spans_version,
            self._row_versions.get(row_index, 0),
            self._highlight_version,
            self._review_version,
            self._ghost_version,
            self._style_version,
            cursor,
            row_sel,
        )

    def _render_row(self, layout: Layout, row_index: int) -> Strip:
        """Build the segments of one row: cost is the row's length plus the spans on it."""
        self.rows_rendered += 1
        row = layout.row(row_index)
        if row.bidi is not None:
            return self._render_visual_row(layout, row, row_index)
        end = row.end
        display = row.display
        base = self._style("base")
        paint = self._row_paint(layout, row, row_index)
        cursor_here = paint.cursor_here
        segments: list[Segment] = []
        for a, b in pairwise(paint.cuts):
            text = display[row.display_index(a) : row.display_index(b)]
            if not text:
                continue
            style = self._piece_style(a, base, paint)
            segments.append(Segment(text, style))
        if cursor_here and self._cursor >= end:
            # end of line (or empty line): the cursor sits on the reserved last column
            segments.append(Segment(" ", base + self._style("cursor") + Style(reverse=True)))
        return Strip(segments)

    # ---------------------------------------------------- right-to-left rows in visual order

    def _render_visual_row(self, layout: Layout, row: Row, row_index: int) -> Strip:
        """A row in visual order (``Row.visual``): each grapheme styled by its own offset.

        Spans, selection and cursor are logical ranges; styling each grapheme by the offset it
        shows draws every highlight exactly on the cells of its characters, even where a
        right-to-left run breaks it in two on screen. Same looks as ``_render_row``.
        """
        end = row.end
        base = self._style("base")
        paint = self._row_paint(layout, row, row_index)
        cursor_here = paint.cursor_here
        cursor_style = base + self._style("cursor") + Style(reverse=True)
        at_end = cursor_here and self._cursor >= end
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
                    cached = piece_styles[k] = self._piece_style(lo, base, paint)
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
        return Strip(segments)

    def _row_paint(self, layout: Layout, row: Row, row_index: int) -> _RowPaint:
        """What one row's looks depend on, and the offsets where they may change (cuts)."""
        start, end = row.start, row.end
        spans = [s for s in self._spans.overlapping(start, max(end, start + 1)) if s.end > s.start]
        spans.sort(key=_layer_rank)
        ghosts = self._ghosts.overlapping(start, max(end, start + 1)) if len(self._ghosts) else []
        sel = self.selected_range()
        cursor_here = layout.row_of(self._cursor) == row_index

        def clip(offset: int) -> int:
            return min(max(offset, start), end)

        cuts = {start, end}
        for s in spans:
            for p_start, p_end in s.fragments or ((s.start, s.end),):
                cuts.update((clip(p_start), clip(p_end)))
        for g in ghosts:
            cuts.update((clip(g.start), clip(g.end)))
        for p, q in row.specials:
            cuts.update((p, q))
        if sel is not None:
            cuts.update((clip(sel[0]), clip(sel[1])))
        if cursor_here:
            cuts.update((self._cursor, clip(self._index.next_grapheme(self._cursor))))
        return _RowPaint(spans, ghosts, row.specials, sel, cursor_here, self._highlight_ids,
                         sorted(c for c in cuts if start <= c <= end))

    def _piece_style(self, a: int, base: Style, paint: _RowPaint) -> Style:
        """The look of the characters from offset ``a`` to the next cut, in either row order."""
        spans, ghosts, specials = paint.spans, paint.ghosts, paint.specials
        sel, highlight, cursor_here = paint.sel, paint.highlight, paint.cursor_here
        style = base
        emphasise = review = False
        for s in spans:
            if s.touches(a, a + 1):  # a span in pieces paints only its pieces
                style += self._span_style(s)
                emphasise = emphasise or s.id in highlight
                review = review or s.id in self._review_ids
        for g in ghosts:
            if g.start <= a < g.end:
                style += self._ghost_style(g)
                break
        if review:
            style += self._style("review")
        if emphasise:
            style += self._style("highlight")
        if specials and any(p <= a < q for p, q in specials):
            style += self._style("placeholder")
        in_sel = sel is not None and sel[0] <= a < sel[1]
        if in_sel:
            style += self._style("selection")
        if cursor_here and a == self._cursor:
            style += self._style("cursor") + Style(reverse=not in_sel)
        return style
