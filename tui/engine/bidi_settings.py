"""Right-to-left display settings: read from and written to the project's `copydesk.yaml`.

The display mode and shaping are per project (``settings.bidi_display``,
``settings.arabic_shaping``), or the person's own where their user file sets them (it wins,
so F6/F7 then write there); a paragraph-direction override is per document, keyed by the
document's content hash (``settings.text_direction``), so it follows the exact text and never
depends on database ids. Widgets only hold a ``BidiOptions``; this module turns it into
settings and back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from copydesk.projects.config import ProjectError
from copydesk.projects.settings import ProjectSettings
from copydesk.tui.engine.bidi import DIRECTIONS, DISPLAY_MODES, BidiOptions

if TYPE_CHECKING:
    from copydesk.projects.project import Project

__all__ = ["options_for", "remember"]


def options_for(settings: ProjectSettings, content_hash: str) -> BidiOptions:
    """The display options for one document of a project (the settings were checked when
    the project was read; the display modes are the engine's, kept equal by a test)."""
    direction = settings.text_direction.get(content_hash, "auto")
    return BidiOptions(
        mode=settings.bidi_display if settings.bidi_display in DISPLAY_MODES else "visual",
        direction=direction if direction in DIRECTIONS else "auto",
        shaping=settings.arabic_shaping,
    )


def remember(project: Project, content_hash: str, options: BidiOptions) -> str | None:
    """Store ``options`` in ``copydesk.yaml`` (the display mode and shaping in the person's
    user file instead when they are set there); an error message if a file cannot be
    written."""
    directions = dict(project.config.settings.text_direction)
    if options.direction == "auto":
        directions.pop(content_hash, None)
    else:
        directions[content_hash] = options.direction
    changes = {"bidi_display": options.mode, "arabic_shaping": options.shaping,
               "text_direction": directions}
    try:
        project.update_settings(changes)
    except (OSError, ProjectError) as exc:
        project.config.change_for_session(changes)
        if isinstance(exc, OSError):  # copydesk.yaml, or the person's own settings file
            reason = f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc.strerror)
        else:
            reason = str(exc)
        return f"Display changed for this session only: cannot save it ({reason})"
    return None
