"""Spans a corrected article moved: shown apart, confirmed with `!`, re-selected with `R`.

When a lead imports a corrected text (`copydesk import --update`, projects.docversions), spans
whose text changed go to a best guess and spans whose text was deleted stay as empty spans; both
need review. In the annotation screen they wear their own look (`ArticleView.review_ids`) and the
side panel shows their old text. Two keys, bindings with ids on the screen:

- `!` (`annotate.confirm_review`): the span under the cursor is right where it is.
- `R` (`annotate.reselect`): on a span needing review, make it the target, select its new place,
  press `R` again; anywhere else, go to the next span needing review (the deleted ones too, which
  have no characters to put the cursor on).

And when the article is corrected while it is open here, the next edit is refused by the store
(DocumentChanged: its offsets belong to the old text); the screen then reloads the new text with
every saved span carried over and says so, so nothing saved is lost and the annotator redoes only
the one edit, with its selection put back where its text now is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from copydesk.tui.engine.text import safe_text

if TYPE_CHECKING:
    from copydesk.projects.errors import StoreError
    from copydesk.projects.models import Span
    from copydesk.tui.app.screens.annotate.screen import AnnotateScreen

KEYS_HINT = "! keep this place · R re-select (R elsewhere: next span needing review)"


class VersionReviewActions:
    """Review of carried-over spans, mixed into AnnotateScreen (see module docstring)."""

    _reselect_id: int | None = None

    def review_ids(self: AnnotateScreen) -> set[int]:  # type: ignore[misc]
        return {i for i, s in self.spans.items() if getattr(s, "needs_review", False)}

    def show_review(self: AnnotateScreen) -> None:  # type: ignore[misc]
        """Give the spans needing review their look (after any re-read of the spans)."""
        self.view.review_ids = self.review_ids()
        if self._reselect_id is not None and self._reselect_id not in self.view.review_ids:
            self._reselect_id = None

    def describe_review(self: AnnotateScreen, span: Span) -> Text:  # type: ignore[misc]
        """The side panel's lines for a span needing review: why, and its old text."""
        out = Text()
        if not getattr(span, "needs_review", False):
            return out
        reason = "text deleted" if span.start == span.end else "text edited"
        out.append(f"\n  needs review ({reason} in the corrected article); was: ",
                   style="bold red")
        out.append_text(safe_text(span.review_old_text or "", limit=60, bidi=self.view.bidi))
        out.append(f"\n  {KEYS_HINT}", style="dim")
        return out

    def _review_here(self: AnnotateScreen) -> Span | None:  # type: ignore[misc]
        if self._reselect_id is not None and self._reselect_id in self.spans:
            target = self.spans[self._reselect_id]
            if target.start <= self.view.cursor <= max(target.end, target.start + 1):
                return target
        return next((s for s in self.spans_here() if getattr(s, "needs_review", False)), None)

    def action_confirm_review(self: AnnotateScreen) -> None:  # type: ignore[misc]
        if self.still_loading():
            return
        span = self._review_here()
        if span is None:
            self.say("No span needing review here (R goes to the next one).", error=True)
            return
        span_id, annotator = int(span.id), self.app.annotator  # type: ignore[arg-type]

        def done(saved: Span) -> None:
            self._reselect_id = None
            self.refresh_spans([span_id], links=False)
            self.show_review()
            line = Text("Kept in its new place: ", style="green")
            line.append_text(self.describe(saved))
            self.say(line)

        self.save(lambda: self.store.confirm_review(span_id, annotator), done,
                  f"confirm {span.label}")

    def action_reselect(self: AnnotateScreen) -> None:  # type: ignore[misc]
        if self.still_loading():
            return
        target = self.spans.get(self._reselect_id) if self._reselect_id is not None else None
        selected = self.view.selected_range()
        if target is not None and selected is not None:
            self._save_reselect(int(target.id), selected)  # type: ignore[arg-type]
            return
        here = next((s for s in self.spans_here() if getattr(s, "needs_review", False)), None)
        if here is None or (target is not None and here.id == target.id):
            here = self._next_review()
            if here is None:
                self.say("No span in this document needs review.")
                return
            self.view.clear_selection()
            self.view.move_cursor(here.start)
        self._reselect_id = int(here.id)  # type: ignore[arg-type]
        line = Text(f"Select the new place of this {here.label} (was ", style="bold yellow")
        line.append_text(safe_text(here.review_old_text or "", limit=40, bidi=self.view.bidi))
        line.append("), then press R; ! keeps it where it is.", style="bold yellow")
        self.say(line)
        self.refresh_side()

    def _next_review(self: AnnotateScreen) -> Span | None:  # type: ignore[misc]
        waiting = sorted((s for s in self.spans.values() if getattr(s, "needs_review", False)),
                         key=lambda s: (s.start, s.id))
        if not waiting:
            return None
        cursor = self.view.cursor
        return next((s for s in waiting if s.start > cursor
                     and s.id != self._reselect_id), waiting[0])

    def _save_reselect(self: AnnotateScreen, span_id: int,  # type: ignore[misc]
                       selected: tuple[int, int]) -> None:
        annotator = self.app.annotator
        start, end = selected

        def done(saved: Span) -> None:
            self._reselect_id = None
            self.view.clear_selection()
            self.refresh_spans([span_id], links=False)
            self.show_review()
            line = Text("Re-selected: ", style="green")
            line.append_text(self.describe(saved))
            self.say(line)

        self.save(lambda: self.store.reselect_span(span_id, annotator, start, end), done,
                  f"re-select {start}–{end}")

    def remember_version(self: AnnotateScreen,  # type: ignore[misc]
                         current: tuple[int, str]) -> bool:
        """Tell the store which version is on screen, once it is open; False (and the new
        version shown) when the text painted is no longer the current one.

        The first frame may come from a read without the store (projects.firstread); the
        content hash shown then says whether the text is still the current version.
        `current` is the (version, content hash) read with the rows.
        """
        version, digest = current
        if digest == self.content_hash:
            self.store.saw_version(self.doc_id, version)
            return True
        self.document_changed(None)  # corrected between the first frame and now
        return False

    def document_changed(self: AnnotateScreen,  # type: ignore[misc]
                         exc: StoreError | None) -> None:
        """The article was corrected while open: show the new version, keep the selection.

        `exc` is the refused edit's error, or None when no edit was refused.
        """
        from copydesk.projects.versions import TextMap

        old_text = self.text
        selected = self.view.selected_range()
        cursor = self.view.cursor
        doc = self.store.document(self.doc_id)  # the store now expects this version
        self._show(doc.text, doc.title or doc.external_id or f"document {doc.id}",
                   doc.content_hash)
        self.reload()
        text_map = TextMap(old_text, doc.text)
        self.view.move_cursor(min(text_map.map_start(cursor), len(doc.text)))
        if selected is not None:
            a, b = text_map.map_start(selected[0]), text_map.map_end(selected[1])
            if a < b:
                self.view.select(a, b)
        waiting = len(self.review_ids())
        redo = " Your last edit was not saved: make it again." if exc is not None else ""
        self.say(f"This article was corrected while you had it open (now version "
                 f"{doc.version}): your saved work was carried over"
                 f"{f', {waiting} span(s) need review' if waiting else ''}.{redo}",
                 error=exc is not None)
