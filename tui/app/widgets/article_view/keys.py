"""Moving the cursor and selecting: the actions behind the view's movement and selection keys.

The rules (grapheme boundaries, token snapping, the goal column of up/down) are the engine's
``Selection``; this mixin turns key actions into its calls, repaints only the rows whose cursor
or selection changed, keeps the cursor on screen, and tells the screen (``CursorMoved``,
``SelectionChanged``) only when what it shows really changed. The bindings themselves are
declared on ``ArticleView`` (each with an id a keymap can remap).
"""

from __future__ import annotations

from copydesk.tui.engine import motions
from copydesk.tui.engine.layout import Layout, SpanIndex
from copydesk.tui.engine.selection import Selection


class KeysMixin:
    """Cursor motions, selection and the messages they post; mixed into ``ArticleView``."""

    _sel: Selection
    _spans: SpanIndex
    _layout: Layout | None
    _posted_cursor: tuple[int, tuple[int, ...]] | None
    _posted_selection: tuple[int, int] | None

    def move_cursor(self, offset: int, *, extend: bool = False, keep_goal: bool = False) -> None:
        """Put the cursor at ``offset`` (snapped to a grapheme start) and keep it on screen.

        ``extend`` (or select mode) grows the selection from the anchor; otherwise a plain move
        drops the selection.
        """
        sel = self._sel
        old_cursor = sel.cursor
        old_sel = sel.snapped()
        offset = sel.move(offset, extend=extend or self.select_mode, keep_goal=keep_goal)
        if self.is_mounted and self._layout is not None:
            layout = self._layout
            self._refresh_rows(layout.row_of(old_cursor), layout.row_of(offset))
            self._refresh_selection_change(old_sel, sel.snapped())
            self._scroll_cursor_into_view()
        self._post_cursor()
        self._post_selection()

    def clear_selection(self) -> None:
        """Drop the selection and leave select mode."""
        old = self._sel.snapped()
        self._sel.anchor = None
        self.select_mode = False
        self._refresh_selection_change(old, None)
        self._post_selection()

    def select(self, start: int, end: int) -> None:
        """Select ``[start, end)`` with the cursor at its start, so the span a label key makes
        from it is under the cursor (ready for ``S``/``C``/``a``)."""
        self.select_mode = False
        self.move_cursor(end)
        self.move_cursor(start, extend=True)

    # ------------------------------------------------------------------ helpers

    def _vertical(self, rows: int, extend: bool) -> None:
        """Move by visual rows, keeping the goal column like an editor."""
        target, keep_goal = self._sel.vertical(self._ensure_layout(), rows)
        self.move_cursor(target, extend=extend, keep_goal=keep_goal)

    def _row_edge(self, end: bool) -> int:
        return self._sel.row_edge(self._ensure_layout(), end)

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height // self._screen_rows_per_row - 1)

    def _horizontal(self, step: int) -> int:
        """Target of left (-1) / right (+1): on screen in a visual row, else in stored order."""
        return self._sel.horizontal(self._layout, step)

    # ------------------------------------------------------------------ cursor keys

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
        self.move_cursor(len(self._sel.index.text))

    def action_cursor_page_up(self) -> None:
        self._vertical(-self._page(), False)

    def action_cursor_page_down(self) -> None:
        self._vertical(self._page(), False)

    def action_cursor_next_word(self) -> None:
        self.move_cursor(motions.next_word(self._sel.index, self._sel.cursor))

    def action_cursor_prev_word(self) -> None:
        self.move_cursor(motions.prev_word(self._sel.index, self._sel.cursor))

    def action_cursor_next_sentence(self) -> None:
        self.move_cursor(self._sel.index.next_sentence(self._sel.cursor))

    def action_cursor_prev_sentence(self) -> None:
        self.move_cursor(self._sel.index.prev_sentence(self._sel.cursor))

    def action_cursor_next_span(self) -> None:
        target = self._spans.next_start(self._sel.cursor)
        if target is not None:
            self.move_cursor(target)
        else:
            self.post_message(self.MotionFailed(self, "No span further on."))

    def action_cursor_prev_span(self) -> None:
        target = self._spans.prev_start(self._sel.cursor)
        if target is not None:
            self.move_cursor(target)
        else:
            self.post_message(self.MotionFailed(self, "No span before the cursor."))

    # ------------------------------------------------------------------ selection keys

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
        self.move_cursor(motions.next_word(self._sel.index, self._sel.cursor), extend=True)

    def action_select_prev_word(self) -> None:
        self.move_cursor(motions.prev_word(self._sel.index, self._sel.cursor), extend=True)

    def action_toggle_select_mode(self) -> None:
        """Select mode: plain moves extend the selection (for terminals without shift+arrows)."""
        self.select_mode = not self.select_mode
        if self.select_mode and self._sel.anchor is None:
            self._sel.anchor = self._sel.cursor

    def action_set_anchor(self) -> None:
        """Start a selection at the cursor; following moves extend it."""
        old = self._sel.snapped()
        self._sel.anchor = self._sel.cursor
        self.select_mode = True
        self._refresh_selection_change(old, self._sel.snapped())
        self._post_selection()

    def action_clear_selection(self) -> None:
        self.clear_selection()
        self.post_message(self.Escape(self))

    def action_toggle_snap(self) -> None:
        self.snap_tokens = not self.snap_tokens
        self.notify(f"Snap to tokens {'on' if self.snap_tokens else 'off'}", timeout=2)

    # ------------------------------------------------------------------ messages

    def _post_cursor(self) -> None:
        cursor = self._sel.cursor
        spans = self._spans.at(cursor)
        key = (cursor, tuple(s.id for s in spans))
        if key != self._posted_cursor:
            self._posted_cursor = key
            self.post_message(self.CursorMoved(self, cursor, spans))

    def _post_selection(self) -> None:
        sel = self._sel.snapped()
        if sel != self._posted_selection:
            self._posted_selection = sel
            self.post_message(self.SelectionChanged(self, sel))
