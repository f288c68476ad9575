"""Untrusted text made safe for widgets other than the article view (titles, status lines)."""

from __future__ import annotations

from rich.text import Text

from copydesk.tui.bidi import BidiOptions, has_rtl
from copydesk.tui.layout import Layout, display_string


def safe_text(value: str, *, limit: int | None = None, style: str = "",
              bidi: BidiOptions | None = None) -> Text:
    """A Rich `Text` (never markup) with control characters shown as placeholders.

    With ``bidi`` in visual mode, a label holding right-to-left text is cut to ``limit`` in
    stored order, then drawn in visual order (one paragraph, as the article view would).
    """
    if bidi is not None and bidi.reorders and has_rtl(value):
        line = value.replace("\n", " ⏎ ")
        if limit is not None and len(line) > limit:
            line = line[: limit - 1] + "…"
        one_line = Layout(line, 1_000_000, BidiOptions("visual", bidi.direction, bidi.shaping))
        return Text(one_line.rows[0].display, style=style)
    shown = display_string(value.replace("\n", " ⏎ "))
    if limit is not None and len(shown) > limit:
        shown = shown[: limit - 1] + "…"
    return Text(shown, style=style)
