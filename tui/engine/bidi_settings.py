"""Right-to-left display settings: read from and written to the project's `copydesk.yaml`.

The display mode and shaping are per project (``settings.bidi_display``,
``settings.arabic_shaping``); a paragraph-direction override is per document, keyed by the
document's content hash (``settings.text_direction``), so it follows the exact text and never
depends on database ids. Widgets only hold a ``BidiOptions``; this module turns it into
settings and back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from copydesk.projects.config import ProjectError
from copydesk.tui.engine.bidi import DIRECTIONS, DISPLAY_MODES, BidiOptions

if TYPE_CHECKING:
    from copydesk.projects.project import Project

__all__ = ["options_for", "remember"]


def options_for(settings: dict[str, Any], content_hash: str) -> BidiOptions:
    """The display options for one document of a project (defaults where unset)."""
    mode = settings.get("bidi_display", "visual")
    directions = settings.get("text_direction") or {}
    direction = directions.get(content_hash, "auto") if isinstance(directions, dict) else "auto"
    return BidiOptions(
        mode=mode if mode in DISPLAY_MODES else "visual",
        direction=direction if direction in DIRECTIONS else "auto",
        shaping=settings.get("arabic_shaping") is True,
    )


def remember(project: Project, content_hash: str, options: BidiOptions) -> str | None:
    """Store ``options`` in ``copydesk.yaml``; an error message if the file cannot be written."""
    directions = dict(project.config.settings.get("text_direction") or {})
    if options.direction == "auto":
        directions.pop(content_hash, None)
    else:
        directions[content_hash] = options.direction
    changes = {"bidi_display": options.mode, "arabic_shaping": options.shaping,
               "text_direction": directions}
    try:
        project.update_settings(changes)
    except (OSError, ProjectError) as exc:
        project.config.settings.update(changes)
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        return f"Display changed for this session only: cannot update copydesk.yaml ({reason})"
    return None
