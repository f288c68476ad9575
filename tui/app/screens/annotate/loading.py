"""Opening a document: its rows read in a worker thread, shown when they come back.

The screen never reads the database in the event loop to open a document: `load` starts a
worker (`tui.engine.document_rows.read_rows`) and its `RowsRead` message brings the rows back;
a read overtaken by a newer one, or begun before an edit was saved, is dropped. The same for
`n`/`N` (the queue read to find the next undone document). After an edit the screen re-reads
only what it touched (`refresh_spans`), on the UI thread: that costs the edit, not the
document. Keys that work on spans wait (`still_loading`) until the first read is shown.

A mixin of `AnnotateScreen` (`screen.py`): `self` is the screen; what it uses of the other
sections is listed in `parts.py`.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.message import Message

from copydesk.projects.errors import StoreBusy, StoreError, StoreUnavailable
from copydesk.tui.app.messages import DatabaseBack, ProjectOpened, SchemaReloaded
from copydesk.tui.app.screens.annotate.parts import AnnotateParts
from copydesk.tui.engine.annotate_state import UNDONE, span_view
from copydesk.tui.engine.bidi_settings import options_for
from copydesk.tui.engine.document_rows import DocumentRows, next_undone, read_rows


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


class DocumentLoading(AnnotateParts):
    """Opening a document (see the module docstring)."""


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
        try:
            if not message.current:
                self.document_changed(None)  # version_review.py; reads the rows too
                return
            self.reload()
        except (StoreUnavailable, StoreBusy) as exc:  # read again when it answers
            self.app.database_trouble(exc)

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
        self.view.snap_tokens = settings.snap_to_tokens
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

    def on_database_back(self, message: DatabaseBack) -> None:
        """The server answers again and no edit is queued: re-read this set's rows (and the
        text, if it could not be read), then say so."""
        self._after_load = "The database is back; everything is saved."
        self.load(with_document=self._waiting_to_open)

    def on_schema_reloaded(self, message: SchemaReloaded) -> None:
        """The project's schema changed under us: new hotkeys, recolour what is shown."""
        self.bind_label_hotkeys()
        self.load()

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
            from copydesk.tui.app.screens.annotate.screen import AnnotateScreen  # (a cycle)

            self.app.switch_screen(AnnotateScreen(message.doc_id))
        elif message.in_queue:
            self.say("No other undone document.")
