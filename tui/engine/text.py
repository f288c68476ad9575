"""Untrusted text made safe for the terminal: one sanitiser for widgets and the command line.

Article text, titles, external ids, file names and error messages that quote them come from
imported files: an escape sequence or a bidi override in a title must never reach the terminal
raw. Everything shown outside the article view goes through `safe_line` (the command line's
`say`/`table` and the widgets' `safe_text` alike), which uses the article view's own placeholder
rules (`tui.layout.sanitize`), so one list of dangerous characters serves everything.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rich.cells import cell_len
from rich.text import Text

from copydesk.tui.engine.bidi import BidiOptions, has_rtl
from copydesk.tui.engine.layout import Layout, display_string

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


# Not printable, yet kept: line breaks (a panel's own), and what the article view keeps too,
# the zero-width (non-)joiners of emoji sequences and Sorani/Persian words.
_KEPT = frozenset("\n\u200c\u200d")


def safe_rich(text: Text) -> Text:
    """A styled `Text` built from many strings (a side panel, a status line, a help page) made
    safe in one pass before it is drawn: every character a terminal could act on becomes its
    one-character placeholder (tabs a space, line breaks kept), so the styles stay where they
    were. A widget that updates with this cannot leak a label, role, attribute value or name
    raw, whichever file it came from."""
    plain = text.plain
    if plain.isprintable():
        return text
    out: list[str] = []
    for ch in plain:
        if ch.isprintable() or ch in _KEPT:
            out.append(ch)
        elif ch == "\t":
            out.append(" ")
        else:
            shown = display_string(ch)
            out.append(shown if len(shown) == 1 else "¤")
    safe = text.copy()
    safe.plain = "".join(out)
    return safe


def safe_block(value: str) -> str:
    """Several display lines (a guideline, a description): each line through `safe_line`, the
    line breaks kept as breaks, so prose keeps its paragraphs and loses only what is unsafe."""
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(safe_line(line) for line in lines)


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


def safe_text(value: str, *, limit: int | None = None, style: str = "",
              bidi: BidiOptions | None = None) -> Text:
    """A Rich `Text` (never markup) of `safe_line(value)`, at most `limit` cells wide.

    With ``bidi`` in visual mode, a label holding right-to-left text is cut to ``limit`` cells
    in stored order (the "…" marks where the text goes on), then laid out in visual order as one
    paragraph, exactly as the article view would show it.
    """
    reorder = bidi if bidi is not None and bidi.reorders else None
    return Text(_shown(value, limit, reorder), style=style)


@lru_cache(maxsize=4096)
def _shown(value: str, limit: int | None, bidi: BidiOptions | None) -> str:
    """What `safe_text` shows, cached: a side panel describes the same few spans after every
    key, and laying out a right-to-left label costs a bidi pass each time."""
    if bidi is not None and has_rtl(value):
        line = value.replace("\r\n", "\n").replace("\n", " ⏎ ").replace("\r", " ⏎ ")
        if limit is not None and cell_len(display_string(line)) > limit:
            line = _crop_stored(line, limit - 1) + "…"
        whole = Layout(line, 1_000_000, BidiOptions("visual", bidi.direction, bidi.shaping))
        return whole.rows[0].display
    return safe_line(value, max_cells=limit)


def _crop_stored(line: str, cells: int) -> str:
    """The longest start of ``line`` (whole graphemes) whose display fits ``cells`` cells."""
    import regex

    out: list[str] = []
    used = 0
    for grapheme in regex.findall(r"\X", line):
        width = cell_len(display_string(grapheme))
        if used + width > cells:
            break
        out.append(grapheme)
        used += width
    return "".join(out)


def one_line(exc: BaseException) -> str:
    """An error as the one line a user reads: the file for an OSError, else the first line
    of the message (a parenthesised driver message is kept whole, it is one statement)."""
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        return f"{exc.filename}: {exc.strerror}"
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0] if "\n" in text and not text.startswith("(") else text

