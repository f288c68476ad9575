"""The copydesk Textual application: a document queue and the annotation screen.

The app holds the open project, the annotator's name and the one write queue
(`tui.writes.WriteQueue`) every edit goes through: a change is committed before the screen shows
it as saved, edits are saved in the order they were made, and a database locked by another
process never freezes the keys (the write worker waits instead, while the screen says
"Saving…").
"""

from __future__ import annotations

import signal
from typing import ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType

from copydesk.projects.assign import assigned_documents
from copydesk.projects.migrate import reload_schema, schema_changed
from copydesk.projects.project import Project
from copydesk.schema import SchemaError
from copydesk.tui.screens.queue import QueueScreen
from copydesk.tui.writes import WriteQueue

SCHEMA_POLL_SECONDS = 3.0


class CopydeskApp(App[None]):
    """`copydesk annotate`: one project, one annotator."""

    CSS_PATH = "copydesk.tcss"
    TITLE = "copydesk"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        Binding("question_mark", "help", "Help", id="app.help"),
    ]

    def __init__(self, project: Project, annotator: str, *, open_document: int | None = None,
                 doc_ids: list[int] | None = None) -> None:
        super().__init__()
        self.project = project
        self.annotator = annotator
        self.doc_ids = doc_ids
        self._open_document = open_document
        self._schema_warned = False
        self.sub_title = f"{project.config.name} · {annotator}"
        self.writes = WriteQueue(self, project.store.db, on_waiting=self._writes_waiting)

    def _writes_waiting(self, count: int, what: str) -> None:
        tell = getattr(self.screen, "writes_waiting", None)
        if tell is not None:
            tell(count, what)

    async def action_quit(self) -> None:
        """Quit once every edit made is saved (or refused): none is dropped on the way out."""
        pending = self.writes.pending
        if pending:
            self.notify(f"Saving {pending} edit(s) before quitting…", timeout=30)
            self.writes.when_idle(self.exit)
            return
        self.exit()

    def on_mount(self) -> None:
        keymap = self.project.config.settings.get("keymap")
        if isinstance(keymap, dict) and keymap:  # checked at start-up (commands/annotate.py)
            self.set_keymap({str(k): str(v) for k, v in keymap.items()})
        self._watch_hangup()
        self.set_interval(SCHEMA_POLL_SECONDS, self.check_schema)
        self.push_screen(QueueScreen())
        if self._open_document is not None:
            self.call_after_refresh(self.open_document, self._open_document)

    def _watch_hangup(self) -> None:
        """A dropped SSH connection sends SIGHUP: leave cleanly (every edit is already saved)."""
        try:
            import asyncio

            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGHUP, self.exit)
        except (NotImplementedError, RuntimeError, ValueError, AttributeError):
            pass  # not the main thread (tests) or no SIGHUP on this platform

    def check_schema(self) -> None:
        """Pick up a `copydesk schema apply` made while the app is open, without a restart."""
        if not schema_changed(self.project):
            return
        try:
            schema = reload_schema(self.project)
        except SchemaError as exc:
            if not self._schema_warned:  # say it once, not every poll
                self._schema_warned = True
                message = exc.problems[0] if exc.problems else exc
                self.notify(f"The schema file is invalid; still using the old one: {message}",
                            severity="error", timeout=10)
            return
        self._schema_warned = False
        self.notify(f"Schema updated to {schema.name} {schema.version}", timeout=6)
        for screen in self.screen_stack:
            refresh = getattr(screen, "schema_reloaded", None)
            if refresh is not None:
                refresh()

    def on_key(self, event: events.Key) -> None:
        """A search being typed takes its letters here, ahead of the bindings and in arrival
        order (see AnnotateScreen.search_key)."""
        take = getattr(self.screen, "search_key", None)
        if take is not None and take(event):
            event.prevent_default()
            event.stop()

    def open_document(self, doc_id: int) -> None:
        from copydesk.tui.screens.annotate import AnnotateScreen

        self.push_screen(AnnotateScreen(doc_id))

    def action_help(self) -> None:
        from copydesk.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def queue_ids(self) -> list[int] | None:
        """Documents this annotator sees (their assignments), or None for every document."""
        if self.doc_ids is not None:
            return self.doc_ids
        return assigned_documents(self.project.store, self.annotator)
