"""The article view widget: its state, bindings and messages (behaviour in the mixins beside it).

A ``ScrollView`` on Textual's line API: ``render_line`` paints one screen row from the ``Layout``
(wrapping and the cell <-> offset maps live in ``tui.engine.layout``, offsets and snapping in
``projects.textutil``). Every cost is per screen row, never per document: spans are found per row
through a chunked ``SpanIndex``, painted rows are cached under a key holding everything that
changes them, and a key press refreshes only the rows whose cursor or selection changed.

State is character offsets into the exact stored text (the engine's ``Selection``: cursor and
anchor); the screen reads ``selected_range()`` (snapped to graphemes, and to tokens when
``snap_tokens``) to make spans. Keys that edit (labels, undo, delete...) belong to the screen;
this widget binds only movement and selection, each ``Binding`` with an id so a user keymap can
remap it (the bindings stay here, on the widget that owns them).

Looks (``tui.engine.paint``) survive ``NO_COLOR``; below truecolor the screen sets
``label_looks`` (``tui.engine.palette``); ``tag_mode`` adds a row under each text row naming the
labels that start there, without touching wrapping or offsets. Suggestions (``set_ghosts``) are
painted but never reported as spans. Spans a corrected article moved to a best guess
(``review_ids``, projects.docversions) wear the ``article-view--review`` look until confirmed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from copydesk.projects.textutil import TextIndex
from copydesk.tui.app.widgets.article_view.content import ContentMixin
from copydesk.tui.app.widgets.article_view.display import DisplayMixin
from copydesk.tui.app.widgets.article_view.keys import KeysMixin
from copydesk.tui.app.widgets.article_view.mouse import MouseMixin
from copydesk.tui.app.widgets.article_view.painting import PaintingMixin
from copydesk.tui.app.widgets.article_view.scrolling import ScrollingMixin
from copydesk.tui.engine.layout import BidiOptions, Layout, SpanIndex, SpanView
from copydesk.tui.engine.selection import Selection

__all__ = ["ArticleView", "SpanView", "ViewMessage"]


class ViewMessage(Message):
    """A message from an ArticleView; `control` is that view, so handlers can be selected by it."""

    def __init__(self, view: ArticleView) -> None:
        super().__init__()
        self.article_view = view

    @property
    def control(self) -> ArticleView:
        return self.article_view


class ArticleView(KeysMixin, DisplayMixin, MouseMixin, ContentMixin, PaintingMixin,
                  ScrollingMixin, ScrollView, can_focus=True):
    """Wrapped article text with spans, cursor and selection, painted one row at a time.

    The class holds the state, the bindings and the messages; its behaviour is in the mixins
    beside it (``keys``: motions and selection, ``display``: bidi and tag mode, ``mouse``,
    ``content``: document, spans and ghosts, ``painting``, ``scrolling``), and the rules that
    need no widget in the engine (``tui.engine.selection``, ``tui.engine.paint``).
    """

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
        self._sel = Selection(TextIndex(text), snap_tokens=snap_tokens)
        self._spans = SpanIndex(spans)
        self._ghosts = SpanIndex()
        self._ghost_version = 0
        self._layout: Layout | None = None
        self._select_mode = False
        self._highlight_ids: frozenset[int] = frozenset()
        self._review_ids: frozenset[int] = frozenset()
        self._review_version = 0
        self._spans_version = 0
        self._row_versions: dict[int, int] = {}  # rows repainted after an in-place span edit
        self._highlight_version = 0
        self._style_version = 0
        self._line_cache: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._looks = self._make_looks()
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
        return self._sel.index.text

    @property
    def index(self) -> TextIndex:
        """Token, sentence and grapheme index of the text."""
        return self._sel.index

    @property
    def layout(self) -> Layout:
        """The text wrapped at the current width (built on demand)."""
        return self._ensure_layout()

    @property
    def cursor(self) -> int:
        """Cursor offset (always on a grapheme boundary)."""
        return self._sel.cursor

    @cursor.setter
    def cursor(self, offset: int) -> None:
        self.move_cursor(offset)

    @property
    def anchor(self) -> int | None:
        """Where the selection started (the other end is the cursor), or None."""
        return self._sel.anchor

    @anchor.setter
    def anchor(self, offset: int | None) -> None:
        self._sel.anchor = offset

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
        return self._sel.raw

    def selected_range(self) -> tuple[int, int] | None:
        """The range a label would get: the selection snapped to graphemes (and tokens), with
        punctuation at its edges left out; None while it holds punctuation alone
        (``Selection.snapped``)."""
        return self._sel.snapped()

    @property
    def snap_tokens(self) -> bool:
        """Whether ``selected_range`` widens to whole tokens (graphemes are always whole)."""
        return self._sel.snap_tokens

    @snap_tokens.setter
    def snap_tokens(self, value: bool) -> None:
        if value != self._sel.snap_tokens:
            old = self._sel.snapped()
            self._sel.snap_tokens = value
            self._refresh_selection_change(old, self._sel.snapped())
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
