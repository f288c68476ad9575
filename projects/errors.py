"""The store's errors, in a module that imports nothing heavy.

They live apart from `projects.backends` (which needs SQLAlchemy) so that what runs before the
annotation screen's first frame (`projects.firstread`, the command line, the write queue) can
name them without loading SQLAlchemy: importing it costs about a third of a second at start-up.
`projects.backends` and `projects.db` re-export them, so existing imports keep working.
"""

from __future__ import annotations

import sys


class StoreError(ValueError):
    """A write the store refuses, or a database it cannot use; the message is for the user."""


class StoreBusy(StoreError):
    """Another process held the write lock for longer than we are willing to wait."""


class StoreUnavailable(StoreError):
    """The database server cannot be reached (down, restarting, connection dropped).

    Nothing of the failed action was saved; the next action reconnects by itself.
    """


class PermissionDenied(StoreError):
    """A refused read or write; a StoreError so the CLI prints it as one line and exits 1."""


class DocumentChanged(StoreError):
    """A write made against a version of the document's text that is no longer current.

    Its offsets belong to the text the annotator saw; nothing of it was saved (edits saved
    before were carried over to the new version). The screen reopens the document.
    """


def is_sqlalchemy_error(exc: BaseException) -> bool:
    """True for SQLAlchemy's errors (a damaged or foreign database file, say), without
    importing SQLAlchemy to ask: an error SQLAlchemy raised implies it was imported."""
    errors = sys.modules.get("sqlalchemy.exc")
    return errors is not None and isinstance(exc, errors.SQLAlchemyError)


def is_server_url(location: object) -> bool:
    """True for a `postgresql://` (or `postgres://`) URL; False for a SQLite path."""
    return isinstance(location, str) and location.split(":", 1)[0].split("+", 1)[0] in (
        "postgresql", "postgres")
