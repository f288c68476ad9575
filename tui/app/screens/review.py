"""The review (adjudication) screen: merged candidate spans of a document, accepted into gold.

Thin on purpose: every decision is a call into `projects.adjudicate`, which validates, writes
and logs it; this screen only lists candidates and turns keys into those calls. It does not
depend on the annotation app, so `copydesk review` hosts it in the small `ReviewApp` below and
the main app can push it as is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from copydesk.projects.adjudicate import (
    ACCEPTED,
    OPEN,
    REJECTED,
    AcceptResult,
    Candidate,
    DocumentReview,
    accept,
    auto_accept_unanimous,
    candidates,
    reject,
)
from copydesk.projects.errors import StoreError
from copydesk.projects.permissions import Policy
from copydesk.projects.store import Store
from copydesk.tui.app.writes import WriteJob, WriteQueue
from copydesk.tui.engine.text import safe_text
from copydesk.tui.engine.wording import count_of

STATUS_STYLE = {OPEN: "yellow", ACCEPTED: "green", REJECTED: "red"}


def _pieces_cells(c: Candidate, text: str) -> tuple[str, str, Text]:
    """Start, end and text cells of a candidate. A split span (a quote interrupted by its
    source and cue) shows each piece, "…" between them: its outer bounds would show the
    source and cue as part of the quote."""
    parts = c.key.parts
    if len(parts) < 2:
        return str(c.start), str(c.end), safe_text(c.text, limit=50)
    shown = Text()
    each = max(8, 50 // len(parts))
    for n, (a, b) in enumerate(parts):
        if n:
            shown.append(" … ", style="dim")
        shown.append_text(safe_text(text[a:b], limit=each))
    return (" ".join(str(a) for a, _ in parts), " ".join(str(b) for _, b in parts), shown)


class ReviewScreen(Screen[None]):
    """One document at a time: `a` accept, `r` reject, `A` accept unanimous, `n`/`p` move."""

    CSS_PATH = "review.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "accept", "Accept", id="review.accept"),
        Binding("r", "reject", "Reject", id="review.reject"),
        Binding("A", "accept_unanimous", "Accept unanimous", id="review.accept_unanimous"),
        Binding("n", "next_document", "Next doc", id="review.next_document"),
        Binding("p", "previous_document", "Prev doc", id="review.previous_document"),
        Binding("q", "close", "Close", id="review.close"),
    ]

    def __init__(self, store: Store, reviewer: str, doc_ids: Sequence[int], *,
                 policy: Policy | None = None, start: int = 0) -> None:
        super().__init__()
        self.store = store
        self.reviewer = reviewer
        self.policy = policy
        self.doc_ids = list(doc_ids)
        self.index = max(0, min(start, len(self.doc_ids) - 1))
        self.review: DocumentReview | None = None
        self._writes: WriteQueue | None = None  # made on the first decision

    @property
    def doc_id(self) -> int | None:
        return self.doc_ids[self.index] if self.doc_ids else None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="review-summary")
        yield DataTable(id="review-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="review-message")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("start", "end", "text", "layer", "label", "annotators", "agreed",
                      "status"):
            table.add_column(label, key=label)
        self.reload()
        table.focus()

    # ------------------------------------------------------------------ state -> view
    def reload(self, *, cursor: int | None = None) -> None:
        """Re-read the candidates from the store (the single source of truth) and redraw."""
        table = self.query_one(DataTable)
        keep = table.cursor_row if cursor is None else cursor
        table.clear()
        summary = self.query_one("#review-summary", Static)
        if self.doc_id is None:
            self.review = None
            summary.update("nothing to review: no document has a done annotation set")
            return
        self.review = review = candidates(self.store, self.doc_id)
        doc = self.store.document(self.doc_id)
        title = doc.title or doc.external_id or f"document {doc.id}"
        summary.update(Text.assemble(
            f"[{self.index + 1}/{len(self.doc_ids)}] #{doc.id} ", safe_text(title, limit=60),
            f" · annotators: {', '.join(review.annotators) or 'none'}"
            f" · {len(review.open)} open of {len(review.candidates)}"
            f" · gold: {review.gold_status or 'todo'} · reviewer: {self.reviewer}",
        ))
        for i, c in enumerate(review.candidates):
            starts, ends, shown = _pieces_cells(c, doc.text)
            table.add_row(
                starts, ends, shown, c.layer, c.label,
                ", ".join(c.annotators) or "(gold only)",
                Text("yes" if c.unanimous else "NO", style="" if c.unanimous else "bold"),
                Text(c.status, style=STATUS_STYLE.get(c.status, "")),
                key=str(i),
            )
        if review.candidates:
            table.move_cursor(row=min(max(keep, 0), len(review.candidates) - 1))

    def say(self, message: str, *, error: bool = False) -> None:
        line = self.query_one("#review-message", Static)
        line.update(safe_text(message))
        line.set_class(error, "-error")

    @property
    def current(self) -> Candidate | None:
        if self.review is None or not self.review.candidates:
            return None
        row = self.query_one(DataTable).cursor_row
        if 0 <= row < len(self.review.candidates):
            return self.review.candidates[row]
        return None

    # ------------------------------------------------------------------ keys -> domain calls
    def _decide(self, kind: str) -> None:
        candidate, doc_id = self.current, self.doc_id
        if candidate is None or doc_id is None:
            self.say("no candidate here", error=True)
            return
        row = self.query_one(DataTable).cursor_row

        def run() -> object:
            if kind == "accept":
                return accept(self.store, doc_id, self.reviewer, candidate, policy=self.policy)
            return reject(self.store, doc_id, self.reviewer, candidate, policy=self.policy)

        def done(result: object) -> None:
            if isinstance(result, AcceptResult):
                extra = f", {count_of(len(result.link_ids), 'link')}" if result.link_ids else ""
                skipped = f"; {count_of(len(result.skipped_links), 'link')} refused" \
                    if result.skipped_links else ""
                settled = (f"; settled the conflict: {', '.join(result.settled)} rejected"
                           if result.settled else "")
                self.say(f"accepted {candidate.label} {candidate.text!r}{extra}{skipped}"
                         f"{settled}")
            else:
                self.say(f"rejected {candidate.label} {candidate.text!r}")
            if self.doc_id == doc_id:
                self.reload(cursor=row + 1)

        self._save(run, done, f"{kind} {candidate.label}")

    def _save(self, run: Callable[[], Any], done: Callable[[Any], None], what: str) -> None:
        """Through a serial write queue (tui.writes), as the annotation screen saves: a
        database locked by another process shows "saving…" instead of freezing the keys."""
        if self._writes is None:
            self._writes = WriteQueue(self.app, self.store.db, on_waiting=self._waiting)

        def if_here(callback: Callable[..., None]) -> Callable[..., None]:
            def call(*args: Any) -> None:
                if self.is_attached:
                    callback(*args)
            return call

        def failed(exc: StoreError) -> None:
            self.say(str(exc), error=True)

        def already_saved() -> None:  # committed, its answer lost (tui.app.writes): not twice
            self.say(f"saved: {what}")

        self._writes.submit(WriteJob(run, if_here(done), if_here(failed), what,
                                     already_saved=if_here(already_saved)))

    def _waiting(self, count: int, what: str) -> None:
        if count and self.is_attached:
            self.say(f"saving… {what} ({count_of(count, 'decision')} waiting: another process is "
                     "writing to the project)")

    def action_accept(self) -> None:
        self._decide("accept")

    def action_reject(self) -> None:
        self._decide("reject")

    def action_accept_unanimous(self) -> None:
        doc_id = self.doc_id
        if doc_id is None:
            return

        def done(accepted: list[AcceptResult]) -> None:
            self.say(f"accepted {count_of(len(accepted), 'unanimous span')}")
            if self.doc_id == doc_id:
                self.reload()

        self._save(lambda: auto_accept_unanimous(self.store, doc_id, self.reviewer,
                                                 policy=self.policy), done,
                   "accept unanimous")

    def _move(self, step: int) -> None:
        if not self.doc_ids:
            return
        target = self.index + step
        if not 0 <= target < len(self.doc_ids):
            self.say("no more documents" if step > 0 else "this is the first document")
            return
        self.index = target
        self.say("")
        self.reload(cursor=0)

    def action_next_document(self) -> None:
        self._move(1)

    def action_previous_document(self) -> None:
        self._move(-1)

    def action_close(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.dismiss()
        else:
            self.app.exit()


class ReviewApp(App[None]):
    """`copydesk review`: the review screen on its own, for one reviewer."""

    TITLE = "copydesk review"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="review_app.quit", priority=True),
    ]

    def __init__(self, store: Store, reviewer: str, doc_ids: Sequence[int], *,
                 policy: Policy | None = None, start: int = 0) -> None:
        super().__init__()
        self.store = store
        self.reviewer = reviewer
        self.doc_ids = list(doc_ids)
        self.policy = policy
        self.start = start
        self.sub_title = f"reviewer {reviewer}"

    def on_mount(self) -> None:
        self.push_screen(ReviewScreen(self.store, self.reviewer, self.doc_ids,
                                      policy=self.policy, start=self.start))
