"""The annotation screen: read one article, select spans, label and link them.

The article view owns cursor and selection keys; this screen owns the editing keys and turns
each into one Store call, handed to the app's write queue (`tui.writes`): saved at once when the
database is free, otherwise shown as "Saving…" while the write worker waits for the lock and the
keys keep working. A write that the store refuses is shown in the status line and changes
nothing; a write that succeeds is re-read from the database before it is shown.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.color import ColorSystem
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from copydesk.projects import fragments as frag
from copydesk.projects.errors import DocumentChanged, StoreBusy, StoreError, StoreUnavailable
from copydesk.schema.model import ATTRIBUTION, CONTENT, EVENT, Label
from copydesk.tui.app.framework import key_for_character, screen_bindings
from copydesk.tui.app.messages import (
    DatabaseBack,
    DatabaseUnreachable,
    ProjectOpened,
    SchemaReloaded,
)
from copydesk.tui.app.screens.suggestions import SuggestionActions
from copydesk.tui.app.screens.version_review import VersionReviewActions
from copydesk.tui.app.widgets.article_view import ArticleView
from copydesk.tui.app.writes import WriteJob
from copydesk.tui.engine import motions
from copydesk.tui.engine.bidi_settings import options_for, remember
from copydesk.tui.engine.document_rows import DocumentRows, next_undone, read_rows
from copydesk.tui.engine.history_text import describe_action
from copydesk.tui.engine.layout import SpanView
from copydesk.tui.engine.motions import trim_punctuation
from copydesk.tui.engine.palette import LabelInfo, all_distinct, depth_for, label_looks
from copydesk.tui.engine.quicklink import best_role
from copydesk.tui.engine.text import safe_line, safe_rich, safe_text
from copydesk.tui.engine.wording import count_of, plural

if TYPE_CHECKING:
    # Types only: the table models load SQLAlchemy, which this screen's first frame does
    # without (projects.firstread); the store is opened right after it.
    from copydesk.projects.firstread import FirstSpan
    from copydesk.projects.models import Action, Link, Span
    from copydesk.tui.app.application import CopydeskApp

UNDONE = ("todo", "in_progress")


@dataclass
class SearchState:
    """Find in the document: the query, where the search started (esc goes back there), and
    whether letters are being typed into it."""

    query: str = ""
    origin: int = 0
    typing: bool = False


@dataclass(frozen=True)
class Pending:
    """A link being made: the head span waits while the annotator moves to the tail."""

    kind: str  # "argument", "source" or "cue"
    head_id: int


class RowsRead(Message):
    """A worker's read of the document (`AnnotateScreen.load`), back on the UI thread.

    `ticket` tells a stale read (a newer one was started) from the current one; `edits`
    counts the edits confirmed when the read began (one saved since makes it stale too)."""

    bubble = False

    def __init__(self, ticket: int, edits: int, with_document: bool,
                 rows: DocumentRows | None, error: StoreError | None = None) -> None:
        super().__init__()
        self.ticket, self.edits, self.with_document = ticket, edits, with_document
        self.rows, self.error = rows, error


class NextDocumentFound(Message):
    """`n`/`N`: the queue read in a worker, and the document to go to (None: no other)."""

    bubble = False

    def __init__(self, ticket: int, doc_id: int | None, in_queue: bool,
                 error: StoreError | None = None) -> None:
        super().__init__()
        self.ticket, self.doc_id, self.in_queue, self.error = ticket, doc_id, in_queue, error


def fragment_list(span: Span) -> str:
    """`10–52` or, for a span in pieces, `10–36, 67–92 (2 pieces)`."""
    parts = frag.parts_of(span)
    shown = ", ".join(f"{a}–{b}" for a, b in parts)
    return shown if len(parts) == 1 else f"{shown} ({len(parts)} pieces)"


def span_view(span: Span | FirstSpan, label: Label | None) -> SpanView:
    color = label.color if label is not None else "grey50"
    parts = frag.parts_of(span)
    return SpanView(id=int(span.id), start=span.start, end=span.end,  # type: ignore[arg-type]
                    label=span.label, layer=span.layer, color=color,
                    fragments=parts if len(parts) > 1 else ())


class AnnotateScreen(SuggestionActions, VersionReviewActions, Screen[None]):
    """One document for one annotator."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "back", "Queue", id="annotate.back"),
        Binding("slash,enter", "pick_label", "Label", id="annotate.pick"),
        Binding("r", "relabel", "Relabel", id="annotate.relabel"),
        Binding("x,delete", "delete", "Delete", id="annotate.delete"),
        Binding("u,ctrl+z", "undo", "Undo", id="annotate.undo"),
        Binding("U,ctrl+y", "redo", "Redo", id="annotate.redo"),
        Binding("D", "status('done')", "Done", id="annotate.done"),
        Binding("m", "mark", "Mark…", id="annotate.mark"),
        Binding("n", "next_doc(1)", "Next doc", id="annotate.next_doc"),
        Binding("N", "next_doc(-1)", "Prev doc", show=False, id="annotate.prev_doc"),
        Binding("a", "link('argument')", "Argument", id="annotate.argument"),
        Binding("S", "link('source')", "Source", show=False, id="annotate.source"),
        Binding("C", "link('cue')", "Cue", show=False, id="annotate.cue"),
        Binding("A", "attributes", "Attributes", show=False, id="annotate.attributes"),
        Binding("L", "links", "Links", show=False, id="annotate.links"),
        Binding("j", "jump", "Jump", show=False, id="annotate.jump"),
        # issue 12: newsroom motions, search, tags (see tui/engine/motions.py)
        Binding("quotation_mark", "quote(1)", "Next quote (select inside)", show=False,
                id="motion.next_quote"),
        Binding("apostrophe", "quote(-1)", "Prev quote (select inside)", show=False,
                id="motion.prev_quote"),
        Binding("V", "speech_verb", "Next speech verb", show=False, id="motion.speech_verb"),
        Binding("P", "name", "Next unlabelled name", show=False, id="motion.name"),
        Binding("right_curly_bracket", "unlabelled_sentence", "Next unlabelled sentence",
                show=False, id="motion.unlabelled_sentence"),
        Binding("F", "find", "Find in document", show=False, id="search.find"),
        Binding("greater_than_sign", "find_next(1)", "Next match", show=False,
                id="search.next"),
        Binding("less_than_sign", "find_next(-1)", "Prev match", show=False, id="search.prev"),
        Binding("T", "toggle_tags", "Label tags", show=False, id="annotate.tags"),
        # issue 13: suggestions (tui.screens.suggestions)
        Binding("plus,equals_sign", "accept_suggestion", "Accept suggestion", show=False,
                id="annotate.accept_suggestion"),
        Binding("minus", "reject_suggestion", "Reject suggestion", show=False,
                id="annotate.reject_suggestion"),
        Binding("asterisk", "accept_all_suggestions", "Accept all suggestions", show=False,
                id="annotate.accept_all_suggestions"),
        Binding("full_stop", "next_suggestion(1)", "Next suggestion", show=False,
                id="annotate.next_suggestion"),
        Binding("comma", "next_suggestion(-1)", "Prev suggestion", show=False,
                id="annotate.prev_suggestion"),
        # issue 11: a span in pieces (split quotes); & adds the selection, ctrl+\ removes a piece
        Binding("ampersand", "add_fragment", "Add piece", show=False,
                id="annotate.add_fragment"),
        Binding("ctrl+backslash", "remove_fragment", "Remove piece", show=False,
                id="annotate.remove_fragment"),
        # issue 26: spans a corrected article moved (tui.screens.version_review)
        Binding("exclamation_mark", "confirm_review", "Keep reviewed place", show=False,
                id="annotate.confirm_review"),
        Binding("R", "reselect", "Re-select / next needing review", show=False,
                id="annotate.reselect"),
    ]

    app: CopydeskApp  # type: ignore[assignment]

    def __init__(self, doc_id: int) -> None:
        super().__init__()
        self.doc_id = doc_id
        self.spans: dict[int, Span] = {}
        self.links: list[Link] = []
        self.pending: Pending | None = None
        self.status = "todo"
        self._progress = (0, 0)
        self._said_at = -1
        self._failed_at = -1  # cursor offset where a motion last found nothing (see motion_failed)
        self._unsaved: list[str] = []  # edits waiting out a locked database (writes_unsaved)
        self._label_keys: list[str] = []
        self._init_suggestions()
        self._quotes: list[tuple[int, int]] | None = None  # quotation pairs, found on first use
        self._verbs = None  # the speech-verb pattern, built on first use
        self._search = SearchState()
        # The span `&` adds a piece to: the last one labelled, or the one `+` was pressed on
        # with no selection. Not the span the cursor passes: walking from a quote's first half
        # to its second crosses the source and cue, which must not become the target.
        self.current_id: int | None = None
        self._pinned = False
        self._loaded = False  # the rows are read and shown (see load)
        self._queue_ids: list[int] | None = None
        self._ticket = 0  # the latest read of the rows (see load); older results are dropped
        self._next_ticket = 0  # the same for n / N (action_next_doc)
        self._edits = 0  # edits confirmed on this screen (a read begun before one is stale)
        self._waiting_to_open = False  # the text could not be read: the database is away
        self._after_load: str | Text | None = None  # said once the rows are shown

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Static(id="doc-title")
        with Horizontal(id="annotate-body"):
            yield ArticleView(id="article")
            with Vertical(id="side"):
                yield Static(id="side-span")
                yield Static(id="side-links")
        yield Static(id="status-line")
        yield Static(id="search")
        yield Footer()

    @property
    def view(self) -> ArticleView:
        return self.query_one(ArticleView)

    @property
    def store(self):  # type: ignore[no-untyped-def]
        return self.app.project.store

    @property
    def schema(self):  # type: ignore[no-untyped-def]
        return self.app.schema

    def on_mount(self) -> None:
        first = self.app.first_screen(self.doc_id)
        if first is not None:
            # The document the app was started on, read without the store (projects.firstread):
            # paint it now, open the store once this frame is on the terminal. Any key or
            # click that comes first opens it before it is handled (CopydeskApp.on_event);
            # the rows are then read in a worker (on_project_opened).
            self._show(first.text, first.title or first.external_id or f"document {first.doc_id}",
                       first.content_hash)
            self.view.set_spans([span_view(s, self.schema.label(s.label)) for s in first.spans])
            self.status = first.status
            self.refresh_title()
            self.call_after_refresh(self.app.open_after_first_frame)
            return
        self.title = f"document {self.doc_id}"
        self.say(f"Reading document {self.doc_id} from the database…")
        self.load(with_document=True)

    @property
    def loaded(self) -> bool:
        """The document's rows are read and shown (a read in a worker: see load)."""
        return self._loaded

    def on_project_opened(self, message: ProjectOpened) -> None:
        """The store is open (the app started on a first-frame read): read the rows, and if
        the article was corrected since it was painted, the new text first.

        Read here, on the UI thread, not in a worker: a first frame is read only from a local
        SQLite project (projects.firstread; PostgreSQL always opens through `load`), where
        this takes milliseconds, and the key that opened the store, or any typed ahead of it,
        must act on the document with its rows, as the annotator sees it."""
        if self._loaded or self._ticket != 0 or not hasattr(self, "text"):
            return  # read already, or not painted yet (on_mount then reads everything)
        if not message.current:
            self.document_changed(None)  # tui.screens.version_review; reads the rows too
            return
        self.reload()

    def load(self, *, with_document: bool = False) -> None:
        """Read the document's rows (and its text, `with_document`) in a worker thread; they
        come back as a `RowsRead` message (on_rows_read). The keys keep working meanwhile: a
        slow or remote database never freezes the screen."""
        self._ticket += 1
        ticket, edits = self._ticket, self._edits
        store, doc_id, annotator = self.store, self.doc_id, self.app.annotator
        queue_ids = self.app.queue_ids

        def read() -> None:
            try:
                rows = read_rows(store, doc_id, annotator, queue_ids,
                                 with_document=with_document)
            except StoreError as exc:
                self.post_message(RowsRead(ticket, edits, with_document, None, exc))
                return
            self.post_message(RowsRead(ticket, edits, with_document, rows))

        self.run_worker(read, thread=True, exclusive=True, group="annotate-load",
                        name=f"read document {doc_id}")

    def on_rows_read(self, message: RowsRead) -> None:
        if message.ticket != self._ticket:
            return  # a newer read was started since: this one is stale
        if message.error is not None:
            self._load_failed(message.error)
            return
        if message.edits != self._edits:  # an edit was saved while it read: read again
            self.load(with_document=message.with_document)
            return
        assert message.rows is not None
        self.show_rows(message.rows)

    def _load_failed(self, exc: StoreError) -> None:
        """The read did not reach the database: while it is away, an empty page that says so
        (filled in when it answers: on_database_back); any other refusal is said."""
        if isinstance(exc, (StoreUnavailable, StoreBusy)):
            if not hasattr(self, "text"):
                self._waiting_to_open = True
                self._show("", f"document {self.doc_id}", "")
            self.app.database_trouble(exc)
            return
        self.say(f"Could not read this document: {exc}", error=True)

    def show_rows(self, rows: DocumentRows) -> None:
        """Show what `read_rows` read: the text if it was read, the spans, links,
        suggestions, status and the queue's progress."""
        if rows.document is not None:
            doc = rows.document
            self._waiting_to_open = False
            self._show(doc.text, doc.title or doc.external_id or f"document {doc.id}",
                       doc.content_hash)
        first = not self._loaded
        self._loaded = True
        self._queue_ids = rows.queue_ids
        if first and not self.remember_version(rows.version):  # tui.screens.version_review
            return  # corrected since it was painted: document_changed showed the new text
        self.spans = {int(s.id): s for s in rows.spans}  # type: ignore[arg-type]
        self.links = rows.links
        self.view.set_spans([span_view(s, self.schema.label(s.label)) for s in rows.spans])
        self.show_review()
        self.show_suggestions(rows.suggestions)
        self.status = rows.status
        self._progress = rows.progress
        self.refresh_title()
        self.refresh_side()
        if self._after_load is not None:
            self.say(self._after_load)
            self._after_load = None

    def _show(self, text: str, title: str, content_hash: str) -> None:
        """The document's text, with this project's settings and label looks and keys."""
        settings = self.app.config.settings
        self.text = text
        self.title = title
        self.view.snap_tokens = bool(settings.get("snap_to_tokens", True))
        self.content_hash = content_hash
        self.view.bidi = options_for(settings, content_hash)
        self.view.load(text, [])
        self.apply_looks()
        self.bind_label_hotkeys()
        self.view.focus()
        self.say("Select with shift+arrows (or v / space), then press a label key or / to pick.")

    def still_loading(self) -> bool:
        """True (and said) while the rows are still being read: a key that works on spans or
        links waits for them rather than act on a half-shown document."""
        if self._loaded:
            return False
        self.say("Still reading this document's spans from the database; try again in a "
                 "moment.", error=True)
        return True

    # ------------------------------------------------------------------ state
    def reload(self) -> None:
        """Re-read this set's rows now, on the UI thread: after an edit that changed many of
        them (a suggestion decision, a corrected article), whose result the annotator waits
        for anyway. Opening a document reads in a worker instead (load)."""
        self._edits += 1  # a read in flight began before this: stale
        known = self._queue_ids if self._loaded else None
        queue_ids = (lambda: known) if self._loaded else self.app.queue_ids
        self.show_rows(read_rows(self.store, self.doc_id, self.app.annotator, queue_ids,
                                 with_document=False))

    def refresh_spans(self, span_ids: Iterable[int], *, links: bool = True) -> None:
        """After a confirmed edit: re-read only the spans it touched (and, where the edit can
        change them, the links), so a save costs the edit, not the document's spans."""
        ids = list(span_ids)
        fresh = {int(s.id): s for s in self.store.spans_by_id(ids)}  # type: ignore[arg-type]
        removed = [i for i in ids if self.spans.pop(i, None) is not None]
        self.spans.update(fresh)
        if links:
            self.links = self.store.links(self.doc_id, self.app.annotator)
        self.view.update_spans(
            added=[span_view(s, self.schema.label(s.label)) for s in fresh.values()],
            removed=removed,
        )
        self.show_review()
        if self.suggestions or removed:
            self.refresh_suggestions()  # an edit can match, or un-match, a suggestion
        if self.status == "todo":  # the first edit starts the document
            self.refresh_status()
        else:
            self.refresh_title()
        self.refresh_side()

    def refresh_status(self) -> None:
        """Re-read this document's status and the queue's progress (after a status change)."""
        aset = self.store.annotation_set(self.doc_id, self.app.annotator)
        self.status = aset.status if aset else "todo"
        self._progress = self.store.progress(self.app.annotator, self._queue_ids)
        self.refresh_title()

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

    # ------------------------------------------------------------------ saving
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

        self.app.writes.submit(WriteJob(run, if_here(done), if_here(failed), what))

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

    def on_database_back(self, message: DatabaseBack) -> None:
        """The server answers again and no edit is queued: re-read this set's rows (and the
        text, if it could not be read), then say so."""
        self._after_load = "The database is back; everything is saved."
        self.load(with_document=self._waiting_to_open)

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

    def on_schema_reloaded(self, message: SchemaReloaded) -> None:
        """The project's schema changed under us: new hotkeys, recolour what is shown."""
        self.bind_label_hotkeys()
        self.load()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < 100, "-narrow")
        if hasattr(self, "text"):
            self.refresh_title()

    def apply_looks(self) -> None:
        """Label looks for this terminal's colour depth, and the tag mode setting."""
        labels = [LabelInfo(lb.name, lb.layer, lb.color) for lb in self.schema.labels]
        depth = depth_for(self.app.console.color_system, no_color=self.app.no_color)
        looks = self.view.label_looks = label_looks(labels, depth)
        # Tags by default where looks alone cannot tell every pair of labels apart (mono has
        # only underline and italic to combine; 16 colours run out past 24 labels).
        ambiguous = depth == "mono" or (depth == "16"
                                        and not all_distinct(looks, ColorSystem.STANDARD))
        tags = self.app.config.settings.get("tags", "auto")
        self.view.tag_mode = tags in ("on", True) or (tags == "auto" and ambiguous)

    def action_toggle_tags(self) -> None:
        self.view.tag_mode = not self.view.tag_mode
        self.say(f"Label tags {'on' if self.view.tag_mode else 'off'} (T toggles; "
                 "settings: tags: on|off|auto)")

    # ------------------------------------------------------------------ view events
    def on_article_view_cursor_moved(self, event: ArticleView.CursorMoved) -> None:
        self.refresh_side()
        if hasattr(self, "text"):
            self.refresh_title()
        if event.offset != self.view.cursor:
            return  # a stale move (keys typed ahead): the latest one describes where we are
        if event.offset != self._failed_at:
            self._failed_at = -1
        if event.offset == self._said_at:
            return  # an edit changed the spans here: keep its "Saved"/"Not saved" line
        self._said_at = -1
        here = self.spans_here()
        if self.pending is not None:
            self.say(self.pending_hint(), keep=False)
        elif here:
            self.say(self.describe(here[0]), keep=False)
        elif (ghost := self.suggestion_here()) is not None:
            self.say(self.describe_suggestion(ghost), keep=False)
        else:  # never leave a span's description up once the cursor has left the span
            self.query_one("#status-line", Static).update(Text(""))

    def on_article_view_select_mode_changed(self, event: ArticleView.SelectModeChanged) -> None:
        if hasattr(self, "text"):
            self.refresh_title()

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

    # ------------------------------------------------------------------ labelling
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

    # ------------------------------------------------------------------ fragments
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

    def action_undo(self) -> None:
        self._history(redo=False)

    def action_redo(self) -> None:
        self._history(redo=True)

    def _history(self, *, redo: bool) -> None:
        from copydesk.projects.store import BATCH_KINDS  # start-up time: see TYPE_CHECKING above

        doc_id, annotator = self.doc_id, self.app.annotator
        step_fn = self.store.redo if redo else self.store.undo

        def done(step: Action | None) -> None:
            if step is None:
                self.say("Nothing to redo." if redo else "Nothing to undo.")
                return
            what = describe_action(step.kind, step.payload, self._span_text)
            self.refresh_spans(self.store.touched_spans(step))
            if step.kind in BATCH_KINDS:  # a suggestion decision: its ghosts come back or go
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

    # ------------------------------------------------------------------ document status
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

    def action_next_doc(self, step: int) -> None:
        """The next (previous) undone document in the queue: the queue is read in a worker,
        and the screen switches when it answers (on_next_document_found)."""
        self._next_ticket += 1
        ticket, doc_id = self._next_ticket, self.doc_id
        store, annotator, queue_ids = self.store, self.app.annotator, self.app.queue_ids

        def read() -> None:
            try:
                rows = store.queue(annotator, queue_ids())
            except StoreError as exc:
                self.post_message(NextDocumentFound(ticket, None, False, exc))
                return
            self.post_message(NextDocumentFound(ticket, next_undone(rows, doc_id, step, UNDONE),
                                                any(r.id == doc_id for r in rows)))

        self.run_worker(read, thread=True, exclusive=True, group="annotate-next",
                        name="next document")

    def on_next_document_found(self, message: NextDocumentFound) -> None:
        if message.ticket != self._next_ticket or not self.is_current:
            return  # pressed again since, or the annotator has left this screen
        if isinstance(message.error, (StoreUnavailable, StoreBusy)):
            self.app.database_trouble(message.error)
        elif message.error is not None:
            self.say(f"Not moved: {message.error}", error=True)
        elif message.doc_id is not None:
            self.app.switch_screen(AnnotateScreen(message.doc_id))
        elif message.in_queue:
            self.say("No other undone document.")

    def action_back(self) -> None:
        if self.pending is not None:
            self.cancel_link()
            return
        self.app.leave_document()

    # ------------------------------------------------------------------ links
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
        pending = self.pending
        if pending is None:
            return ""
        key = {"argument": "its label key", "source": "s", "cue": "i"}.get(pending.kind, "")
        motion = {"source": " (P: next name)", "cue": " (V: next speech verb)"}.get(
            pending.kind, "")
        return (f"Adding {pending.kind}: move to it{motion}, then {key or 'a label key'} "
                "(new span) or enter (existing span); esc cancels.")

    def cancel_link(self) -> None:
        self.pending = None
        self.refresh_side()
        self.say("Link cancelled.")

    def on_article_view_bidi_changed(self, event: ArticleView.BidiChanged) -> None:
        """F6/F7/F8 in the article view: remember the choice in copydesk.yaml."""
        problem = remember(self.app.project, self.content_hash, event.options)
        if problem is not None:
            self.say(problem, error=True)
        self.refresh_title()
        self.refresh_side()

    def on_article_view_escape(self, event: ArticleView.Escape) -> None:
        if self.pending is not None:
            self.cancel_link()

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
                          self._role_help(head_label, role)) for tail, role in options]

        def chosen(value: object) -> None:
            if value is not None:
                tail, role = value  # type: ignore[misc]
                self.make_link(head, tail, role)

        self.app.push_screen(ChoicePicker(choices, title=f"Role in {head.label}"), chosen)

    @staticmethod
    def _role_help(label: Label | None, role: str) -> str:
        spec = label.role(role) if label is not None else None
        if spec is None:
            return ""
        return f"accepts {' | '.join(spec.accepts)}" + (" (may repeat)" if spec.repeat else "") \
            + (f"\n{spec.guideline}" if spec.guideline else "")

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


    # ------------------------------------------------------------------ one-key links (issue 12)
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

    # ------------------------------------------------------------------ newsroom motions
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
            configured = self.app.config.settings.get("speech_verbs")
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

    # ------------------------------------------------------------------ find
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
        """Take a key while a search is being typed; False lets it act as usual."""
        search = self._search
        if not search.typing:
            return False
        if event.key == "escape":
            search.typing = False
            self.view.move_cursor(search.origin)
        elif event.key == "enter":
            search.typing = False
        elif event.key == "backspace":
            search.query = search.query[:-1]
            self._find_from_origin()
        elif event.is_printable and event.character:
            search.query += event.character
            self._find_from_origin()
        else:  # a move or a command ends the typing and then does what it does
            search.typing = False
            self._show_search()
            return False
        self._show_search()
        return True

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
