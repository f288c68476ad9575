"""The document queue: what to annotate next, and how far along this annotator is."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, ProgressBar, Static

from copydesk.projects.errors import StoreBusy, StoreUnavailable
from copydesk.projects.suggest import MODEL
from copydesk.projects.suggest.uncertainty import load_uncertainty
from copydesk.tui.engine.queue_filter import FilterError, QueueFilter, parse_filter
from copydesk.tui.engine.text import safe_line, safe_text

if TYPE_CHECKING:
    from copydesk.projects.store import DocumentRow
    from copydesk.tui.app.application import CopydeskApp

STATUS_STYLE = {
    "todo": "dim",
    "in_progress": "yellow",
    "done": "green",
    "skipped": "blue",
    "flagged": "bold red",
}
UNDONE = ("todo", "in_progress")


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
        self._reload_or_wait()
        table.focus()

    def on_screen_resume(self) -> None:
        self._reload_or_wait()

    def _reload_or_wait(self) -> None:
        """The queue's rows; while the database is away, the app says so and the rows come
        back when it answers (database_back), never an exit."""
        try:
            self.reload()
        except (StoreUnavailable, StoreBusy) as exc:
            self.app.database_trouble(exc)  # type: ignore[attr-defined]

    def database_back(self) -> None:
        self._reload_or_wait()

    _filter = QueueFilter()
    # Active learning: order by how unsure `suggest --model` was (most first), or stored order.
    uncertain_first = False

    @property
    def rows(self) -> list[DocumentRow]:
        rows = self.app.project.store.queue(self.app.annotator, self.app.queue_ids())
        if not self.uncertain_first:
            return rows
        unsure = load_uncertainty(self.app.project.store, MODEL)
        # documents the model has not seen go last, in stored order (sorted() is stable)
        return sorted(rows, key=lambda row: -unsure.get(row.id, -1.0))

    def action_sort_uncertain(self) -> None:
        self.uncertain_first = not self.uncertain_first
        if self.uncertain_first and not load_uncertainty(self.app.project.store, MODEL):
            self.notify("No uncertainty yet: run `copydesk suggest --model DIR` with a model "
                        "from `copydesk train --attribution`.", title="Queue")
        self.reload()

    def shown_rows(self) -> list[DocumentRow]:
        """The queue's rows, narrowed by the search line (label and status are this
        annotator's unless `by:` names another)."""
        rows = self.rows
        f = self._filter
        if f.empty:
            return rows
        ids = self.app.project.store.find_documents(
            text=f.text, label=f.label, status=f.status, needs_review=f.needs_review,
            annotator=f.annotator or (self.app.annotator
                                      if (f.label or f.status or f.needs_review) else ""))
        return [row for row in rows if row.id in ids]

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
        self.reload()  # the title column takes what the other columns leave

    def reload(self) -> None:
        all_rows = self.rows
        rows = all_rows if self._filter.empty else self.shown_rows()
        table = self.query_one(DataTable)
        title_width = max(16, (self.size.width or 100) - 38)
        keep = table.cursor_row
        table.clear()
        for row in rows:
            table.add_row(
                str(row.id),
                safe_text(row.title or row.external_id or f"document {row.id}",
                          limit=title_width),
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
        for row in self.rows:
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
