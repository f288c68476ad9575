"""The mouse in the article view: a click puts the cursor, a drag selects.

The mouse is captured from the press to the release, so a drag that leaves the widget still
extends the selection (to the nearest row and column).
"""

from __future__ import annotations

from textual import events

from copydesk.tui.engine.selection import Selection


class MouseMixin:
    """Click and drag; mixed into ``ArticleView``."""

    _sel: Selection
    _drag_anchor: int | None

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
        self._drag_anchor = self._sel.cursor
        self.capture_mouse()
        event.stop()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._drag_anchor is None:
            return
        offset = self._offset_at_event(event)
        if offset is None:
            return
        if self._sel.anchor is None:
            self._sel.anchor = self._drag_anchor
        self.move_cursor(offset, extend=True)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._drag_anchor is not None:
            self._drag_anchor = None
            self.release_mouse()
