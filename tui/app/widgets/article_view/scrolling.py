"""Wrapping and scrolling: the layout at the widget's width, the scrollable height, and
repainting only the screen rows that changed.

The layout wraps from the top on demand (the first screen paints at once) and finishes in the
background a few milliseconds at a time, so keys stay responsive and the scrollbar becomes
exact. In tag mode every text row takes two screen rows (``_screen_rows_per_row``).
"""

from __future__ import annotations

import time

from textual import events
from textual.geometry import Size

from copydesk.tui.engine.layout import BidiOptions, Layout
from copydesk.tui.engine.selection import Range, Selection, changed_ranges

_UNSIZED = Layout("", 1)  # stands in until the widget has a width


class ScrollingMixin:
    """Layout, virtual size, keeping the cursor in view, row refreshes; mixed into
    ``ArticleView``."""

    _sel: Selection
    _layout: Layout | None
    _bidi: BidiOptions

    WRAP_STEP_SECONDS = 0.008

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
            self._layout = Layout(self._sel.index, width, self._bidi)
            self._line_cache.clear()
            self.virtual_size = Size(self._content_width(),
                                     self._layout.estimated_len() * self._screen_rows_per_row)
            if rewrap:
                # the new virtual size bounds scrolling only after the next refresh
                self.call_after_refresh(self._scroll_cursor_into_view)
            layout = self._layout
            self.call_after_refresh(lambda: self._wrap_in_background(layout))
        return self._layout

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
        row = layout.row_of(self._sel.cursor) * per
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

    def _refresh_selection_change(self, old: Range | None, new: Range | None) -> None:
        """Refresh only the visible rows whose selected part changed."""
        if old == new or not self.is_mounted or self._layout is None:
            return
        layout = self._layout
        per = self._screen_rows_per_row
        top = self.scroll_offset.y // per
        bottom = (self.scroll_offset.y + self.scrollable_content_region.height) // per
        for a, b in changed_ranges(old, new):
            first = max(layout.row_of(a), top)
            last = min(layout.row_of(b), bottom)
            if first <= last:
                self.refresh_lines(first * per, (last - first + 1) * per)
