"""What every section of the annotation screen shares: one list, for readers and type checkers.

`AnnotateScreen` is made of section mixins (`loading`, `status`, `labelling`, ...); each one
subclasses `AnnotateParts`, which names the screen's shared state and the methods one section
calls on another, with where each is defined. Nothing here runs: the declarations exist only
for type checkers (`TYPE_CHECKING`), so the mixins' order in `AnnotateScreen` decides nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from rich.text import Text

    from copydesk.projects.errors import StoreError
    from copydesk.projects.models import Link, Span
    from copydesk.projects.store import Store
    from copydesk.schema import Schema
    from copydesk.tui.app.application import CopydeskApp
    from copydesk.tui.app.widgets.article_view import ArticleView
    from copydesk.tui.engine.annotate_state import Pending, SearchState


class AnnotateParts:
    """The base of every section mixin of `AnnotateScreen` (see the module docstring)."""

    if TYPE_CHECKING:
        # screen.py: the state, set in AnnotateScreen.__init__ (and `_show`, loading.py)
        app: CopydeskApp
        doc_id: int
        text: str  # set once the document is shown
        content_hash: str
        spans: dict[int, Span]  # this annotator's spans in the document, by id
        links: list[Link]
        pending: Pending | None  # a link being made (linking.py)
        status: str
        current_id: int | None  # the span `&` adds pieces to (fragments.py)
        _search: SearchState  # navigation.py
        _loaded: bool
        _edits: int
        _pinned: bool
        _failed_at: int

        @property
        def view(self) -> ArticleView: ...
        @property
        def store(self) -> Store: ...
        @property
        def schema(self) -> Schema: ...

        # loading.py
        def refresh_spans(self, span_ids: Iterable[int], *, links: bool = True) -> None: ...
        def refresh_status(self) -> None: ...
        def reload(self) -> None: ...
        def still_loading(self) -> bool: ...

        # status.py
        def say(self, message: str | Text, *, error: bool = False,
                keep: bool = True) -> None: ...
        def save(self, run: Callable[[], Any], done: Callable[[Any], None],
                 what: str) -> None: ...
        def refresh_title(self) -> None: ...
        def refresh_side(self) -> None: ...
        def describe(self, span: Span) -> Text: ...

        # labelling.py
        def spans_here(self) -> list[Span]: ...
        def span_here(self, *, layer: str | None = None,
                      part: str | None = None) -> Span | None: ...
        def links_of(self, span_id: int) -> list[Link]: ...
        def target_range(self) -> tuple[int, int] | None: ...
        def default_attributes(self, name: str) -> dict[str, str] | None: ...

        # version_review.py, suggestions.py
        def document_changed(self, exc: StoreError | None) -> None: ...
        def refresh_suggestions(self) -> None: ...
