"""Spans in pieces (split quotes) on the annotation screen: `&` adds, ctrl+\\ removes.

The current span (`current_id`) is the last one labelled, or the one `&` was pressed on
with no selection; `&` with a selection adds it as one more piece of that span.

A mixin of `AnnotateScreen` (`screen.py`): `self` is the screen; what it uses of the other
sections is listed in `parts.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from copydesk.projects import fragments as frag
from copydesk.tui.app.screens.annotate.parts import AnnotateParts
from copydesk.tui.engine.text import safe_text

if TYPE_CHECKING:
    # Types only: the table models load SQLAlchemy, which this screen's first frame does
    # without (projects.firstread); the store is opened right after it.
    from copydesk.projects.models import Span


class Fragments(AnnotateParts):
    """Spans in pieces (split quotes) on the annotation screen (see the module docstring)."""

    def current_span(self) -> Span | None:
        """The span `&` adds to (see `current_id`), if it still exists."""
        return self.spans.get(self.current_id) if self.current_id is not None else None

    def describe_current(self, span: Span) -> Text:
        out = Text("\nCurrent span (& adds the selection, ctrl+\\ removes the piece here):\n",
                   style="bold")
        out.append_text(self.describe(span))
        for n, (a, b) in enumerate(frag.parts_of(span), start=1):
            out.append(f"\n  piece {n}: {a}–{b} ", style="dim")
            out.append_text(safe_text(self.text[a:b], limit=40, bidi=self.view.bidi))
        return out

    def action_add_fragment(self) -> None:
        """With a selection: add it as one more piece of the current span (a split quote's
        rest). Without one: make the span under the cursor the current span."""
        if self.still_loading():
            return
        target = self.view.selected_range()
        if target is None:
            here = self.span_here()
            if here is None:
                self.say("Put the cursor on a span and press & to add pieces to it, or select "
                         "the text to add to the current span, then press &.", error=True)
                return
            self.current_id, self._pinned = int(here.id), True  # type: ignore[arg-type]
            self.refresh_side()
            line = Text("Adding pieces to ", style="bold")
            line.append_text(self.describe(here))
            line.append(": select the next piece and press &", style="bold")
            self.say(line)
            return
        span = self.current_span()
        if span is None:
            self.say("No current span: label the first piece, or press & on a span, then "
                     "select the text to add and press &.", error=True)
            return
        span_id, annotator = int(span.id), self.app.annotator  # type: ignore[arg-type]

        selection = self.view.selection

        def done(fresh: Span) -> None:
            if self.view.selection == selection:
                self.view.clear_selection()
            self.current_id = int(fresh.id)  # type: ignore[arg-type]
            self.refresh_spans([int(fresh.id)], links=False)  # type: ignore[arg-type]
            line = Text("Saved: added a piece to ", style="green")
            line.append_text(self.describe(fresh))
            self.say(line)

        self.save(lambda: self.store.add_fragment(span_id, annotator, *target), done,
                  f"piece {target[0]}–{target[1]} of {span.label}")

    def action_remove_fragment(self) -> None:
        """Remove the piece under the cursor from its span (the span keeps its other pieces)."""
        if self.still_loading():
            return
        offset = self.view.cursor
        span = next((s for s in self.spans_here() if s.fragments), None)
        if span is None:
            self.say("No span in pieces under the cursor (x deletes a whole span).", error=True)
            return
        span_id, annotator = int(span.id), self.app.annotator  # type: ignore[arg-type]

        def done(fresh: Span) -> None:
            self.refresh_spans([int(fresh.id)], links=False)  # type: ignore[arg-type]
            line = Text("Saved: removed a piece of ", style="green")
            line.append_text(self.describe(fresh))
            self.say(line)

        self.save(lambda: self.store.remove_fragment(span_id, annotator, offset), done,
                  f"remove the piece at {offset} of {span.label}")
