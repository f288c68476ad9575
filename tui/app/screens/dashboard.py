"""The lead's dashboard: progress, throughput, agreement per label, label confusion, and the
documents to adjudicate first (Enter opens review on one).

Thin on purpose: the figures come from `projects.dashboard`, the pictures from `tui.charts`
(the same drawing `stats --svg` writes). The screen paints at once with placeholders; a thread
worker reads the SQL aggregates (progress, throughput) and posts them, then reads the done spans
for agreement and posts the rest, so a big project never blocks a key. It reads again every
`refresh` seconds while it is shown, as annotators work; a read still running is not doubled.

It needs a store and nothing of the annotation app, so `copydesk dashboard` hosts it in the
small `DashboardApp` below and the queue pushes it as is.
"""

from __future__ import annotations

import time
from typing import ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual import events, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Sparkline, Static
from textual.worker import Worker, WorkerState, get_current_worker

from copydesk.projects.dashboard import Dashboard, fingerprint, full_figures, quick_figures
from copydesk.projects.errors import StoreError, is_sqlalchemy_error
from copydesk.projects.permissions import Policy
from copydesk.projects.store import Store
from copydesk.tui.engine.charts import heatmap, label_bars, progress_table, value_bar
from copydesk.tui.engine.text import safe_line, safe_text

REFRESH_SECONDS = 15.0
LOWEST = 20


class DashboardScreen(Screen[None]):
    """Everything a lead decides from, in one screen; `r` reads again, Enter reviews."""

    CSS_PATH = "dashboard.tcss"
    AUTO_FOCUS = "#dash-lowest"  # the list Enter acts on (Textual focuses after on_mount)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Refresh", id="dashboard.reload"),
        Binding("tab", "switch_focus", "Charts/list", id="dashboard.switch_focus"),
        Binding("q,escape", "close", "Close", id="dashboard.close"),
    ]

    class Figures(Message):
        """Figures read by the worker: the quick part first, then everything."""

        def __init__(self, board: Dashboard, seconds: float) -> None:
            super().__init__()
            self.board = board
            self.seconds = seconds

    class Failed(Message):
        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    def __init__(self, store: Store, project_name: str, reviewer: str, *,
                 policy: Policy | None = None, refresh: float = REFRESH_SECONDS) -> None:
        super().__init__()
        self.store = store
        self.project_name = project_name
        self.reviewer = reviewer
        self.policy = policy
        self.refresh_seconds = refresh
        self.board: Dashboard | None = None
        self.loading = False
        self.updated = ""
        self.first_paint_at: float | None = None  # monotonic, for the benchmark
        self.complete_at: float | None = None
        self.readings = 0  # complete readings so far (tests and the benchmark wait on it)
        self._seen: tuple[int, int] | None = None  # the action log when last read in full

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="dash-charts"):
            yield Static(Text("Progress per annotator", style="bold"), classes="dash-title")
            yield Static(Text("reading…", style="dim"), id="dash-progress")
            yield Static(Text("Edits per day", style="bold"), id="dash-throughput-title",
                         classes="dash-title")
            yield Sparkline([], id="dash-sparkline", summary_function=max)
            yield Static(Text("Agreement per label", style="bold"), id="dash-labels-title",
                         classes="dash-title")
            yield Static(Text("computing…", style="dim"), id="dash-labels")
            yield Static(Text("Label confusion (every pair summed)", style="bold"),
                         classes="dash-title")
            yield Static(Text("computing…", style="dim"), id="dash-confusion")
        yield Static(Text("Lowest agreement first (Enter: review)", style="bold"),
                     id="dash-lowest-title")
        yield DataTable(id="dash-lowest", cursor_type="row", zebra_stripes=True)
        yield Static(id="dash-status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = safe_line(f"{self.project_name} · dashboard")
        table = self.query_one("#dash-lowest", DataTable)
        for label, key in (("#", "id"), ("exact F1", "f1"), ("", "bar"), ("title", "title"),
                           ("annotators", "who")):
            table.add_column(label, key=key)
        self.call_after_refresh(self._painted)
        self.action_reload()
        self.set_interval(self.refresh_seconds, self._tick)

    def _painted(self) -> None:
        if self.first_paint_at is None:
            self.first_paint_at = time.monotonic()

    def _tick(self) -> None:
        if self.app.screen is self:  # not while review or help is on top
            self.action_reload()

    # ------------------------------------------------------------------ reading (a thread)
    def action_reload(self) -> None:
        if self.loading:
            return
        self.loading = True
        self._status("reading…")
        self.read_figures()

    @work(thread=True, exclusive=True, group="dashboard", exit_on_error=False)
    def read_figures(self) -> None:
        worker = get_current_worker()
        started = time.monotonic()
        try:
            seen = fingerprint(self.store)
            if seen == self._seen and self.board is not None and self.board.complete:
                # Nobody changed anything since the last reading: say so, count nothing.
                self.post_message(self.Figures(self.board, time.monotonic() - started))
                return
            quick = quick_figures(self.store)
            if worker.is_cancelled:
                return
            self.post_message(self.Figures(quick, time.monotonic() - started))
            full = full_figures(self.store, lowest=LOWEST, base=quick)
            if not worker.is_cancelled:
                self._seen = seen
                self.post_message(self.Figures(full, time.monotonic() - started))
        except Exception as exc:  # only the store's own errors become a message
            if not isinstance(exc, StoreError) and not is_sqlalchemy_error(exc):
                raise
            self.post_message(self.Failed(str(exc).splitlines()[0] if str(exc) else
                                          type(exc).__name__))

    # ------------------------------------------------------------------ state -> view
    def on_dashboard_screen_figures(self, message: Figures) -> None:
        self.board = message.board
        if message.board.complete:
            self.loading = False
            self.readings += 1
            self.updated = time.strftime("%H:%M:%S")
            if self.complete_at is None:
                self.complete_at = time.monotonic()
            self._status(f"updated {self.updated} in {message.seconds:.1f} s · every "
                         f"{self.refresh_seconds:g} s · r refreshes")
        else:
            self._status("computing agreement…")
        self.draw()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A bug in the reading (not a store error, which comes as `Failed`) is shown, and
        the next refresh tries again, rather than leaving the screen waiting for ever."""
        if event.worker.group == "dashboard" and event.state == WorkerState.ERROR:
            self.loading = False
            error = event.worker.error
            self._status(f"could not compute the figures: {type(error).__name__}: {error}",
                         error=True)

    def on_dashboard_screen_failed(self, message: Failed) -> None:
        self.loading = False
        self._status(f"could not read the project: {message.error}", error=True)

    def _status(self, text: str, *, error: bool = False) -> None:
        line = self.query_one("#dash-status", Static)
        line.update(safe_text(text))
        line.set_class(error, "-error")

    def on_resize(self, event: events.Resize) -> None:
        self.draw()

    def _width(self) -> int:
        return max(40, (self.size.width or 80) - 4)

    def draw(self) -> None:
        board = self.board
        if board is None:
            return
        width = self._width()
        self._show("#dash-progress", progress_table(board.progress, width=width))
        days = board.throughput
        values = [float(n) for _, n in days]
        self.query_one("#dash-sparkline", Sparkline).data = values
        title = "Edits per day"
        if days:
            title += (f" {days[0][0]} … {days[-1][0]}: last {int(values[-1])}, "
                      f"most {int(max(values))}, total {int(sum(values))}")
        else:
            title += ": none logged yet"
        self._show("#dash-throughput-title", Text(title, style="bold"))
        if not board.complete:
            return
        self._show("#dash-labels-title", Text(
            f"Agreement per label ({board.documents_compared} documents compared)",
            style="bold"))
        self._show("#dash-labels", label_bars(board.labels, width=width))
        self._show("#dash-confusion", heatmap(board.confusion, width=width))
        self._fill_lowest(width)

    def _show(self, selector: str, picture: RenderableType) -> None:
        """Replace a picture. Through `content`, not `update()`: `update` keeps the height
        measured for the old picture (Textual 8.2 caches it), so a table replacing
        "computing…" would be cut to one line."""
        self.query_one(selector, Static).content = picture

    def _fill_lowest(self, width: int) -> None:
        assert self.board is not None
        table = self.query_one("#dash-lowest", DataTable)
        keep = table.cursor_row
        table.clear()
        title_cells = max(12, width - 44)
        for d in self.board.lowest:
            table.add_row(str(d.doc_id), f"{d.f1:.3f}", value_bar(d.f1, 8),
                          safe_text(d.title, limit=title_cells),
                          safe_text(", ".join(d.annotators), limit=18), key=str(d.doc_id))
        if self.board.lowest:
            table.move_cursor(row=min(max(keep, 0), len(self.board.lowest) - 1))

    # ------------------------------------------------------------------ keys
    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id != "dash-lowest" or self.board is None:
            return
        event.stop()
        ids = [d.doc_id for d in self.board.lowest]
        if event.row_key.value is None or int(event.row_key.value) not in ids:
            return
        self.open_review(ids, ids.index(int(event.row_key.value)))

    def open_review(self, doc_ids: list[int], start: int) -> None:
        """Review on the chosen document; `n`/`p` there walk the rest of the worst list."""
        # Imported here, not at the top: adjudication is loaded only if a lead opens it.
        from copydesk.tui.app.screens.review import ReviewScreen

        self.app.push_screen(ReviewScreen(self.store, self.reviewer, doc_ids,
                                          policy=self.policy, start=start))

    def on_screen_resume(self) -> None:
        self.action_reload()  # back from review: gold may have changed what is left

    def action_switch_focus(self) -> None:
        """Tab: between the charts (arrows and page keys scroll them) and the document list."""
        table = self.query_one("#dash-lowest", DataTable)
        if table.has_focus:
            self.query_one("#dash-charts", VerticalScroll).focus()
        else:
            table.focus()

    def action_close(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.dismiss()
        else:
            self.app.exit()


class DashboardApp(App[None]):
    """`copydesk dashboard`: the dashboard on its own."""

    TITLE = "copydesk dashboard"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="dashboard_app.quit", priority=True),
    ]

    def __init__(self, store: Store, project_name: str, reviewer: str, *,
                 policy: Policy | None = None, refresh: float = REFRESH_SECONDS) -> None:
        super().__init__()
        self.store = store
        self.project_name = project_name
        self.reviewer = reviewer
        self.policy = policy
        self.refresh_seconds = refresh

    def on_mount(self) -> None:
        self.push_screen(DashboardScreen(self.store, self.project_name, self.reviewer,
                                         policy=self.policy, refresh=self.refresh_seconds))
