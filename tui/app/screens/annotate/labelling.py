"""Labelling on the annotation screen: label keys, the picker, relabel and delete.

Schema hotkeys are real bindings on the screen (`bind_label_hotkeys`, see
`tui.app.framework.screen_bindings`), dispatched in order with the cursor keys. A label key
labels the selection, or the word under the cursor (without its punctuation); while a link is
being made it labels and links in one write (`linking.Linking.label_and_link`).

A mixin of `AnnotateScreen` (`screen.py`): `self` is the screen; what it uses of the other
sections is listed in `parts.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding

from copydesk.tui.app.framework import key_for_character, screen_bindings
from copydesk.tui.app.screens.annotate.parts import AnnotateParts
from copydesk.tui.engine.motions import trim_punctuation
from copydesk.tui.engine.wording import count_of

if TYPE_CHECKING:
    # Types only: the table models load SQLAlchemy, which this screen's first frame does
    # without (projects.firstread); the store is opened right after it.
    from copydesk.projects.models import Link, Span


class Labelling(AnnotateParts):
    """Labelling on the annotation screen (see the module docstring)."""

    def spans_here(self) -> list[Span]:
        """Spans under the cursor, innermost first."""
        views = self.view.spans_at(self.view.cursor)
        found = [self.spans[v.id] for v in views if v.id in self.spans]
        return sorted(found, key=lambda s: (s.end - s.start, s.start))

    def span_here(self, *, layer: str | None = None, part: str | None = None) -> Span | None:
        for span in self.spans_here():
            label = self.schema.label(span.label)
            if layer is not None and span.layer != layer:
                continue
            if part is not None and (label is None or label.part != part):
                continue
            return span
        return None

    def links_of(self, span_id: int) -> list[Link]:
        return [lk for lk in self.links if span_id in (lk.head_id, lk.tail_id)]

    def bind_label_hotkeys(self) -> None:
        """Schema hotkeys become real bindings on this screen.

        They must go through Textual's binding dispatch like the cursor keys do: a key handled
        in `on_key` here runs when the event reaches the screen, ahead of cursor keys still
        queued for binding dispatch, so a typed-ahead burst (SSH) would label the wrong text.
        """
        bindings = screen_bindings(self).key_to_bindings
        for key in self._label_keys:
            bindings.pop(key, None)
        self._label_keys = []
        for hotkey, label in self.schema.hotkeys().items():
            key = key_for_character(hotkey)
            bindings[key] = [
                Binding(key, f"label({label.name!r})", label.name, show=False,
                        id=f"label.{label.name}")
            ]
            self._label_keys.append(key)
        self.refresh_bindings()

    def action_label(self, name: str) -> None:
        if self.view.selection is None and self.view.cursor == self._failed_at:
            self.say(f"Not labelled: the last motion found nothing, so nothing is selected. "
                     f"Select the text for {name} (or move to a word) first.", error=True)
            return
        if self.pending is not None:
            self.label_and_link(name)  # while linking: make the span and link it, one key
            return
        self.apply_label(name)

    def target_range(self) -> tuple[int, int] | None:
        """The selection, or the token under the cursor when nothing is selected; with token
        snapping on, without punctuation at its edges (None if punctuation is all there is)."""
        if self.view.selection is not None:  # already trimmed, exactly what is highlighted
            return self.view.selected_range()
        target = self.view.token_range_at(self.view.cursor)
        if target is None or not self.view.snap_tokens:
            return target
        return trim_punctuation(self.view.index, *target)

    def apply_label(self, label: str) -> None:
        target = self.target_range()
        if target is None:
            self.say("Nothing to label here: select a word (punctuation alone is not a span).",
                     error=True)
            return
        start, end = target
        doc_id, annotator = self.doc_id, self.app.annotator
        selection = self.view.selection

        def done(span: Span) -> None:
            if selection is not None and self.view.selection == selection:
                self.view.clear_selection()  # labelled: the highlight goes (unless moved on)
            self.current_id, self._pinned = int(span.id), False  # type: ignore[arg-type]
            self.refresh_spans([int(span.id)], links=False)  # type: ignore[arg-type]
            line = Text("Saved ", style="green")
            line.append_text(self.describe(span))
            self.say(line)

        attributes = self.default_attributes(label)
        self.save(lambda: self.store.add_span(doc_id, annotator, label, start, end,
                                              attributes=attributes), done,
                  f"{label} {start}–{end}")

    def default_attributes(self, name: str) -> dict[str, str] | None:
        """The schema's ``default:`` values of a label's attributes, given to every new span
        made with a key (``realis: actual``, ``type: direct``), so the attributes dialog and the
        exports show what the schema promises instead of nothing."""
        label = self.schema.label(name)
        if label is None:
            return None
        found = {a.name: a.default for a in label.attributes if a.default is not None}
        return found or None

    def action_pick_label(self) -> None:
        if self.pending is not None:
            self.finish_link()
            return
        from copydesk.tui.app.screens.picker import LabelPicker

        def chosen(name: str | None) -> None:
            if name:
                self.apply_label(name)

        self.app.push_screen(LabelPicker(self.schema.active_labels, title="Label"), chosen)

    def action_relabel(self) -> None:
        if self.still_loading():
            return
        span = self.span_here()
        if span is None:
            self.say("No span under the cursor to relabel.", error=True)
            return
        from copydesk.tui.app.screens.picker import LabelPicker

        same_layer = [lb for lb in self.schema.active_labels if lb.layer == span.layer]

        def chosen(name: str | None) -> None:
            if not name:
                return
            span_id, annotator = int(span.id), self.app.annotator  # type: ignore[arg-type]

            def done(_: object) -> None:
                self.refresh_spans([span_id], links=False)
                self.say(f"Saved: relabelled {span.label} → {name}")

            self.save(lambda: self.store.relabel_span(span_id, annotator, name), done,
                      f"relabel {span.label} → {name}")

        self.app.push_screen(LabelPicker(same_layer, title=f"Relabel {span.label}"), chosen)

    def action_delete(self) -> None:
        if self.still_loading():
            return
        span = self.span_here()
        if span is None:
            self.say("No span under the cursor to delete.", error=True)
            return
        span_id, annotator = int(span.id), self.app.annotator  # type: ignore[arg-type]

        def done(links: list[int]) -> None:
            self.refresh_spans([span_id])
            extra = f" and its {count_of(len(links), 'link')}" if links else ""
            self.say(f"Saved: deleted {span.label} {span.text[:40]!r}{extra} (u undoes)")

        self.save(lambda: self.store.remove_span(span_id, annotator), done,
                  f"delete {span.label}")
