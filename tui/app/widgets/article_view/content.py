"""What the article view shows: the document, its spans and the suggestions (ghosts).

Spans and ghosts live in two ``SpanIndex``es (chunked, so a row finds its spans without
scanning the document). Ghosts are painted but never reported as spans: ``spans_at`` ignores
them, ``ghosts_at`` finds them. An edit (``update_spans``) repaints only the rows under the
spans it touched, so a label key stays fast on an article with thousands of spans.
"""

from __future__ import annotations

from collections.abc import Sequence

from copydesk.projects.textutil import TextIndex
from copydesk.tui.engine.layout import Layout, SpanIndex, SpanView
from copydesk.tui.engine.selection import Selection


class ContentMixin:
    """Loading a document and its spans, and the span/ghost queries the screen uses.

    Mixed into ``ArticleView`` (its state is declared there); the repaint and message helpers
    it calls are the view's (``scrolling``, ``keys``).
    """

    _sel: Selection
    _spans: SpanIndex
    _ghosts: SpanIndex
    _ghost_version: int
    _spans_version: int
    _row_versions: dict[int, int]
    _layout: Layout | None

    # ------------------------------------------------------------------ spans

    @property
    def spans(self) -> list[SpanView]:
        """All spans shown, sorted by start."""
        return list(self._spans.spans)

    def token_range_at(self, offset: int) -> tuple[int, int] | None:
        """``(start, end)`` of the token at ``offset``, or None on whitespace."""
        return self._sel.index.token_range_at(offset)

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
        """Start of the first suggestion after ``offset`` (the screen's next-suggestion key)."""
        return self._ghosts.next_start(offset)

    def prev_ghost_start(self, offset: int) -> int | None:
        """Start of the last suggestion before ``offset``."""
        return self._ghosts.prev_start(offset)

    # ------------------------------------------------------------------ loading

    def load(self, text: str, spans: Sequence[SpanView] = ()) -> None:
        """Show a new document: resets cursor, selection and scroll."""
        self._sel.reset(TextIndex(text))
        self._spans = SpanIndex(spans)
        self._spans_version += 1
        self._layout = None
        self.select_mode = False
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
