"""Undo, redo and the document's status on the annotation screen.

Undo and redo are the store's (`Store.undo`/`redo`, one logged action per step), described
for people by `tui.engine.history_text`; `D` and `m` set the document's status.

A mixin of `AnnotateScreen` (`screen.py`): `self` is the screen; what it uses of the other
sections is listed in `parts.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from copydesk.projects.errors import StoreError
from copydesk.tui.app.screens.annotate.parts import AnnotateParts
from copydesk.tui.engine.history_text import describe_action

if TYPE_CHECKING:
    # Types only: the table models load SQLAlchemy, which this screen's first frame does
    # without (projects.firstread); the store is opened right after it.
    from copydesk.projects.models import Action


class History(AnnotateParts):
    """Undo, redo and the document's status on the annotation screen (see the module docstring)."""

    def action_undo(self) -> None:
        self._history(redo=False)

    def action_redo(self) -> None:
        self._history(redo=True)

    def _history(self, *, redo: bool) -> None:
        from copydesk.projects.actions import decode  # start-up time: see TYPE_CHECKING above

        doc_id, annotator = self.doc_id, self.app.annotator
        step_fn = self.store.redo if redo else self.store.undo

        def done(step: Action | None) -> None:
            if step is None:
                self.say("Nothing to redo." if redo else "Nothing to undo.")
                return
            what = describe_action(step.kind, step.payload, self._span_text)
            entry = decode(step)
            self.refresh_spans(entry.touched_spans())
            if entry.touches_suggestions:  # a suggestion decision: its ghosts come back or go
                self.refresh_suggestions()
                self.refresh_title()
            self.say(f"{'redid' if redo else 'undid'}: {what}")

        self.save(lambda: step_fn(doc_id, annotator), done, "redo" if redo else "undo")

    def _span_text(self, span_id: int) -> str | None:
        span = self.spans.get(span_id)
        if span is None:
            try:
                span = self.store.span(span_id)
            except StoreError:
                return None
        return span.text

    def action_status(self, status: str, comment: str | None = None) -> None:
        doc_id, annotator = self.doc_id, self.app.annotator

        def done(_: object) -> None:
            self.refresh_status()
            self.say(f"Saved: document marked {status}" + (f" — {comment}" if comment else ""))

        self.save(lambda: self.store.set_status(doc_id, annotator, status, comment), done,
                  f"mark {status}")

    def action_mark(self) -> None:
        from copydesk.tui.app.screens.status import StatusScreen

        aset = self.store.annotation_set(self.doc_id, self.app.annotator)

        def chosen(result: tuple[str, str] | None) -> None:
            if result is not None:
                self.action_status(*result)

        self.app.push_screen(StatusScreen(self.status, aset.comment if aset else ""), chosen)
