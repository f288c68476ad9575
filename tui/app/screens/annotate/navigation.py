"""Newsroom motions and find on the annotation screen (issue 12).

Quotes, speech verbs, unlabelled names and sentences (`tui.engine.motions`), and find in
the document: `F` starts typing a search whose letters the app hands to `search_key` ahead of
any binding, so letters typed ahead never reach the old focus as commands.

A mixin of `AnnotateScreen` (`screen.py`): `self` is the screen; what it uses of the other
sections is listed in `parts.py`.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widgets import Static

from copydesk.projects import fragments as frag
from copydesk.schema.model import CONTENT
from copydesk.tui.app.screens.annotate.parts import AnnotateParts
from copydesk.tui.app.widgets.article_view import ArticleView
from copydesk.tui.engine import motions
from copydesk.tui.engine.annotate_state import SearchState
from copydesk.tui.engine.text import safe_text


class Navigation(AnnotateParts):
    """Newsroom motions and find on the annotation screen (issue 12) (see the module docstring)."""

    def _labelled(self, start: int, end: int) -> bool:
        """A span other than a quote's content touches ``[start, end)`` (a name inside a
        quote is still unlabelled: the quote is not its label)."""
        for view in self.view.spans_overlapping(start, end):
            span = self.spans.get(view.id)
            label = self.schema.label(span.label) if span is not None else None
            if label is not None and label.part == CONTENT and (span.start < start
                                                                or span.end > end):
                continue
            return True
        return False

    def _any_span(self, start: int, end: int) -> bool:
        return bool(self.view.spans_overlapping(start, end))

    def _skip_range(self) -> list[tuple[int, int]] | None:
        """While attaching a source or cue, the quote's pieces: its parts are outside them
        (between the pieces of a split quote, which its outer bounds would wrongly cover)."""
        if self.pending is None or self.pending.kind == "argument":
            return None
        head = self.spans.get(self.pending.head_id)
        return [(a, b) for a, b in frag.parts_of(head)] if head is not None else None

    def motion_failed(self, reason: str) -> None:
        """A motion found nothing: cursor and selection stay, the status line says why, and a
        label key before the next move refuses rather than label the word under the cursor
        (the annotator meant the quote or name the motion did not find)."""
        self._failed_at = self.view.cursor
        self.say(f"{reason} Nothing moved; the selection is unchanged.", error=True)

    def on_article_view_motion_failed(self, event: ArticleView.MotionFailed) -> None:
        self.motion_failed(event.reason)

    def action_quote(self, step: int) -> None:
        if self._quotes is None:
            self._quotes = motions.quote_pairs(self.text)
        find = motions.next_quote if step > 0 else motions.prev_quote
        found = find(self.text, self._quotes, self.view.cursor)
        if found is None:
            self.motion_failed(f"No {'further' if step > 0 else 'earlier'} quotation marks.")
            return
        self.view.select(*found)

    def action_speech_verb(self) -> None:
        if self._verbs is None:
            configured = self.app.config.settings.speech_verbs
            self._verbs = motions.speech_verb_pattern(configured or motions.DEFAULT_SPEECH_VERBS)
        verbs, skip = self._verbs, self._skip_range()
        found = self._here_or_next(
            lambda at: motions.next_speech_verb(self.text, at, verbs, skip=skip))
        if found is None:
            self.motion_failed("No speech verb found (the list is settings.speech_verbs).")
            return
        self.view.select(*found)

    def action_name(self) -> None:
        skip = self._skip_range()
        found = self._here_or_next(
            lambda at: motions.next_name(self.view.index, at, self._labelled, skip=skip))
        if found is None:
            self.motion_failed("No unlabelled capitalised name further on.")
            return
        self.view.select(*found)

    def _here_or_next(self, find):  # type: ignore[no-untyped-def]
        """A match starting at the cursor counts, unless it is already selected (then the
        next one): the first press takes the name under the cursor, the next goes on."""
        cursor = self.view.cursor
        found = find(cursor - 1)
        if found is not None and found[0] == cursor and self.view.selected_range() == found:
            found = find(cursor)
        return found

    def action_unlabelled_sentence(self) -> None:
        found = motions.next_unlabelled_sentence(self.view.index, self.view.cursor,
                                                 self._any_span)
        if found is None:
            self.motion_failed("Every later sentence has a span.")
            return
        self.view.move_cursor(found)

    def action_find(self) -> None:
        """Start typing a search. The letters are taken by `search_key`, which the app calls
        for every key in arrival order, before any binding: a focus change to an input box
        would let letters typed ahead (over SSH) reach the old focus as commands."""
        self._search = SearchState(origin=self.view.cursor, typing=True)
        self._show_search()

    def _show_search(self) -> None:
        box = self.query_one("#search", Static)
        box.display = self._search.typing
        line = Text("find: ", style="bold")
        line.append_text(safe_text(self._search.query))
        line.append("▏  enter keeps the place, esc goes back, > < next/previous",
                    style="dim")
        box.update(line)

    def search_key(self, event: events.Key) -> bool:
        """Take a key while a search is being typed; False lets it act as usual (see
        `SearchState.key`: esc goes back, enter keeps the place, letters search)."""
        what = self._search.key(event.key, event.character, event.is_printable)
        if what == "ignore":
            return False
        if what == "back":
            self.view.move_cursor(self._search.origin)
        elif what == "find":
            self._find_from_origin()
        self._show_search()
        return what != "pass"

    def _find_from_origin(self) -> None:
        query = self._search.query
        found = motions.find_in_text(self.text, query, self._search.origin)
        if found is not None:
            self.view.move_cursor(found[0])
        elif query:
            self.say(f"find {query!r}: not in this document")

    def action_find_next(self, step: int) -> None:
        query = self._search.query
        if not query:
            self.say("Nothing to find yet: F starts a search.")
            return
        cursor = self.view.cursor
        found = (motions.find_in_text(self.text, query, cursor + 1) if step > 0
                 else motions.find_in_text(self.text, query, cursor, backwards=True))
        if found is None:
            self.motion_failed(f"{safe_text(query).plain!r} is not in this document.")
            return
        wrapped = found[0] <= cursor if step > 0 else found[0] >= cursor
        self.view.move_cursor(found[0])
        if wrapped:  # never silently: the annotator may think they are further down
            where = "top" if step > 0 else "bottom"
            line = Text(f"Search wrapped to the {where}: ", style="bold yellow")
            line.append_text(safe_text(query, limit=40))
            line.append(" again from the " + ("start" if step > 0 else "end") + " of the document",
                        style="yellow")
            self.say(line)
