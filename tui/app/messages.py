"""What the app tells its screens, as Textual messages.

The app posts these to every screen on its stack (`CopydeskApp.tell_screens`); a screen that
cares has an `on_...` handler (`on_project_opened`, `on_database_back`, `on_schema_reloaded`,
`on_database_unreachable`), the others ignore them. No screen is asked by name for a method it
may not have, and each handler runs on the screen's own message loop, in order with its keys.
"""

from __future__ import annotations

from textual.message import Message


class ProjectOpened(Message):
    """The project (the store) is open: a screen painted from the first-frame read
    (`projects.firstread`) may now read its rows. `current`: the text painted is still the
    document's current version (else the screen shows the corrected one before anything)."""

    bubble = False

    def __init__(self, *, current: bool = True) -> None:
        super().__init__()
        self.current = current


class DatabaseBack(Message):
    """The database answers again and no edit is queued: re-read what is shown."""

    bubble = False


class SchemaReloaded(Message):
    """Another process applied a new schema, and the app took it up: new hotkeys and
    colours, and the rows re-read under it."""

    bubble = False


class DatabaseUnreachable(Message):
    """A read or a write did not reach the database; `pending` edits wait in the queue."""

    bubble = False

    def __init__(self, pending: int, reason: str) -> None:
        super().__init__()
        self.pending = pending
        self.reason = reason


class SchemaChecked(Message):
    """The periodic schema check's result, from its worker thread to the app.

    `reached`: the database answered the first query; `schema`: the new schema taken up, if
    one was applied; `invalid`: the applied schema could not be read; `error`: the database
    did not answer (a query after `reached` may still have failed).
    """

    bubble = False

    def __init__(self, *, reached: bool, schema: object = None,
                 invalid: Exception | None = None, error: Exception | None = None) -> None:
        super().__init__()
        self.reached = reached
        self.schema = schema
        self.invalid = invalid
        self.error = error
