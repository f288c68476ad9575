"""The article view's cursor and selection, as a plain object on the text (no terminal).

A label key stores exactly the range ``Selection.snapped()`` returns, so the rules that make it
live here, where a test can check them on any text without starting Textual: the cursor always
sits on a grapheme boundary (a combining mark or an emoji family is never cut), the raw
selection runs between the anchor and the cursor, and the snapped range widens to whole tokens
(``snap_tokens``) and leaves out punctuation at its edges (``motions.trim_punctuation``).

The moves that depend on wrapping (up/down keeping a goal column like an editor, row start and
end, left/right on screen in a right-to-left row) take the ``Layout`` they move in; the widget
turns keys into these calls and repaints what changed (``changed_ranges``).
"""

from __future__ import annotations

from copydesk.projects.textutil import TextIndex
from copydesk.tui.engine import motions
from copydesk.tui.engine.layout import Layout

__all__ = ["Range", "Selection", "changed_ranges", "clip_range"]

Range = tuple[int, int]


class Selection:
    """Cursor, anchor and goal column over one text; every offset a ``str`` index.

    ``anchor`` is None when nothing is selected; ``goal_x`` is the screen column vertical moves
    aim for (kept across rows shorter than it, dropped by any other move).
    """

    __slots__ = ("anchor", "cursor", "goal_x", "index", "snap_tokens")

    def __init__(self, index: TextIndex, *, snap_tokens: bool = True) -> None:
        self.index = index
        self.cursor = 0
        self.anchor: int | None = None
        self.snap_tokens = snap_tokens
        self.goal_x: int | None = None

    def reset(self, index: TextIndex) -> None:
        """A new document: cursor at the top, nothing selected, no goal column."""
        self.index = index
        self.cursor = 0
        self.anchor = None
        self.goal_x = None

    @property
    def raw(self) -> Range | None:
        """``(start, end)`` between anchor and cursor, or None if nothing is selected."""
        anchor, cursor = self.anchor, self.cursor
        if anchor is None or anchor == cursor:
            return None
        return (anchor, cursor) if anchor < cursor else (cursor, anchor)

    def snapped(self) -> Range | None:
        """The range a label would get: the selection snapped to graphemes (and tokens).

        With token snapping, punctuation at either edge is left out as a label key leaves it
        out, so the highlight drawn from this range is exactly what a label key stores; None
        while the selection holds punctuation alone (a label key then makes nothing)."""
        sel = self.raw
        if sel is None:
            return None
        start, end = sel
        index = self.index
        if self.snap_tokens:
            start, end = index.snap_to_tokens(start, end)
            trimmed = motions.trim_punctuation(index, start, end)
            if trimmed is None:
                return None
            start, end = trimmed
        return index.snap_to_graphemes(start, end)

    def boundary(self, offset: int) -> int:
        """``offset`` kept inside the text and moved back to the start of its grapheme, so the
        cursor never sits inside a character the reader sees as one."""
        index = self.index
        offset = max(0, min(offset, len(index.text)))
        if not index.is_grapheme_boundary(offset):
            offset = index.prev_grapheme(offset)
        return offset

    def move(self, offset: int, *, extend: bool, keep_goal: bool = False) -> int:
        """Put the cursor at ``offset`` (a grapheme boundary, see ``boundary``); ``extend``
        grows the selection from the anchor (set at the old cursor if there was none), a plain
        move drops it. Returns the new cursor."""
        offset = self.boundary(offset)
        if extend:
            if self.anchor is None:
                self.anchor = self.cursor
        else:
            self.anchor = None
        self.cursor = offset
        if not keep_goal:
            self.goal_x = None
        return offset

    # ------------------------------------------------------------ moves that need the layout

    def vertical(self, layout: Layout, rows: int) -> tuple[int, bool]:
        """Where ``rows`` visual rows up (< 0) or down lands, and whether the goal column
        stays: past the first row is the top of the text, past the last its end (both drop
        the goal); otherwise the offset under the goal column, which is set on the first
        vertical move from the cursor's column."""
        row, x = layout.cell_of(self.cursor)
        if self.goal_x is None:
            self.goal_x = x
        target = row + rows
        if target < 0:
            return 0, False
        layout.wrap_more(rows=target)
        if target >= layout.wrapped_rows:
            return len(self.index.text), False
        return layout.offset_at(target, self.goal_x), True

    def row_edge(self, layout: Layout, end: bool) -> int:
        """The start of the cursor's row, or its end: the row's last grapheme when the row
        wraps on (the cursor there would otherwise show on the next row), the text's end on a
        paragraph's last row."""
        row = layout.row(layout.row_of(self.cursor))
        if not end:
            return row.start
        return row.end if row.last else row.last_grapheme_start()

    def horizontal(self, layout: Layout | None, step: int) -> int:
        """Target of left (-1) / right (+1): the neighbour on screen in a row shown in visual
        (right-to-left) order, else the previous or next grapheme in stored order."""
        if layout is not None:
            target = layout.visual_step(self.cursor, step)
            if target is not None:
                return target
        if step < 0:
            return self.index.prev_grapheme(self.cursor)
        return self.index.next_grapheme(self.cursor)


def clip_range(sel: Range | None, start: int, end: int) -> Range | None:
    """The part of ``sel`` inside ``[start, end)`` (a row), or None if they do not meet."""
    if sel is None:
        return None
    a, b = max(sel[0], start), min(sel[1], end)
    return (a, b) if a < b else None


def changed_ranges(old: Range | None, new: Range | None) -> list[Range]:
    """The offset ranges whose selected state may differ between two selections: the whole
    of either when the other is None, else the stretch between their starts and the stretch
    between their ends (what lies between was selected before and after). Empty when equal."""
    if old == new:
        return []
    if old is None or new is None:
        a, b = old or new  # type: ignore[misc]
        return [(a, b)]
    return [(min(old[0], new[0]), max(old[0], new[0])),
            (min(old[1], new[1]), max(old[1], new[1]))]
