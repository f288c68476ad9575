"""Untrusted text made safe for the terminal: one sanitiser for widgets and the command line.

Article text, titles, external ids, file names and error messages that quote them come from
imported files: an escape sequence or a bidi override in a title must never reach the terminal
raw. Everything shown outside the article view goes through `safe_line` (the command line's
`say`/`table` and the widgets' `safe_text` alike), which uses the article view's own placeholder
rules (`tui.layout.sanitize`), so one list of dangerous characters serves everything.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.text import Text

from copydesk.tui.layout import display_string

# Characters JSON (with ensure_ascii=False) leaves raw that a terminal may act on: DEL, the C1
# controls (U+009B is an 8-bit CSI), line/paragraph separators and the bidi/format characters.
_JSON_UNSAFE = re.compile(
    "[\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]")


def safe_line(value: str, *, max_cells: int | None = None) -> str:
    """One display line: controls shown as placeholders, line breaks as " ⏎ ", tabs expanded,
    and, with `max_cells`, cut on a grapheme boundary to fit that many terminal cells."""
    shown = display_string(value.replace("\r\n", "\n").replace("\n", " ⏎ ").replace("\r", " ⏎ "))
    if max_cells is not None and cell_len(shown) > max_cells:
        return _crop(shown, max_cells - 1) + "…"
    return shown


def _crop(shown: str, cells: int) -> str:
    import regex

    out: list[str] = []
    used = 0
    for grapheme in regex.findall(r"\X", shown):
        width = cell_len(grapheme)
        if used + width > cells:
            break
        out.append(grapheme)
        used += width
    return "".join(out)


def safe_json(text: str) -> str:
    """JSON text with the terminal-active characters written as \\uXXXX escapes (same data)."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def safe_text(value: str, *, limit: int | None = None, style: str = "") -> Text:
    """A Rich `Text` (never markup) of `safe_line(value)`, at most `limit` cells wide."""
    return Text(safe_line(value, max_cells=limit), style=style)
