"""What the annotation screen says: the title, the status line, the side panel, saving.

Every edit goes to the app's write queue through `save` (`tui.app.writes`); while the
database is locked or away the status line says what waits (`writes_waiting`,
`database_unreachable`, `writes_unsaved`). The title shows the document, its status and the
queue's progress; the side panel the spans under the cursor and their links.

A mixin of `AnnotateScreen` (`screen.py`): `self` is the screen; what it uses of the other
sections is listed in `parts.py`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widgets import Static

from copydesk.projects.errors import DocumentChanged, StoreError
from copydesk.tui.app.messages import DatabaseUnreachable
from copydesk.tui.app.screens.annotate.parts import AnnotateParts
from copydesk.tui.app.writes import WriteJob
from copydesk.tui.engine.annotate_state import fragment_list
from copydesk.tui.engine.text import safe_line, safe_rich, safe_text
from copydesk.tui.engine.wording import count_of, plural

if TYPE_CHECKING:
    # Types only: the table models load SQLAlchemy, which this screen's first frame does
    # without (projects.firstread); the store is opened right after it.
    from copydesk.projects.models import Span


class ScreenStatus(AnnotateParts):
    """What the annotation screen says (see the module docstring)."""

    def refresh_title(self) -> None:
        """Where the annotator is: document, its status, place in the queue and in the text;
        the help key always shows (the footer is cut at 80 columns)."""
        finished, total = self._progress
        right = Text()
        if self.view.select_mode:
            right.append(" SELECT ", style="bold reverse")
            right.append(" ")
        right.append(f"[{self.status}]", style="italic")
        # Painted from the first-frame read, the queue's progress and the set's rows are not
        # known yet (they come with the store, a moment later): … rather than a wrong 0.
        progress = f"{finished}/{total}" if self._loaded else "…"
        count = count_of(len(self.spans), "span") if self._loaded else "… spans"
        if self._unsaved:  # stays up while the cursor moves: the status line does not
            right.append(f" ⚠ {len(self._unsaved)} unsaved ", style="bold red reverse")
            right.append(" ")
        right.append(f" {progress} done  ·  {count}  ·  "
                     f"{self._where()}{self.suggestion_count_text()}  ·  ", style="dim")
        right.append("? help", style="bold")
        width = max(20, (self.size.width or 80) - 2)
        title = safe_text(self.title, limit=max(8, width - right.cell_len - 2), style="bold",
                          bidi=self.view.bidi)
        title.append("  ")
        title.append_text(right)
        self.query_one("#doc-title", Static).update(title)

    def _where(self) -> str:
        """The cursor's place in the text: line of lines (and percent)."""
        text = getattr(self, "text", "")
        if not text:
            return "empty"
        index = self.view.index
        line = index.line_of(self.view.cursor) + 1
        return f"line {line}/{index.line_count}"

    def say(self, message: str | Text, *, error: bool = False, keep: bool = True) -> None:
        """Show an action's outcome; it stays until the cursor moves (see cursor_moved).

        ``keep=False`` for descriptions of where the cursor is, which the next move replaces.
        """
        if keep:
            self._said_at = self.view.cursor
        line = safe_rich(message if isinstance(message, Text) else Text(message))
        if error:
            line.stylize("bold red")
            self.app.bell()
        self.query_one("#status-line", Static).update(line)

    def save(self, run: Callable[[], Any], done: Callable[[Any], None], what: str) -> None:
        """Hand one store write to the app's write queue (see tui.writes): saved at once when
        the database is free, else in order by the write worker while keys keep working."""

        def if_here(callback: Callable[..., None]) -> Callable[..., None]:
            def call(*args: Any) -> None:
                if self.is_attached:  # the annotator may have left the document meanwhile
                    self._edits += 1  # a read of the rows begun before this is stale
                    callback(*args)
            return call

        def failed(exc: StoreError) -> None:
            if isinstance(exc, DocumentChanged):
                self.document_changed(exc)  # tui.screens.version_review
                return
            self.say(f"Not saved: {exc}", error=True)

        def already_saved() -> None:
            # Its first attempt was committed but the answer was lost with the connection
            # (tui.app.writes): not saved twice; the rows are re-read to show what is stored.
            self.reload()
            self.say(Text(f"Saved {what}", style="green"))

        self.app.writes.submit(WriteJob(run, if_here(done), if_here(failed), what,
                                        already_saved=if_here(already_saved)))

    def writes_waiting(self, count: int, what: str) -> None:
        """Edits wait: the database is locked by another process, or cannot be reached."""
        if not count:
            return  # all saved: each edit's own "Saved" line stays
        if self.app.writes.problem is not None:
            self.database_unreachable(count, self.app.writes.problem)
            return
        line = Text(f"Saving… {what}", style="bold yellow")
        line.append(f"  ({count_of(count, 'edit')} waiting: another process is writing to the "
                    "project; keep working)", style="yellow")
        self.say(line)

    def database_unreachable(self, count: int, reason: str) -> None:
        """The status line while the database does not answer: why, and what waits."""
        line = Text("Waiting for the database", style="bold yellow")
        if "waiting for the database" in reason or self.app.writes.locked:  # a lock held elsewhere
            line.append(" (a lock is held elsewhere)", style="yellow")
        else:
            line.append(" (the server is unreachable)", style="yellow")
        if count:
            line.append(f": {count_of(count, 'edit')} queued, saved in order when it answers; "
                        "keep working", style="yellow")
        else:
            line.append(": nothing is queued; edits you make now wait for it", style="yellow")
        self.say(line)

    def on_database_unreachable(self, message: DatabaseUnreachable) -> None:
        self.database_unreachable(message.pending, message.reason)

    def writes_unsaved(self, whats: list[str], seconds: float) -> None:
        """The database stayed locked past the busy timeout: name every unsaved edit, in the
        status line and in the title (which stays while the cursor moves), until it is saved."""
        self._unsaved = list(whats)
        self.refresh_title()
        if whats:
            line = Text(f"Not saved yet ({len(whats)} {plural(len(whats), 'edit')}, database "
                        f"locked by another process for {seconds:.0f} s): ",
                        style="bold red")
            line.append(safe_text("; ".join(whats), limit=120))
            line.append("  retrying; they are saved in order (ctrl+q waits for them; pressed "
                        "twice, quits without them)", style="red")
            self.say(line)

    def describe(self, span: Span) -> Text:
        out = Text()
        out.append(span.label, style="bold")
        out.append(f" ({span.layer}) ", style="dim")
        out.append_text(safe_text(span.text, limit=60, bidi=self.view.bidi))
        out.append(f"  {fragment_list(span)}", style="dim")
        attrs = json.loads(span.attributes or "{}")
        if attrs:
            # kept brat notes (`brat:notes`) are free text from a file: sanitised like any text
            out.append("  " + safe_line(", ".join(f"{k}={v}" for k, v in sorted(attrs.items())),
                                        max_cells=200), style="italic")
        if span.stale:
            out.append(f"  needs review: {span.stale}", style="bold red")
        if getattr(span, "needs_review", False):
            out.append(f"  needs review: {span.review_reason} in the corrected text",
                       style="bold red")
        return out

    def refresh_side(self) -> None:
        here = self.spans_here()
        side = Text()
        ghost = self.suggestion_here()
        if not here and ghost is None:
            side.append("No span under the cursor.", style="dim")
        if ghost is not None:
            side.append_text(self.describe_suggestion(ghost))
            side.append("\n")
        for span in here:
            side.append_text(self.describe(span))
            side.append_text(self.describe_review(span))
            side.append("\n")
        target = self.spans.get(self._reselect_id) if self._reselect_id is not None else None
        if target is not None and target not in here:
            side.append("Re-selecting: ", style="bold yellow")
            side.append_text(self.describe(target))
            side.append_text(self.describe_review(target))
        self.query_one("#side-span", Static).update(safe_rich(side))
        links = Text()
        highlight: set[int] = set()
        for span in here[:1]:
            for link in self.links_of(int(span.id)):  # type: ignore[arg-type]
                other_id = link.tail_id if link.head_id == span.id else link.head_id
                other = self.spans.get(other_id)
                if other is None:
                    continue
                highlight.add(other_id)
                arrow = "→" if link.head_id == span.id else "←"
                links.append(f"{arrow} {link.role}: ", style="bold")
                links.append_text(safe_text(other.text, limit=30, bidi=self.view.bidi))
                links.append(f" ({other.label})\n", style="dim")
        if self.pending is not None:
            head = self.spans.get(self.pending.head_id)
            links.append(f"\nAdding {self.pending.kind} to {head.label if head else '?'}: "
                         "move to the span, press enter (esc cancels)", style="bold yellow")
        current = self.current_span()
        if current is not None and (current.fragments or self._pinned
                                    or self.view.selection is not None):
            links.append_text(self.describe_current(current))
            if current.fragments:
                highlight.add(int(current.id))  # type: ignore[arg-type]
        self.query_one("#side-links", Static).update(safe_rich(links))
        self.view.highlight_ids = highlight
