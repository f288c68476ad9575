"""Painting the article view: one screen row at a time, cached under everything that changes it.

The looks themselves (span, suggestion, selection and cursor styles, rows to segments) are the
engine's (``tui.engine.paint``); this mixin hands it the stylesheet's component styles and the
label colours parsed and blended by Textual, caches each painted row as a ``Strip`` under a key
holding everything that changes it (``_row_key``), and counts cache misses (``rows_rendered``)
so tests can check the per-key cost.
"""

from __future__ import annotations

from rich.color import Color as RichColor
from rich.style import Style
from textual.cache import LRUCache
from textual.color import Color
from textual.strip import Strip

from copydesk.tui.engine.layout import Layout, SpanIndex
from copydesk.tui.engine.paint import Looks, row_paint
from copydesk.tui.engine.selection import Selection, clip_range


def _parse_colour(name: str) -> Color:
    try:
        return Color.parse(name)
    except Exception:  # a bad colour in a schema must not break drawing
        return Color.parse("grey")


class PaintingMixin:
    """``render_line`` and what it needs; mixed into ``ArticleView``."""

    _sel: Selection
    _spans: SpanIndex
    _ghosts: SpanIndex
    _looks: Looks
    _line_cache: LRUCache[tuple[object, ...], Strip]
    _highlight_ids: frozenset[int]
    _review_ids: frozenset[int]
    _spans_version: int
    _row_versions: dict[int, int]
    _highlight_version: int
    _review_version: int
    _ghost_version: int
    _style_version: int
    rows_rendered: int

    def _make_looks(self) -> Looks:
        """The engine's looks, reading this widget's stylesheet and background."""
        return Looks(self._component_style, self._label_colour, self._entity_tint)

    def _component_style(self, name: str) -> Style:
        if name == "base":
            return self.rich_style
        return self.get_component_rich_style(f"article-view--{name}", partial=True)

    def _label_colour(self, name: str) -> RichColor:
        return _parse_colour(name).rich_color

    def _entity_tint(self, name: str) -> RichColor:
        return self.background_colors[1].blend(_parse_colour(name), 0.35).rich_color

    def _style(self, name: str) -> Style:
        return self._looks.style(name)

    @property
    def label_looks(self) -> dict[str, Style] | None:
        """Label -> look chosen for the terminal's colour depth (``tui.palette``), or None."""
        return self._looks.label_looks

    @label_looks.setter
    def label_looks(self, looks: dict[str, Style] | None) -> None:
        self._looks.set_label_looks(looks)
        self._style_version += 1
        self.refresh()

    def notify_style_update(self) -> None:
        """Theme or CSS changed: drop cached styles and painted rows."""
        super().notify_style_update()
        self._looks.clear()
        self._style_version += 1
        self._line_cache.clear()

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
                segments = self._looks.tag_row(layout.row(row_index), self._spans, width)
                strip = Strip(segments).crop_extend(0, width, self._style("base"))
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
        cursor_at = self._sel.cursor
        cursor = cursor_at if layout.row_of(cursor_at) == row_index else -1
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
            clip_range(self._sel.snapped(), row.start, row.end),
        )

    def _render_row(self, layout: Layout, row_index: int) -> Strip:
        """Build the segments of one row (in visual order for a right-to-left row): cost is
        the row's length plus the spans on it."""
        self.rows_rendered += 1
        row = layout.row(row_index)
        sel = self._sel
        cursor = sel.cursor
        cursor_here = layout.row_of(cursor) == row_index
        paint = row_paint(row, self._spans, self._ghosts, sel.snapped(), cursor, cursor_here,
                          sel.index.next_grapheme(cursor) if cursor_here else cursor,
                          self._highlight_ids, self._review_ids)
        if row.bidi is not None:
            return Strip(self._looks.visual_row(row, paint))
        return Strip(self._looks.logical_row(row, paint))
