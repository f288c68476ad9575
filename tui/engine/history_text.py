"""What an undo or redo changed, in the annotator's words ("undid: link Attacker ISIS -> bombing").

The words come from the action's own class (``projects.actions``: each kind describes itself in
plain text); this module only makes them safe for the terminal (``tui.text.safe_line``: a label,
role or span text from a project file never reaches it raw). Tested without a terminal. Span
texts come from the payload where it holds them, else from ``text_of`` (the screen's spans,
read before the undo refreshes them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from copydesk.tui.engine.text import safe_line

__all__ = ["describe_action"]

TextOf = Callable[[int], str | None]


def describe_action(kind: str, payload: str | dict[str, Any], text_of: TextOf) -> str:
    """One short phrase for an undoable action, e.g. "link Attacker ISIS -> bombing"."""
    # Imported here: the action classes load the table models (SQLAlchemy), which the
    # annotation screen's first frame does without (projects.firstread).
    from copydesk.projects.actions import decode_payload
    from copydesk.projects.errors import StoreError

    try:
        words = decode_payload(kind, payload).describe(text_of)
    except StoreError:  # the step itself succeeded; an odd entry is still named by its kind
        words = kind.replace("_", " ")
    return safe_line(words)
