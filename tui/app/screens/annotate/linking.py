"""Links on the annotation screen: arguments, sources and cues, roles, attributes.

`a`, `S` and `C` start a link from the span under the cursor (`Pending`); the annotator
moves to the other end and presses enter (an existing span) or a label key (a new span, labelled
and linked in one write). `L` lists a span's links to remove or re-role them, `A` sets
attributes, `j` jumps along links.

A mixin of `AnnotateScreen` (`screen.py`): `self` is the screen; what it uses of the other
sections is listed in `parts.py`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from rich.text import Text

from copydesk.schema.model import ATTRIBUTION, CONTENT, EVENT
from copydesk.tui.app.screens.annotate.parts import AnnotateParts
from copydesk.tui.engine.annotate_state import Pending, role_help
from copydesk.tui.engine.quicklink import best_role
from copydesk.tui.engine.text import safe_text

if TYPE_CHECKING:
    # Types only: the table models load SQLAlchemy, which this screen's first frame does
    # without (projects.firstread); the store is opened right after it.
    from copydesk.projects.models import Link, Span


class Linking(AnnotateParts):
    """Links on the annotation screen (see the module docstring)."""

    def action_link(self, kind: str) -> None:
        if self.still_loading():
            return
        if kind == "argument":
            head = self.span_here(layer=EVENT)
            if head is None:
                self.say("Put the cursor on an event trigger to add an argument.", error=True)
                return
        else:
            head = self.span_here(layer=ATTRIBUTION, part=CONTENT)
            if head is None:
                self.say(f"Put the cursor on an attribution content span to attach a {kind}.",
                         error=True)
                return
        self.pending = Pending(kind, int(head.id))  # type: ignore[arg-type]
        self.refresh_side()
        self.say(self.pending_hint())

    def pending_hint(self) -> str:
        return self.pending.hint() if self.pending is not None else ""

    def cancel_link(self) -> None:
        self.pending = None
        self.refresh_side()
        self.say("Link cancelled.")

    def finish_link(self) -> None:
        pending = self.pending
        assert pending is not None
        head = self.spans.get(pending.head_id)
        if head is None:
            self.pending = None
            self.say("The span the link started from is gone.", error=True)
            return
        head_label = self.schema.label(head.label)
        options: list[tuple[Span, str]] = []
        for tail in self.spans_here():
            tail_label = self.schema.label(tail.label)
            if tail.id == head.id or head_label is None or tail_label is None:
                continue
            for role in self.schema.valid_roles(head_label, tail_label):
                if pending.kind == "argument" or role == pending.kind:
                    options.append((tail, role))
        if not options:
            wanted = (f"a {pending.kind.upper()} span" if pending.kind != "argument"
                      else "an entity span this event takes as an argument")
            self.say(f"No valid target here: move to {wanted} (esc cancels).", error=True)
            return
        if len(options) == 1:
            self.make_link(head, *options[0])
            return
        filled = {lk.role for lk in self.links if lk.head_id == head.id}
        options.sort(key=lambda option: option[1] in filled)  # a role still open comes first
        from copydesk.tui.app.screens.picker import Choice, ChoicePicker

        choices = [Choice(f"{role} ← {tail.label} {tail.text[:30]}", (tail, role),
                          role_help(head_label, role)) for tail, role in options]

        def chosen(value: object) -> None:
            if value is not None:
                tail, role = value  # type: ignore[misc]
                self.make_link(head, tail, role)

        self.app.push_screen(ChoicePicker(choices, title=f"Role in {head.label}"), chosen)

    def make_link(self, head: Span, tail: Span, role: str) -> None:
        head_id, tail_id = int(head.id), int(tail.id)  # type: ignore[arg-type]
        annotator = self.app.annotator
        back_to = head.start

        def done(_: object) -> None:
            self.pending = None
            self.refresh_spans([])
            self.view.move_cursor(back_to)  # back to the trigger/quote: the next part is 1 motion
            self.say(f"Saved: {tail.label} {tail.text[:30]!r} is the {role} of {head.label}")

        self.save(lambda: self.store.add_link(head_id, tail_id, role, annotator), done,
                  f"{role} link")

    def action_links(self) -> None:
        if self.still_loading():
            return
        span = self.span_here()
        if span is None or not self.links_of(int(span.id)):  # type: ignore[arg-type]
            self.say("No links on the span under the cursor.", error=True)
            return
        from copydesk.tui.app.screens.picker import Choice, ChoicePicker

        choices = []
        for link in self.links_of(int(span.id)):  # type: ignore[arg-type]
            head, tail = self.spans.get(link.head_id), self.spans.get(link.tail_id)
            if head is None or tail is None:
                continue
            text = f"{head.label} —{link.role}→ {tail.label} {tail.text[:24]}"
            choices.append(Choice(f"remove: {text}", ("remove", link, None), ""))
            head_label, tail_label = self.schema.label(head.label), self.schema.label(tail.label)
            if head.layer == EVENT and head_label and tail_label:
                for role in self.schema.valid_roles(head_label, tail_label):
                    if role != link.role:
                        choices.append(Choice(f"re-role as {role}: {text}",
                                              ("role", link, role), ""))

        def chosen(value: object) -> None:
            if value is None:
                return
            what, link, role = value  # type: ignore[misc]
            link_id, annotator = int(link.id), self.app.annotator
            if what == "remove":
                message = f"Saved: removed the {link.role} link"

                def run() -> object:
                    return self.store.remove_link(link_id, annotator)
            else:
                message = f"Saved: {link.role} → {role}"

                def run() -> object:
                    return self.store.set_role(link_id, annotator, role)

            def done(_: object) -> None:
                self.refresh_spans([])
                self.say(message)

            self.save(run, done, message.removeprefix("Saved: "))

        self.app.push_screen(ChoicePicker(choices, title="Links"), chosen)

    def action_attributes(self) -> None:
        if self.still_loading():
            return
        span = next((s for s in self.spans_here()
                     if (lb := self.schema.label(s.label)) is not None and lb.attributes), None)
        if span is None:
            self.say("No span with attributes under the cursor.", error=True)
            return
        label = self.schema.label(span.label)
        assert label is not None
        from copydesk.tui.app.screens.picker import Choice, ChoicePicker

        current = json.loads(span.attributes or "{}")
        choices = [
            Choice(f"{attr.name}: {value}" + ("  ✓ current" if current.get(attr.name) == value
                                              else ""),
                   (attr.name, value), attr.guideline)
            for attr in label.attributes for value in attr.values
        ]
        now = safe_text(", ".join(f"{attr.name}={current.get(attr.name, 'not set')}"
                                  for attr in label.attributes)).plain

        def chosen(value: object) -> None:
            if value is None:
                return
            name, val = value  # type: ignore[misc]
            span_id, annotator = int(span.id), self.app.annotator  # type: ignore[arg-type]

            def done(_: object) -> None:
                self.refresh_spans([span_id], links=False)
                self.say(f"Saved: {span.label} {name}={val}")

            self.save(lambda: self.store.set_attributes(span_id, annotator, {name: val}), done,
                      f"{span.label} {name}={val}")

        self.app.push_screen(ChoicePicker(choices, title=f"Attributes of {span.label} (now: "
                                                         f"{now})"), chosen)

    def action_jump(self) -> None:
        """Trigger/content -> next linked span; argument/part -> its head."""
        if self.still_loading():
            return
        span = self.span_here()
        if span is None:
            return
        links = self.links_of(int(span.id))  # type: ignore[arg-type]
        if not links:
            self.say("This span has no links to jump along.")
            return
        outgoing = sorted((lk for lk in links if lk.head_id == span.id),
                          key=lambda lk: self.spans[lk.tail_id].start if lk.tail_id in self.spans
                          else 0)
        if outgoing:
            targets = [self.spans[lk.tail_id] for lk in outgoing if lk.tail_id in self.spans]
            after = [t for t in targets if t.start > self.view.cursor]
            target = (after or targets)[0]
        else:
            target = self.spans[links[0].head_id]
        self.view.move_cursor(target.start)

    def label_and_link(self, name: str) -> None:
        """While linking: label the word/selection ``name`` and join it to the waiting head in
        one write (one undo step); the role is the first free one that takes the label."""
        pending = self.pending
        assert pending is not None
        head = self.spans.get(pending.head_id)
        head_label = self.schema.label(head.label) if head is not None else None
        tail_label = self.schema.label(name)
        if head is None or head_label is None or tail_label is None:
            self.pending = None
            self.say("The span the link started from is gone.", error=True)
            return
        roles = [r for r in self.schema.valid_roles(head_label, tail_label)
                 if pending.kind == "argument" or r == pending.kind]
        if not roles:
            self.say(f"{name} cannot be the {pending.kind} of {head.label} (esc cancels).",
                     error=True)
            return
        target = self.target_range()
        if target is None:
            self.say("Nothing to label here: move to a word (punctuation alone is not a span).",
                     error=True)
            return
        existing = next((s for s in self.spans.values()
                         if (s.start, s.end, s.label) == (*target, name)), None)
        filled = [lk.role for lk in self.links if lk.head_id == head.id]
        role = best_role(head_label, roles, filled)
        if existing is not None:  # already labelled so: just link it
            self.view.clear_selection()
            self.make_link(head, existing, role)
            return
        doc_id, annotator, head_id = self.doc_id, self.app.annotator, int(head.id)  # type: ignore[arg-type]
        back_to, several = head.start, len(roles) > 1

        def done(made: tuple[Span, Link]) -> None:
            span = made[0]
            self.pending = None
            self.view.clear_selection()
            self.refresh_spans([int(span.id)])  # type: ignore[arg-type]
            self.view.move_cursor(back_to)  # back to the trigger/quote for the next part
            line = Text("Saved ", style="green")
            line.append(f"{name} ")
            line.append_text(safe_text(span.text, limit=30, bidi=self.view.bidi))
            line.append(f" is the {role} of {head.label}")
            if several:
                line.append("  (L changes the role)", style="dim")
            self.say(line)

        attributes = self.default_attributes(name)
        self.save(lambda: self.store.add_span_and_link(doc_id, annotator, name, target[0],
                                                       target[1], head_id, role,
                                                       attributes=attributes),
                  done, f"{name} + {role} link")
