"""Untrusted text made safe for widgets other than the article view (titles, status lines)."""

from __future__ import annotations

from rich.text import Text

from copydesk.tui.layout import display_string


def safe_text(value: str, *, limit: int | None = None, style: str = "") -> Text:
    """A Rich `Text` (never markup) with control characters shown as placeholders."""
    shown = display_string(value.replace("\n", " ⏎ "))
    if limit is not None and len(shown) > limit:
        shown = shown[: limit - 1] + "…"
    return Text(shown, style=style)
