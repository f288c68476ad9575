"""The annotation screen's small state, with no widget in it (tested without a terminal).

- `SearchState`: find in the document, and what each key does to it while it is typed;
- `Pending`: a link being made, and the hint that says what to do next;
- `span_view`, `fragment_list`, `role_help`: a span, a span's pieces and a role, as the view
  and the side panel show them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from copydesk.projects import fragments as frag
from copydesk.tui.engine.layout import SpanView

if TYPE_CHECKING:
    # Types only: the table models load SQLAlchemy, which the screen's first frame does
    # without (projects.firstread); the store is opened right after it.
    from copydesk.projects.firstread import FirstSpan
    from copydesk.projects.models import Span
    from copydesk.schema.model import Label

UNDONE = ("todo", "in_progress")


@dataclass
class SearchState:
    """Find in the document: the query, where the search started (esc goes back there), and
    whether letters are being typed into it."""

    query: str = ""
    origin: int = 0
    typing: bool = False

    def key(self, key: str, character: str | None, printable: bool) -> str:
        """One key while the query is typed: what the screen does next.

        "back" (esc: typing ends, the cursor goes back to `origin`), "keep" (enter: typing
        ends where the match is), "find" (the query changed: search again from `origin`),
        "pass" (any other key ends the typing and then acts as usual), or "ignore" (not
        typing: the key is not the search's).
        """
        if not self.typing:
            return "ignore"
        if key == "escape":
            self.typing = False
            return "back"
        if key == "enter":
            self.typing = False
            return "keep"
        if key == "backspace":
            self.query = self.query[:-1]
            return "find"
        if printable and character:
            self.query += character
            return "find"
        self.typing = False
        return "pass"


@dataclass(frozen=True)
class Pending:
    """A link being made: the head span waits while the annotator moves to the tail."""

    kind: str  # "argument", "source" or "cue"
    head_id: int

    def hint(self) -> str:
        """What to do next, for the status line."""
        key = {"argument": "its label key", "source": "s", "cue": "i"}.get(self.kind, "")
        motion = {"source": " (P: next name)", "cue": " (V: next speech verb)"}.get(
            self.kind, "")
        return (f"Adding {self.kind}: move to it{motion}, then {key or 'a label key'} "
                "(new span) or enter (existing span); esc cancels.")


def fragment_list(span: Span) -> str:
    """`10–52` or, for a span in pieces, `10–36, 67–92 (2 pieces)`."""
    parts = frag.parts_of(span)
    shown = ", ".join(f"{a}–{b}" for a, b in parts)
    return shown if len(parts) == 1 else f"{shown} ({len(parts)} pieces)"


def span_view(span: Span | FirstSpan, label: Label | None) -> SpanView:
    """A stored span (or a first-frame read's) as the article view draws it."""
    color = label.color if label is not None else "grey50"
    parts = frag.parts_of(span)
    return SpanView(id=int(span.id), start=span.start, end=span.end,  # type: ignore[arg-type]
                    label=span.label, layer=span.layer, color=color,
                    fragments=parts if len(parts) > 1 else ())


def role_help(label: Label | None, role: str) -> str:
    """A role's accepted labels and guideline, for the role picker."""
    spec = label.role(role) if label is not None else None
    if spec is None:
        return ""
    return f"accepts {' | '.join(spec.accepts)}" + (" (may repeat)" if spec.repeat else "") \
        + (f"\n{spec.guideline}" if spec.guideline else "")
