"""The copydesk Textual application: a document queue and the annotation screen.

The app holds the open project, the annotator's name and the one write queue
(`tui.writes.WriteQueue`) every edit goes through: a change is committed before the screen shows
it as saved, edits are saved in the order they were made, and a database locked by another
process never freezes the keys (the write worker waits instead, while the screen says
"Saving…").

Started on one document with what `projects.firstread` read (`copydesk annotate --doc N` on a
SQLite project), the app paints that document before the project is open, and opens it (the
store, with SQLAlchemy) right after the first frame. The rule that keeps this invisible: no key
or click is handled before the project is open. One that arrives earlier opens it first, then
is handled as usual; so is anything that asks for `app.project`. Nothing waits in a queue of
its own. Opening posts `ProjectOpened` (tui.app.messages) to the screens before the key is
passed on, and the painted screen reads its rows in that handler, so the key finds them; were
it ever handled first, the store still refuses an edit made on a text that has since changed
(`_first_is_current`), and a key that needs the rows says they are still being read.

Every other read that can be slow (a document opened from the queue, the queue and its
search, the 3-second schema check) runs in a worker thread and comes back as a message: on a
remote database the keys keep working while it waits.
"""

from __future__ import annotations

import gc
import signal
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType

from copydesk.projects.errors import (
    StoreBusy,
    StoreError,
    StoreUnavailable,
    is_sqlalchemy_error,
)
from copydesk.projects.firstread import FirstScreen
from copydesk.schema import Schema, SchemaError
from copydesk.tui.app.messages import (
    DatabaseBack,
    DatabaseUnreachable,
    ProjectOpened,
    SchemaChecked,
    SchemaReloaded,
)
from copydesk.tui.app.writes import WriteQueue
from copydesk.tui.engine.text import one_line, safe_line
from copydesk.tui.engine.wording import count_of

if TYPE_CHECKING:
    from textual.message import Message
    from textual.worker import Worker

    from copydesk.projects.config import ProjectConfig
    from copydesk.projects.project import Project

SCHEMA_POLL_SECONDS = 3.0
# After a hangup (SIGHUP): how long queued edits may take to reach the database, then how long
# a clean exit gets before the process ends itself (CopydeskApp.hang_up).
HANGUP_SAVE_SECONDS = 5.0
HANGUP_GRACE_SECONDS = 3.0


class CopydeskApp(App[None]):
    """`copydesk annotate`: one project, one annotator."""

    CSS_PATH = "copydesk.tcss"
    TITLE = "copydesk"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        Binding("question_mark", "help", "Help", id="app.help"),
    ]

    def __init__(self, project: Project | FirstScreen, annotator: str, *,
                 open_document: int | None = None, doc_ids: list[int] | None = None) -> None:
        """`project`: the open project, or the first-frame read of the document to start on
        (the project is then opened after the first frame; see the module docstring)."""
        super().__init__()
        self._first: FirstScreen | None = None
        self._project: Project | None = None
        self._drawn: tuple[Schema, Schema] | None = None  # (schema, it in the person's colours)
        if isinstance(project, FirstScreen):
            self._first = project
            open_document = project.doc_id if open_document is None else open_document
        else:
            self._project = project
        self._writes: WriteQueue | None = None
        # A quit waits for the write queue; asked twice while edits wait for a database that
        # does not answer, it leaves without them (see action_quit).
        self._quit_asked = False
        self.annotator = annotator
        self.doc_ids = doc_ids
        self._open_document = open_document
        self._schema_warned = False
        self._schema_check: Worker[None] | None = None  # the poll's read, while it runs
        # The database's one-line error while it cannot be reached, else None (see
        # database_trouble).
        self.database_down: str | None = None
        self.sub_title = f"{safe_line(self.config.name)} · {safe_line(annotator)}"

    # ------------------------------------------------------------------ the project
    @property
    def project(self) -> Project:
        """The open project; asking for it opens it if the app started without it."""
        if self._project is None:
            self.finish_opening()
        if self._project is None:
            raise StoreError("the project could not be opened")
        return self._project

    @property
    def config(self) -> ProjectConfig:
        """`copydesk.yaml` as this app knows it (no need to open the store to read it)."""
        if self._project is not None or self._first is None:
            return self.project.config
        return self._first.config

    @property
    def schema(self) -> Schema:
        """The project's schema as the screens draw it: the store's copy once open, else the
        first-frame read's, in the person's own label colours (`settings.colors`)."""
        if self._project is not None or self._first is None:
            schema = self.project.store.schema
        else:
            schema = self._first.schema
        colors = self.config.settings.colors
        if not colors:
            return schema
        if self._drawn is None or self._drawn[0] is not schema:
            self._drawn = (schema, schema.with_colors(colors))
        return self._drawn[1]

    @property
    def writes(self) -> WriteQueue:
        """The one write queue (made with the project: it writes through the store)."""
        if self._writes is None:
            self._writes = WriteQueue(self, self.project.store.db,
                                      on_waiting=self._writes_waiting,
                                      on_unsaved=self._writes_unsaved)
        return self._writes

    def first_screen(self, doc_id: int) -> FirstScreen | None:
        """The first-frame read of `doc_id`, while the project is not open yet."""
        first = self._first
        if first is None or self._project is not None or first.doc_id != doc_id:
            return None
        return first

    def open_after_first_frame(self) -> None:
        """Called by the screen painted from the first-frame read, once that frame is out."""
        self.finish_opening()

    def finish_opening(self) -> None:
        """Open the project the app was started without, then let the screens load what needs
        the store. Runs after the first frame, or earlier if a key, a click or a caller needs
        the project first; does nothing once the project is open."""
        first = self._first
        if self._project is not None or first is None:
            return
        gc.enable()  # off from the start to the first frame (tui.commands.annotate)
        # Imported here, not at the top: this loads SQLAlchemy and the store, the part of
        # start-up the first frame does without (`-X importtime`: about 0.4 s).
        from copydesk.projects.project import Project

        try:
            project = Project.open(first.root, search=False)
        except Exception as exc:
            # The files changed between the first read and now (a rare race): say so in one
            # line, as the command line would have, and go. Anything else is our bug.
            if not isinstance(exc, (StoreError, SchemaError, OSError)) \
                    and not is_sqlalchemy_error(exc):
                raise
            from rich.text import Text

            self._first = None
            self.exit(return_code=1, message=Text(safe_line(f"copydesk: error: {one_line(exc)}")))
            return
        self._project = project
        for notice in project.notices:
            self.notify(notice, timeout=10)
        self.tell_screens(ProjectOpened(current=self._first_is_current(project, first)))

    @staticmethod
    def _first_is_current(project: Project, first: FirstScreen) -> bool:
        """Is the text painted from the first-frame read still the document's current version?

        Checked here, on opening, before any key is handled, and told to the store: an edit
        made on that text is saved only if it is still the current one. If the document was
        corrected in the meantime, version 0 (which no document has) is marked as seen, so
        every edit is refused (DocumentChanged) until the screen has shown the new text.
        """
        try:
            version, digest = project.store.document_version(first.doc_id)
        except StoreError:
            return True  # gone or unreadable: the screen's own read says so
        current = digest == first.content_hash
        project.store.saw_version(first.doc_id, version if current else 0)
        return current

    def tell_screens(self, message: Message) -> None:
        """Post `message` (one of `tui.app.messages`) to every screen on the stack; each
        handles it on its own message loop, or ignores it."""
        for screen in self.screen_stack:
            screen.post_message(message)

    def close_project(self) -> None:
        """Close the project, if it was opened (an app started on a first-frame read may quit
        before it opens it)."""
        if self._project is not None:
            self._project.close()

    async def on_event(self, event: events.Event) -> None:
        # No key or click is handled before the project is open (see the module docstring).
        if self._project is None and isinstance(event, (events.Key, events.MouseDown)):
            self.finish_opening()
        await super().on_event(event)

    # The write queue's two reports and `on_key` below call the screen directly, not through
    # a message: they must run in order with the write callbacks and the keys (a message would
    # be handled later, and a "Saving…" could overwrite the "Saved" that followed it).
    def _writes_waiting(self, count: int, what: str) -> None:
        tell = getattr(self.screen, "writes_waiting", None)
        if tell is not None:
            tell(count, what)

    def _writes_unsaved(self, whats: list[str], seconds: float) -> None:
        tell = getattr(self.screen, "writes_unsaved", None)
        if tell is not None:
            tell(whats, seconds)

    async def action_quit(self) -> None:
        """Quit once every edit made is saved (or refused): none is dropped on the way out."""
        pending = self._writes.pending if self._writes is not None else 0
        if pending and self.writes.stalled:
            writes = self.writes
            if self._quit_asked:  # asked twice: leave, and say what was not saved
                why = ("the database stayed locked by another process" if writes.locked
                       else "the database could not be reached")
                left = writes.abandon()
                self.exit(return_code=1, message=safe_line(
                    f"copydesk: quit with {count_of(len(left), 'edit')} not saved ({why}): "
                    f"{'; '.join(left)}"))
                return
            self._quit_asked = True
            self.notify(f"{count_of(pending, 'edit')} waiting for the database, saved when it "
                        "answers. Press ctrl+q again to quit without them.",
                        severity="warning", timeout=15)
            return
        if pending:
            self._quit_asked = True
            self.notify(f"Saving {count_of(pending, 'edit')} before quitting…", timeout=30)
            self.writes.when_idle(self.exit)
            return
        self.exit()

    # ------------------------------------------------------------------ outages
    def database_trouble(self, exc: StoreError) -> None:
        """The database did not answer a read or a write: say so once, keep everything.

        The annotator's place, the screen and the queued edits stay; the periodic check
        (check_schema) notices when the server is back, and the screen then re-reads its
        spans. Never an exit: an outage must not end anyone's work.
        """
        from copydesk.tui.engine.text import safe_line

        first = self.database_down is None
        self.database_down = str(exc)
        if first:
            self.notify(safe_line(f"The database is unreachable: {exc}. Your place is kept; "
                                  "edits wait in a queue and are saved when it is back."),
                        severity="warning", timeout=10)
        pending = self._writes.pending if self._writes is not None else 0
        self.screen.post_message(DatabaseUnreachable(pending, str(exc)))

    def _database_back(self) -> None:
        self.database_down = None
        self._quit_asked = False
        self.notify("The database is reachable again.", timeout=5)
        if self._writes is not None and self._writes.pending:
            return  # the queued saves refresh the screen as each one lands
        self.tell_screens(DatabaseBack())  # each re-reads in a worker, and says if it fails

    async def run_action(self, action: Any, default_namespace: Any = None,
                         namespaces: Any = None) -> bool:
        """Every key's action, with an outage met on the way (a read of the store while the
        server is away) shown on screen instead of ending the app: Textual stops a screen's
        message loop on any exception a handler lets out."""
        try:
            return await super().run_action(action, default_namespace, namespaces)
        except (StoreUnavailable, StoreBusy) as exc:
            self.database_trouble(exc)
            return True

    def on_mount(self) -> None:
        keymap = self.config.settings.keymap  # the project's, then the person's own
        if keymap:  # checked at start-up (commands/annotate.py)
            self.set_keymap(dict(keymap))
        self._watch_hangup()
        self.set_interval(SCHEMA_POLL_SECONDS, self.check_schema)
        if self._open_document is not None:
            # The document's screen alone: the queue is made when the annotator goes back to
            # it (leave_document), not composed and painted first for nothing. Just after
            # this handler, not in it: the app's mount is one batch of updates, and a screen
            # painted inside it reaches the terminal only with the next change.
            self.call_later(self.open_document, self._open_document)
        else:
            self.show_queue()

    def show_queue(self) -> None:
        """The document queue, on top of the stack."""
        # Imported here, not at the top: not on the way to a `--doc` start's first frame.
        from copydesk.tui.app.screens.queue import QueueScreen

        self.push_screen(QueueScreen())

    def leave_document(self) -> None:
        """Back from a document to the queue: the one below it, or a new one when the app
        started on the document (only the app's base screen is below it then)."""
        if len(self.screen_stack) > 2:
            self.pop_screen()
            return
        from copydesk.tui.app.screens.queue import QueueScreen  # start-up time: see show_queue

        self.switch_screen(QueueScreen())

    def _watch_hangup(self) -> None:
        """A dropped SSH connection sends SIGHUP: leave cleanly (every edit is already saved)."""
        try:
            import asyncio

            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGHUP, self.hang_up)
        except (NotImplementedError, RuntimeError, ValueError, AttributeError):
            pass  # not the main thread (tests) or no SIGHUP on this platform

    def hang_up(self) -> None:
        """The terminal is gone: exit, and make sure the process ends within seconds.

        A polite `exit()` is not enough on its own: with the terminal closed as the screen
        opens, the kernel's SIGCONT restarts the terminal driver and the app may wait on a tty
        nobody reads, for ever, with the database open. So a watchdog thread lets edits still
        queued for the database be saved (a few seconds at most; every confirmed edit is
        already committed), then ends the process whatever the event loop is doing."""
        import threading

        if getattr(self, "_hung_up", False):
            return
        self._hung_up = True
        threading.Thread(target=self._end_after_hangup, name="copydesk-hangup",
                         daemon=True).start()
        self.exit()  # a clean exit (status 0) when the loop can still make one

    def _end_after_hangup(self) -> None:
        import os
        import time

        deadline = time.monotonic() + HANGUP_SAVE_SECONDS
        while time.monotonic() < deadline:
            writes = self._writes
            if writes is None or writes.pending == 0:
                break
            time.sleep(0.05)
        time.sleep(HANGUP_GRACE_SECONDS)  # a clean exit, if the loop can make one, wins
        os._exit(129)  # 128 + SIGHUP, as a shell reports a hangup

    def check_schema(self) -> None:
        """Pick up a `copydesk schema apply` made while the app is open, without a restart.

        The reads run in a worker thread (a remote database may take seconds to answer, or
        not answer at all) and come back as a `SchemaChecked` message; while one check is
        still waiting, the next poll does not start another."""
        if self._schema_check is not None and self._schema_check.is_running:
            return
        project = self.project  # opened here if not yet (on the UI thread, never in a worker)
        self._schema_check = self.run_worker(lambda: self._read_schema(project), thread=True,
                                             group="schema-check", name="schema check")

    def _read_schema(self, project: Project) -> None:
        """In the worker: has the schema in the database changed, and if so, take it up."""
        # Imported here, not at the top: the first poll comes seconds after the first paint,
        # and schema diffing is not needed to draw it (start-up time, `-X importtime`).
        from copydesk.projects.migrate import reload_schema, schema_changed

        reached = False
        try:
            changed = schema_changed(project)
            reached = True
            result = SchemaChecked(reached=True,
                                   schema=reload_schema(project) if changed else None)
        except (StoreUnavailable, StoreBusy) as exc:
            result = SchemaChecked(reached=reached, error=exc)
        except SchemaError as exc:
            result = SchemaChecked(reached=True, invalid=exc)
        self.post_message(result)

    def on_schema_checked(self, message: SchemaChecked) -> None:
        """The check's result: the database is back, or away, or has a new schema."""
        if not message.reached and message.error is not None:
            self.database_trouble(message.error)  # type: ignore[arg-type]
            return
        if self.database_down is not None:
            self._database_back()
        if message.error is not None:
            self.database_trouble(message.error)  # type: ignore[arg-type]
            return
        if message.invalid is not None:
            if not self._schema_warned:  # say it once, not every poll
                self._schema_warned = True
                exc = message.invalid
                problems = getattr(exc, "problems", None)
                shown = problems[0] if problems else exc
                self.notify(safe_line("The schema file is invalid; still using the old "
                                      f"one: {shown}"),
                            severity="error", timeout=10, markup=False)
            return
        schema = message.schema
        if not isinstance(schema, Schema):
            return  # unchanged
        self._schema_warned = False
        self.notify(safe_line(f"Schema updated to {schema.name} {schema.version}"),
                    timeout=6, markup=False)
        self.tell_screens(SchemaReloaded())

    def on_key(self, event: events.Key) -> None:
        """A search being typed takes its letters here, ahead of the bindings and in arrival
        order (see AnnotateScreen.search_key)."""
        take = getattr(self.screen, "search_key", None)
        if take is not None and take(event):
            event.prevent_default()
            event.stop()

    def open_document(self, doc_id: int) -> None:
        from copydesk.tui.app.screens.annotate import AnnotateScreen

        self.push_screen(AnnotateScreen(doc_id))

    def action_help(self) -> None:
        from copydesk.tui.app.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def queue_ids(self) -> list[int] | None:
        """Documents this annotator sees (their assignments), or None for every document."""
        from copydesk.projects.assign import assigned_documents  # start-up time: see above

        if self.doc_ids is not None:
            return self.doc_ids
        return assigned_documents(self.project.store, self.annotator)
