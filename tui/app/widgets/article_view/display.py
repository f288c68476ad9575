"""How the article is shown, beside what it says: right-to-left display and tag mode.

Both change looks only, never offsets: the bidi options re-order a row's cells (``tui.engine.
bidi``), tag mode adds a row of label names under each text row. The annotator's choice of
bidi display is posted (``BidiChanged``) for the screen to remember.
"""

from __future__ import annotations

from dataclasses import replace

from copydesk.tui.engine.bidi import DIRECTIONS, DISPLAY_MODES
from copydesk.tui.engine.layout import BidiOptions, Layout

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


class DisplayMixin:
    """The bidi options, their keys (F6/F7/F8) and tag mode; mixed into ``ArticleView``."""

    _bidi: BidiOptions
    _tag_mode: bool
    _layout: Layout | None
    _style_version: int

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
            self._sync_virtual_size()
            self.call_after_refresh(self._scroll_cursor_into_view)
        self.refresh()
