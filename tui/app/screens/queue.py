"""The document queue: what to annotate next, and how far along this annotator is.

Its rows (and a search's matches) are read in a worker thread and come back as a `RowsRead`
message: on a slow or remote database the table keeps its last rows and the keys keep working
while the search runs. A read started after another makes the older one's result stale, and it
is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, ProgressBar, Static
from textual.widgets.data_table import ColumnKey

from copydesk.projects.errors import StoreBusy, StoreError, StoreUnavailable
from copydesk.projects.suggest import MODEL
from copydesk.projects.suggest.uncertainty import load_uncertainty
from copydesk.tui.app.messages import DatabaseBack
from copydesk.tui.engine.queue_filter import FilterError, QueueFilter, parse_filter
from copydesk.tui.engine.text import safe_line, safe_text

if TYPE_CHECKING:
    from copydesk.projects.store import DocumentRow, Store
    from copydesk.tui.app.application import CopydeskApp

STATUS_STYLE = {
    "todo": "dim",
    "in_progress": "yellow",
    "done": "green",
    "skipped": "blue",
    "flagged": "bold red",
}
UNDONE = ("todo", "in_progress")


@dataclass
class QueueRows:
    """One read of the queue: every row, the rows the search line lets through, and whether
    the model's uncertainty was found (for `u`)."""

    all_rows: list[DocumentRow]
    shown: list[DocumentRow]
    uncertainty_known: bool = True


def read_queue(store: Store, annotator: str, queue_ids: list[int] | None,
               query: QueueFilter, uncertain_first: bool) -> QueueRows:
    """The queue's rows, ordered and narrowed by the search line (label and status are this
    annotator's unless `by:` names another). Runs in a worker thread."""
    rows = store.queue(annotator, queue_ids)
    known = True
    if uncertain_first:
        unsure = load_uncertainty(store, MODEL)
        known = bool(unsure)
        # documents the model has not seen go last, in stored order (sorted() is stable)
        rows = sorted(rows, key=lambda row: -unsure.get(row.id, -1.0))
    if query.empty:
        return QueueRows(rows, rows, known)
    ids = store.find_documents(
        text=query.text, label=query.label, status=query.status,
        needs_review=query.needs_review,
        annotator=query.annotator or (annotator if (query.label or query.status
                                                    or query.needs_review) else ""))
    return QueueRows(rows, [row for row in rows if row.id in ids], known)


class RowsRead(Message):
    """A worker's read of the queue (`QueueScreen.reload`), back on the UI thread."""

    bubble = False

    def __init__(self, ticket: int, rows: QueueRows | None,
                 error: StoreError | None = None, then_open_undone: bool = False) -> None:
        super().__init__()
        self.ticket, self.rows, self.error = ticket, rows, error
        self.then_open_undone = then_open_undone


class QueueScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="queue.open"),
        Binding("n", "next_undone", "Next undone", id="queue.next"),
        # the footer shows the app's ^q Quit already: two "Quit" entries read as two actions
        Binding("q", "app.quit", "Quit", show=False, id="queue.quit"),
        Binding("slash,F", "filter", "Search", id="queue.filter"),
        Binding("escape", "clear_filter", "Clear search", show=False, id="queue.clear_filter"),
        Binding("u", "sort_uncertain", "Most uncertain first", id="queue.sort_uncertain"),
        Binding("D", "dashboard", "Dashboard", id="queue.dashboard"),
    ]

    app: CopydeskApp  # type: ignore[assignment]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="queue-summary")
        yield Input(placeholder="search: words in the text, label:ORG, by:NAME, status:done, "
                    "needs:review "
                    "(enter applies, esc clears)", id="queue-filter")
        yield ProgressBar(id="queue-progress", show_eta=False)
        yield DataTable(id="queue-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("#", key="id")
        table.add_column("title", key="title")
        table.add_column("status", key="status")
        table.add_column("spans", key="spans")
        table.add_column("chars", key="chars")
        self.reload()
        table.focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def on_database_back(self, message: DatabaseBack) -> None:
        """The rows come back when the database answers (never an exit while it is away)."""
        self.reload()

    _filter = QueueFilter()
    # Active learning: order by how unsure `suggest --model` was (most first), or stored order.
    uncertain_first = False
    _ticket = 0  # the latest read (see reload); an older one's result is dropped
    _read: QueueRows | None = None  # the last rows read, redrawn on a resize
    _tell_uncertainty = False  # `u` was pressed: say so if there is no uncertainty yet

    def action_sort_uncertain(self) -> None:
        self.uncertain_first = not self.uncertain_first
        self._tell_uncertainty = self.uncertain_first
        self.reload()

    def action_filter(self) -> None:
        box = self.query_one("#queue-filter", Input)
        box.display = True
        box.focus()

    def action_clear_filter(self) -> None:
        self._filter = QueueFilter()
        box = self.query_one("#queue-filter", Input)
        box.value = ""
        box.display = False
        self.query_one(DataTable).focus()
        self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "queue-filter":
            return
        try:
            self._filter = parse_filter(event.value)
        except FilterError as exc:
            self.notify(str(exc), severity="error", title="Search")
            return
        self.query_one(DataTable).focus()
        self.reload()

    def on_resize(self, event: events.Resize) -> None:
        # the title column takes what the other columns leave: redrawn, not read again
        if self._read is not None:
            self.show_rows(self._read)

    def reload(self, *, then_open_undone: bool = False) -> None:
        """Read the queue's rows (narrowed by the search line) in a worker; they are shown
        when they come back (on_rows_read). `then_open_undone`: open the first undone one."""
        self._ticket += 1
        ticket, query, uncertain = self._ticket, self._filter, self.uncertain_first
        app = self.app
        store, annotator = app.project.store, app.annotator

        def read() -> None:
            try:
                rows = read_queue(store, annotator, app.queue_ids(), query, uncertain)
            except StoreError as exc:
                self.post_message(RowsRead(ticket, None, exc))
                return
            self.post_message(RowsRead(ticket, rows, then_open_undone=then_open_undone))

        self.run_worker(read, thread=True, exclusive=True, group="queue-read",
                        name="read the queue")

    def on_rows_read(self, message: RowsRead) -> None:
        if message.ticket != self._ticket:
            return  # a newer read (another search, a resize) was started since
        if message.error is not None:
            if isinstance(message.error, (StoreUnavailable, StoreBusy)):
                self.app.database_trouble(message.error)  # the rows come back with it
            else:
                self.notify(safe_line(str(message.error)), severity="error", title="Queue")
            return
        assert message.rows is not None
        self._read = message.rows
        if self._tell_uncertainty and not message.rows.uncertainty_known:
            self.notify("No uncertainty yet: run `copydesk suggest --model DIR` with a model "
                        "from `copydesk train --attribution`.", title="Queue")
        self._tell_uncertainty = False
        self.show_rows(message.rows)
        if message.then_open_undone:
            self._open_undone(message.rows.all_rows)

    def show_rows(self, read: QueueRows) -> None:
        all_rows, rows = read.all_rows, read.shown
        table = self.query_one(DataTable)
        title_width = max(16, (self.size.width or 100) - 38)
        keep = table.cursor_row
        table.clear()
        titles = [safe_text(row.title or row.external_id or f"document {row.id}",
                            limit=title_width) for row in rows]
        # The title column's width is set, not measured: DataTable measures new rows against
        # the app console's width when idle, which right after start-up (a slow terminal,
        # a loaded machine) can still be a few cells, and would cut every title to "Polic".
        column = table.columns[ColumnKey("title")]
        column.auto_width = False
        column.width = max([cell_len(title.plain) for title in titles] + [len("title")])
        for row, title in zip(rows, titles, strict=True):
            table.add_row(
                str(row.id),
                title,
                Text(row.status, style=STATUS_STYLE.get(row.status, "")),
                str(row.spans),
                str(row.length),
                key=str(row.id),
            )
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        done = sum(1 for row in all_rows if row.status not in UNDONE)
        bar = self.query_one(ProgressBar)
        bar.update(total=max(len(all_rows), 1), progress=done)
        # the project name (copydesk.yaml) and the annotator (--annotator) are untrusted
        summary = (f"{safe_line(self.app.project.config.name)} — "
                   f"{safe_line(self.app.annotator)}: {done} of "
                   f"{len(all_rows)} documents finished (done, skipped or flagged)")
        if not all_rows:
            summary += "\nNo documents yet: import some with `copydesk import PATH`."
        elif not self._filter.empty:
            summary += f"\nsearch: {len(rows)} of {len(all_rows)} shown (esc clears)"
        if all_rows and self.uncertain_first:
            summary += "\nmost uncertain first (suggest --model); u: stored order"
        self.query_one("#queue-summary", Static).update(Text(summary))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.app.open_document(int(event.row_key.value))

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
            if row_key.value is not None:
                self.app.open_document(int(row_key.value))

    def action_next_undone(self) -> None:
        """The first undone document, from a fresh read of the queue (in a worker)."""
        self.reload(then_open_undone=True)

    def _open_undone(self, rows: list[DocumentRow]) -> None:
        for row in rows:
            if row.status in UNDONE:
                self.app.open_document(row.id)
                return
        self.notify("Every document is finished.", title="Queue")

    def action_dashboard(self) -> None:
        """The lead's dashboard (tui.screens.dashboard) over this project."""
        from copydesk.projects.permissions import Policy
        from copydesk.tui.app.screens.dashboard import DashboardScreen  # loaded only when asked

        project = self.app.project
        self.app.push_screen(DashboardScreen(project.store, project.config.name,
                                             self.app.annotator,
                                             policy=Policy.from_config(project.config)))
