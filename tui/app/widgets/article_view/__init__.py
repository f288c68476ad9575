"""The article view: read-only text with labelled spans, a cursor and a selection.

One widget, ``ArticleView`` (``widget.py``: state, bindings, messages), whose behaviour is split
by what it does: ``keys`` (motions and selection), ``display`` (right-to-left display, tag
mode), ``mouse``, ``content`` (the document, spans and suggestions), ``painting`` (rows to
strips, cached) and ``scrolling`` (wrapping, scroll, row refreshes). Rules that need no widget
are in the engine, tested without a terminal: ``tui.engine.selection`` (cursor, anchor,
snapping) and ``tui.engine.paint`` (looks, rows to segments).
"""

from copydesk.tui.app.widgets.article_view.widget import ArticleView, ViewMessage
from copydesk.tui.engine.layout import SpanView
from copydesk.tui.engine.paint import short_tag

__all__ = ["ArticleView", "SpanView", "ViewMessage", "short_tag"]
