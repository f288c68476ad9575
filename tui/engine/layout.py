"""Characters to terminal cells and back: sanitizing, wrapping and the cell <-> offset maps.

This is the one place where the article's character offsets (the contract with ML teams) meet the
terminal's cells. Plain Python (``rich.cells`` for widths, ``regex`` for graphemes, no Textual), so
it is tested hard without a terminal.

Decisions, and why:

- **Untrusted text is never emitted raw.** C0 controls become Unicode Control Pictures (U+2400+,
  "␛" for ESC, "␀" for NUL), DEL "␡", C1 controls "¤" (NEL U+0085 "␤"), U+2028 "␤", U+2029 "¶",
  lone surrogates "\\ufffd", soft hyphen "-", and every other format character (bidi embeddings,
  overrides and isolates U+202A-U+202E / U+2066-U+2069, LRM/RLM/ALM, ZWSP, BOM, ...) "¦". A
  cluster that would still take zero cells (a lone combining mark, a stray ZWJ) is shown as "◌"
  plus the mark, or "¦", so every character has at least one cell the cursor can sit on. ZWJ and
  ZWNJ inside a cluster are kept: emoji families and Sorani/Persian words need them. Each replaced
  character is still one character of the text; only its display changes.
- **Tabs** expand to the next tab stop of ``TAB_SIZE`` (4) cells, counted from the row start.
- **Line breaks** are "\\n", "\\r\\n" and a lone "\\r" (see ``projects.textutil.line_spans``);
  nothing else breaks a line.
- **Wrapping** breaks after whitespace (not after no-break spaces), never inside a grapheme
  cluster; a word longer than the row is cut at grapheme boundaries; a cluster wider than the
  row gets a row of its own (the only way a row can exceed ``width``).
- **Right-to-left text** (see ``tui.bidi`` for the algorithm): with a ``BidiOptions`` whose mode
  is ``visual``, every line that holds right-to-left characters (or every line, when the document
  is forced ``rtl``) gets a shared ``BidiLine``; its rows are still cut in logical order, then
  each row is laid out in visual order on first use. Such a row's cells map to characters
  through the same ``cell_to_offset``/``offset_to_cell`` pair, now a permutation instead of a
  monotonic map; a right-to-left row is right-aligned (``x0`` is its first cell) and its
  end-of-line cell is on its left. Every other row (all rows in ``logical`` and ``terminal``
  modes, and all-left-to-right lines in every mode) takes the unchanged fast path.
"""

from __future__ import annotations

import sys
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import regex
from rich.cells import cell_len

from copydesk.projects.textutil import TextIndex, is_simple_char
from copydesk.tui.engine.bidi import (
    L1_SPACES,
    BidiLine,
    BidiOptions,
    base_level,
    bidi_class,
    has_rtl,
    mirror,
    mirror_table,
    visual_order,
)

__all__ = [
    "TAB_SIZE",
    "BidiOptions",
    "Layout",
    "Row",
    "SpanIndex",
    "SpanView",
    "display_grapheme",
    "display_string",
    "sanitize",
    "wrap_line",
]

TAB_SIZE = 4

_GRAPHEME = regex.compile(r"\X")
# Whitespace after which a line may wrap. No-break spaces (U+00A0, U+2007, U+202F) are excluded.
_BREAK_CHARS = " \t\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u205f\u3000"
# Units for wrapping a non-simple line: runs of graphemes that do not start with a break char, or
# one grapheme that does. Every unit edge is a grapheme boundary.
_UNITS = regex.compile(rf"(?:(?![{_BREAK_CHARS}])\X)+|\X")
# The same units, split without grapheme segmentation: valid unless a break char is glued into
# a cluster (a combining mark after a space, a prepended mark before one), which _GLUED finds.
_FAST_UNITS = regex.compile(rf"[^{_BREAK_CHARS}]+|[{_BREAK_CHARS}]")
_GLUED = regex.compile(
    rf"[{_BREAK_CHARS}](?=[\p{{GCB=Extend}}\p{{GCB=SpacingMark}}\p{{GCB=ZWJ}}])"
    rf"|\p{{GCB=Prepend}}(?=[{_BREAK_CHARS}])"
)

_C1_NEL = "\u0085"
_SPECIAL_DISPLAY = {
    "\x7f": "␡",
    _C1_NEL: "␤",
    "\u2028": "␤",
    "\u2029": "¶",
    "\u00ad": "-",
}


def _placeholder(ch: str) -> str | None:
    """Visible stand-in for a character that must not reach the terminal raw, else None."""
    o = ord(ch)
    if o < 0x20:
        return chr(0x2400 + o)
    if ch in _SPECIAL_DISPLAY:
        return _SPECIAL_DISPLAY[ch]
    if 0x80 <= o < 0xA0:
        return "¤"
    if o < 0xAD:
        return None
    cat = unicodedata.category(ch)
    if cat == "Cs":
        return "\ufffd"
    if cat == "Cf" and ch not in "\u200c\u200d" and not 0xE0020 <= o <= 0xE007F:
        return "¦"
    return None


@lru_cache(maxsize=16384)
def display_grapheme(g: str) -> tuple[str, int, bool]:
    """``(display, cells, is_placeholder)`` for one grapheme cluster (not a tab).

    The display never holds a control, format or bidi character, and never takes zero cells.
    ``cells`` is ``rich.cells.cell_len(display)``, the width Textual will give it.
    """
    parts = []
    special = False
    for ch in g:
        rep = _placeholder(ch)
        if rep is None:
            parts.append(ch)
        else:
            parts.append(rep)
            special = True
    display = "".join(parts)
    if len(display) > 1 and display.endswith("\u200d"):
        # A trailing ZWJ joins nothing; Rich would count it as swallowing the next cluster.
        display = display.rstrip("\u200d") or "¦"
    width = cell_len(display)
    if width == 0:
        special = True
        display = "◌" + display if unicodedata.category(display[0])[0] == "M" else "¦"
        width = cell_len(display)
        if width == 0:  # pragma: no cover - defensive: never emit a zero-width cluster
            display, width = "¦", 1
    return display, width, special


def sanitize(text: str) -> str:
    """Display form of a single logical line (no line breaks): what ``Row.display`` would show.

    Tabs become ``TAB_SIZE``-aligned spaces from column 0. Meant for tests and for one-line
    labels (titles, status bars) that show article text.
    """
    out: list[str] = []
    col = 0
    for g in _GRAPHEME.findall(text):
        if g == "\t":
            w = TAB_SIZE - col % TAB_SIZE
            out.append(" " * w)
        else:
            d, w, _ = display_grapheme(g)
            out.append(d)
        col += w
    return "".join(out)


def display_string(text: str) -> str:
    """Alias of ``sanitize`` for one-line labels outside the article view (titles, status)."""
    return sanitize(text)


@lru_cache(maxsize=65536)
def _unit_width(unit: str) -> int:
    """Cells of a run of graphemes with no tab (cached: words repeat a lot in real text)."""
    if all(is_simple_char(c) for c in set(unit)):
        return len(unit)
    return sum(display_grapheme(g)[1] for g in _GRAPHEME.findall(unit))


class Row:
    """One screen row: characters ``[start, end)`` of the text it was cut from.

    ``start``/``end`` are offsets into ``text`` (the whole document for a ``Layout``). The
    per-cell and per-character maps are built on first use, so wrapping a long document costs
    nothing per character; rows made only of simple characters map one to one and never build
    them. ``cell_to_offset`` and ``offset_to_cell`` are O(1).
    """

    __slots__ = (
        "_c2ch",
        "_ch2c",
        "_ch2d",
        "_display",
        "_last_gs",
        "_specials",
        "_unit",
        "_vis",
        "bidi",
        "end",
        "last",
        "simple",
        "start",
        "text",
        "width",
        "x0",
    )

    def __init__(
        self, text: str, start: int, end: int, width: int, simple: bool, last: bool = True
    ) -> None:
        self.text = text
        self.start = start
        self.end = end
        self.width = width
        self.simple = simple
        self.last = last  # last row of its logical line
        self._display: str | None = None
        self._c2ch: list[int] | None = None
        self._ch2c: list[int] | None = None
        self._ch2d: list[int] | None = None
        self._specials: list[tuple[int, int]] = []
        # visual layout (right-to-left text in visual mode): the paragraph, the row's first cell
        # and its graphemes left to right as (start, end, display, first cell)
        self.bidi: BidiLine | None = None
        self.x0 = 0
        self._vis: list[tuple[int, int, str, int]] | None = None
        self._last_gs = start
        self._unit = False  # every character a one-cell grapheme (``simple`` before bidi)

    def __repr__(self) -> str:
        return f"Row({self.start}, {self.end}, width={self.width}, {self.display!r})"

    def _build(self) -> None:
        """Walk the row's graphemes once to fill the maps and the display text."""
        if self.bidi is not None:
            self._build_visual(self.bidi)
            return
        c2ch: list[int] = []
        ch2c: list[int] = []
        ch2d: list[int] = []
        parts: list[str] = []
        specials: list[tuple[int, int]] = []
        col = 0
        dlen = 0
        base = self.start
        for m in _GRAPHEME.finditer(self.text, self.start, self.end):
            g = m.group()
            gs = m.start() - base
            if g == "\t":
                w = TAB_SIZE - col % TAB_SIZE
                disp = " " * w
            else:
                disp, w, special = display_grapheme(g)
                if special:
                    specials.append((m.start(), m.end()))
            ch2c.extend([col] * len(g))
            ch2d.extend([dlen] * len(g))
            c2ch.extend([gs] * w)
            parts.append(disp)
            col += w
            dlen += len(disp)
        ch2c.append(col)
        ch2d.append(dlen)
        self._c2ch, self._ch2c, self._ch2d = c2ch, ch2c, ch2d
        self._display = "".join(parts)
        self._specials = specials
        if col != self.width:  # pragma: no cover - would mean wrap and build disagree
            raise AssertionError(f"row width {col} != wrapped width {self.width}")

    @property
    def display(self) -> str:
        """The sanitized text shown for this row (``cell_len(display) == width``)."""
        if self.simple:
            return self.text[self.start : self.end]
        if self._display is None:
            self._build()
        assert self._display is not None
        return self._display

    @property
    def specials(self) -> list[tuple[int, int]]:
        """Character ranges shown as placeholders (for a distinct style)."""
        if not self.simple and self._display is None:
            self._build()
        return self._specials

    def cell_to_offset(self, x: int) -> int:
        """Offset of the grapheme drawn in cell ``x`` (its first character); clamps to the row."""
        if self.bidi is not None:
            return self._visual_offset_at(x, past_end=True)
        if x <= 0:
            return self.start
        if x >= self.width:
            return self.end
        if self.simple:
            return self.start + x
        if self._c2ch is None:
            self._build()
        assert self._c2ch is not None
        return self.start + self._c2ch[x]

    def offset_to_cell(self, offset: int) -> int:
        """First cell of the grapheme holding ``offset``; ``end`` maps to ``width``.

        On a visual row, cells count from the widget's left edge (``x0`` added) and ``end``
        maps to the end-of-line cell: right of the text, or left of it in a right-to-left row.
        """
        rel = min(max(offset, self.start), self.end) - self.start
        if self.simple:
            return rel
        if self._ch2c is None:
            self._build()
        assert self._ch2c is not None
        return self.x0 + self._ch2c[rel]

    def display_index(self, offset: int) -> int:
        """Index into ``display`` where the grapheme holding ``offset`` starts."""
        rel = min(max(offset, self.start), self.end) - self.start
        if self.simple:
            return rel
        if self._ch2d is None:
            self._build()
        assert self._ch2d is not None
        return self._ch2d[rel]

    def last_grapheme_start(self) -> int:
        """Offset where the row's last grapheme starts (``start`` for an empty row)."""
        if self.end == self.start:
            return self.start
        if self.bidi is not None:
            if self._vis is None:
                self._build()
            return self._last_gs
        return self.cell_to_offset(self.width - 1) if self.width else self.start

    # ------------------------------------------------------------ visual (bidi) rows

    @property
    def rtl(self) -> bool:
        """True for a row of a right-to-left paragraph laid out in visual order."""
        return self.bidi is not None and self.bidi.base == 1

    def _build_visual(self, line: BidiLine) -> None:
        """Lay the row out in visual order: levels (L1), reordering (L2), mirroring (L4)."""
        if self._unit or (
            "\t" not in (row_text := self.text[self.start : self.end])
            and all(is_simple_char(c) for c in set(row_text))
        ):
            self._build_visual_units(line)
            return
        shaped = line.shaped
        base = line.base
        levels = line.levels(self.start - line.start, self.end - line.start)
        ls = self.start  # ``levels`` starts at the row
        items: list[tuple[int, int, str, int]] = []  # logical order: start, end, display, cells
        item_levels: list[int] = []
        kinds: list[int] = []  # 2: tab (segment separator), 1: placeholder, 0: other
        specials: list[tuple[int, int]] = []
        col = 0
        for m in _GRAPHEME.finditer(self.text, self.start, self.end):
            g = m.group()
            gs, ge = m.span()
            if g == "\t":
                w = TAB_SIZE - col % TAB_SIZE  # the width the row was wrapped with
                disp = " " * w
                kinds.append(2)
            else:
                disp, w, special = display_grapheme(g)
                if shaped is not None and not special:
                    ss = gs - line.start
                    sdisp, sw, _ = display_grapheme(shaped[ss : ss + ge - gs])
                    if sw == w:
                        disp = sdisp
                if special:
                    specials.append((gs, ge))
                kinds.append(1 if special else 0)
            items.append((gs, ge, disp, w))
            item_levels.append(levels[gs - ls])
            col += w
        # Rule L1: tabs, and whitespace before a tab or at the row end, take the base level.
        # (A placeholder is what the algorithm saw, an ordinary neutral: never whitespace.)
        reset = True
        for i in range(len(items) - 1, -1, -1):
            if kinds[i] == 2:
                item_levels[i] = base
                reset = True
            elif reset and kinds[i] == 0 and bidi_class(self.text[items[i][0]]) in L1_SPACES:
                item_levels[i] = base
            else:
                reset = False
        c2ch: list[int] = []
        ch2c: list[int] = [0] * (self.end - self.start + 1)
        vis: list[tuple[int, int, str, int]] = []
        parts: list[str] = []
        x = 0
        for i in visual_order(item_levels):
            gs, ge, disp, w = items[i]
            if item_levels[i] % 2:
                disp = mirror(disp)
            vis.append((gs, ge, disp, x))
            parts.append(disp)
            c2ch.extend([gs - self.start] * w)
            for k in range(gs - self.start, ge - self.start):
                ch2c[k] = x
            x += w
        ch2c[-1] = -1 if base else x  # the end-of-line cell
        if x != self.width:  # pragma: no cover - would mean wrap and build disagree
            raise AssertionError(f"row width {x} != wrapped width {self.width}")
        self._c2ch, self._ch2c, self._vis = c2ch, ch2c, vis
        self._ch2d = None
        self._display = "".join(parts)
        self._specials = specials
        self._last_gs = items[-1][0] if items else self.start

    def _build_visual_units(self, line: BidiLine) -> None:
        """``_build_visual`` for a row whose every character is a one-cell grapheme (most
        Arabic and Sorani prose): no grapheme segmentation, the permutation is the cell map."""
        n = self.end - self.start
        rel = self.start - line.start
        base = line.base
        levels = line.levels(rel, rel + n)
        k = n
        while k > 0 and self.text[self.start + k - 1] == " ":  # L1: trailing spaces
            k -= 1
        levels[k:] = [base] * (n - k)
        order = visual_order(levels)
        chars = self.text[self.start : self.end]
        shaped = line.shaped
        if shaped is not None:
            shaped_row = shaped[rel : rel + n]
            if all(is_simple_char(c) for c in set(shaped_row)):
                chars = shaped_row
        mirrors = mirror_table()
        ch2c = [0] * (n + 1)
        vis: list[tuple[int, int, str, int]] = []
        parts: list[str] = []
        start = self.start
        for x, i in enumerate(order):
            c = chars[i]
            if levels[i] & 1:
                c = mirrors.get(c, c)
            parts.append(c)
            ch2c[i] = x
            vis.append((start + i, start + i + 1, c, x))
        ch2c[n] = -1 if base else n
        self._c2ch, self._ch2c, self._vis = order, ch2c, vis
        self._ch2d = None
        self._display = "".join(parts)
        self._specials = []
        self._last_gs = self.end - 1 if n else self.start

    @property
    def visual(self) -> list[tuple[int, int, str, int]]:
        """Graphemes left to right as ``(start, end, display, first cell)``; cells from ``x0``.

        Only for rows with a ``bidi`` paragraph: the article view draws these in this order.
        """
        if self._vis is None:
            self._build()
        assert self._vis is not None
        return self._vis

    def end_cell(self) -> int:
        """The cell where a cursor at ``end`` is drawn (left of the text in an RTL row)."""
        return self.offset_to_cell(self.end)

    def _visual_offset_at(self, x: int, *, past_end: bool) -> int:
        """Offset shown at screen cell ``x`` of a visual row; beside the text, the nearest one.

        On the end-of-line side (right of a left-to-right row, left of a right-to-left one)
        ``past_end`` gives ``end`` (the end-of-line cell); otherwise the grapheme at that edge.
        """
        vis = self.visual
        if not vis:
            return self.start
        rel = x - self.x0
        if 0 <= rel < self.width:
            assert self._c2ch is not None
            return self.start + self._c2ch[rel]
        end_side = rel < 0 if self.rtl else rel >= self.width
        if end_side and past_end:
            return self.end
        return vis[0][0] if rel < 0 else vis[-1][0]

    def stops(self) -> list[int]:
        """Cursor positions left to right: each grapheme's start, plus ``end`` on a line's last
        row (at the end-of-line side). Left/right keys in visual mode walk this list."""
        starts = [gs for gs, _, _, _ in self.visual]
        if self.last:
            return [self.end, *starts] if self.rtl else [*starts, self.end]
        return starts


def _wrap_simple(text: str, start: int, end: int, width: int) -> list[tuple[int, int, int]]:
    """Rows of a line of simple characters (1 cell each): ``str.rfind`` per row, no loops."""
    rows: list[tuple[int, int, int]] = []
    pos = start
    while end - pos > width:
        k = text.rfind(" ", pos, pos + width)
        cut = k + 1 if k >= pos else pos + width
        rows.append((pos, cut, cut - pos))
        pos = cut
    rows.append((pos, end, end - pos))
    return rows


def _wrap_general(text: str, start: int, end: int, width: int) -> list[tuple[int, int, int]]:
    """Rows of any line: greedy over words and break graphemes, cutting long words by grapheme."""
    rows: list[tuple[int, int, int]] = []
    units_re = _UNITS if _GLUED.search(text, start, end) else _FAST_UNITS
    units = [m.span() for m in units_re.finditer(text, start, end)]
    row_start = start
    col = 0
    # (offset after the break unit, col after it): the last place this row may end
    last_break: tuple[int, int] | None = None
    i = 0
    n = len(units)
    while i < n:
        us, ue = units[i]
        unit = text[us:ue]
        is_break = ue - us == 1 and unit in _BREAK_CHARS
        w = TAB_SIZE - col % TAB_SIZE if unit == "\t" else _unit_width(unit)
        if col + w <= width:
            col += w
            if is_break:
                last_break = (ue, col)
            i += 1
            continue
        if last_break is not None and last_break[0] > row_start:
            cut, cut_col = last_break
            rows.append((row_start, cut, cut_col))
            row_start, col, last_break = cut, 0, None
            # re-place the units after the break on the new row
            while units[i][0] > cut:
                i -= 1
            continue
        if col > 0:
            rows.append((row_start, us, col))
            row_start, col, last_break = us, 0, None
            continue
        if is_break:  # a break char wider than the row (tab or U+3000 on a tiny row)
            rows.append((us, ue, w))
            row_start = ue
            i += 1
            continue
        # a word longer than the row, at the row start: cut it at grapheme boundaries
        for m in _GRAPHEME.finditer(text, us, ue):
            gw = display_grapheme(m.group())[1]
            if col + gw > width and col > 0:
                rows.append((row_start, m.start(), col))
                row_start, col = m.start(), 0
            col += gw
        i += 1
    rows.append((row_start, end, col))
    return rows


_OTHER_BREAKS = regex.compile(rf"[{_BREAK_CHARS.replace(' ', '')}]")


def _wrap_words(text: str, start: int, end: int, width: int) -> list[tuple[int, int, int]]:
    """``_wrap_general`` for lines whose only break char is " ": the same rows, per word.

    With single spaces a word fits if it and the space after it fit (the last word needs no
    space), so the greedy can walk ``str.split(" ")`` parts, which costs one step per word
    instead of one regex match per word and per space.
    """
    rows: list[tuple[int, int, int]] = []
    parts = text[start:end].split(" ")
    last_part = len(parts) - 1
    row_start = start
    col = 0
    pos = start
    for k, part in enumerate(parts):
        w = _unit_width(part) if part else 0
        gap = 0 if k == last_part else 1
        if col + w + gap <= width:
            col += w + gap
            pos += len(part) + gap
            continue
        if col > 0:  # break after the previous space: this word opens a new row
            rows.append((row_start, pos, col))
            row_start, col = pos, 0
            if w + gap <= width:
                col = w + gap
                pos += len(part) + gap
                continue
        if w > width:  # longer than a row: cut at grapheme boundaries
            for m in _GRAPHEME.finditer(text, pos, pos + len(part)):
                gw = display_grapheme(m.group())[1]
                if col + gw > width and col > 0:
                    rows.append((row_start, m.start(), col))
                    row_start, col = m.start(), 0
                col += gw
        else:
            col = w
        pos += len(part)
        if gap:  # the space did not fit after the word: it opens the next row
            if col + 1 > width:
                rows.append((row_start, pos, col))
                row_start, col = pos, 0
            col += 1
            pos += 1
    rows.append((row_start, end, col))
    return rows


def wrap_line(line_text: str, width: int, *, text: str | None = None, base: int = 0) -> list[Row]:
    """Wrap one logical line (no line break inside) into rows of at most ``width`` cells.

    With ``text``/``base`` the line is ``text[base : base + len(line_text)]`` and the rows hold
    document offsets; by default offsets are relative to ``line_text``. Always at least one row.
    """
    width = max(1, width)
    if text is None:
        text, base = line_text, 0
    start, end = base, base + len(line_text)
    simple = "\t" not in line_text and all(is_simple_char(c) for c in set(line_text))
    spans = (
        _wrap_simple(text, start, end, width) if simple else _wrap_general(text, start, end, width)
    )
    rows = [Row(text, s, e, w, simple, last=False) for s, e, w in spans]
    rows[-1].last = True
    return rows


class Layout:
    """A document wrapped at ``width``, from the top, as far as it has been looked at.

    Rows are made on demand: the first screen of a 100k-word article costs its own rows, not
    the article's (a 600,000-character line wraps in ~0.25 s; its first rows in well under a
    millisecond). Any query about a row or an offset further down wraps up to there first;
    ``wrap_more`` lets the view finish the rest in small steps after the first paint. A long
    line is wrapped in chunks that end at a space: greedy wrapping from a row start depends
    only on the text after it, so every row but a chunk's last is final, and the last is
    redone with the next chunk. ``len()`` is exact (it wraps everything); ``estimated_len()``
    is what a scrollbar can use before that.
    """

    CHUNK = 16_384  # characters of a long line wrapped per step

    def __init__(
        self, index: TextIndex | str, width: int, bidi: BidiOptions | None = None
    ) -> None:
        self.index = index if isinstance(index, TextIndex) else TextIndex(index)
        self.width = max(1, width)
        self.bidi = bidi
        # One scan decides whether any line can need reordering; an all-left-to-right article
        # then takes exactly the path it took before bidi support.
        self._forced = bidi is not None and bidi.direction == "rtl"
        self._reorder = bidi is not None and bidi.reorders and (
            self._forced or has_rtl(self.index.text))
        self._bidi_line: tuple[int, BidiLine] | None = None  # the line in work's paragraph
        self._line_rtl: tuple[int, bool] = (-1, False)  # whether the line in work reorders
        self._rows: list[Row] = []
        self._row_starts: list[int] = []
        self._line_first_row: list[int] = []
        self._line = 0  # next logical line to wrap
        self._pos: int | None = None  # where wrapping resumes inside that line (None: its start)
        self.complete = False
        self.wrap_more(rows=1)

    # -- wrapping ------------------------------------------------------------------------------

    @property
    def wrapped_to(self) -> int:
        """Offset up to which rows are final (the text's length when complete)."""
        if self.complete:
            return len(self.index.text)
        if self._pos is not None:
            return self._pos
        return self.index.line_starts[self._line]

    def wrap_more(self, *, rows: int = 0, offset: int = -1) -> bool:
        """Wrap until there are more than ``rows`` rows and ``offset`` is wrapped (or all is);
        True when there is nothing left to wrap."""
        index, text, width = self.index, self.index.text, self.width
        while not self.complete and (len(self._rows) <= rows or self.wrapped_to <= offset):
            line = self._line
            start, end = index.line_range(line)
            if self._pos is None:
                self._line_first_row.append(len(self._rows))
                self._pos = start
            pos = self._pos
            size = self.CHUNK
            while True:  # a chunk must give two rows (or reach the line end) to make progress
                stop = end
                if end - pos > size:
                    cut = text.rfind(" ", pos + size // 2, pos + size)
                    stop = cut + 1 if cut >= 0 else pos + size
                new = wrap_line(text[pos:stop], width, text=text, base=pos)
                if stop >= end or len(new) > 1:
                    break
                size *= 2
            if stop < end:
                new.pop()  # may change once the text after the chunk is seen
                self._pos = new[-1].end
            if self._reorder:
                if self._line_rtl[0] != line:  # once per line, not per chunk
                    self._line_rtl = (line, self._forced or has_rtl(text, start, end))
                if self._line_rtl[1]:
                    assert self.bidi is not None
                    self._make_visual(new, line, start, end, self.bidi)
            if stop >= end:
                self._pos = None
                self._line += 1
                self.complete = self._line >= index.line_count
            self._rows.extend(new)
            self._row_starts.extend(r.start for r in new)
        return self.complete

    @property
    def wrapped_rows(self) -> int:
        """How many rows exist so far."""
        return len(self._rows)

    # -- queries -------------------------------------------------------------------------------

    def _make_visual(self, rows: list[Row], line_no: int, start: int, end: int,
                     bidi: BidiOptions) -> None:
        """Give one line's rows their paragraph (analysed on first use, one per line even when
        its rows are wrapped in several chunks) and alignment."""
        if self._bidi_line is None or self._bidi_line[0] != line_no:
            text = self.index.text
            base = base_level(text, start, end, bidi.direction)
            self._bidi_line = (line_no, BidiLine(text, start, end, base, _algorithm_text,
                                                 shaping=bidi.shaping))
        line = self._bidi_line[1]
        base = line.base
        for row in rows:
            row.bidi = line
            row._unit = row.simple
            row.simple = False
            row.x0 = max(1, self.width + 1 - row.width) if base else 0

    def __len__(self) -> int:
        """Exact number of rows (wraps the whole document; see `estimated_len`)."""
        self.wrap_more(rows=sys.maxsize)
        return len(self._rows)

    def estimated_len(self) -> int:
        """Rows so far plus the rest at the average row length; exact once complete. What the
        view sizes its scrollbar with before everything is wrapped."""
        if self.complete:
            return len(self._rows)
        done = max(1, self.wrapped_to)
        left = len(self.index.text) - done
        per_row = max(1.0, done / max(1, len(self._rows)))
        return len(self._rows) + max(1, int(left / per_row) + 1)

    def row(self, row: int) -> Row:
        """Row ``row`` (clamped to the last row), wrapping down to it if needed."""
        self.wrap_more(rows=row)
        return self._rows[min(max(row, 0), len(self._rows) - 1)]

    @property
    def rows(self) -> list[Row]:
        """Every row (wraps the whole document)."""
        self.wrap_more(rows=sys.maxsize)
        return self._rows

    @property
    def line_first_row(self) -> list[int]:
        """Row index of each logical line's first row (wraps the whole document)."""
        self.wrap_more(rows=sys.maxsize)
        return self._line_first_row

    @property
    def row_starts(self) -> list[int]:
        self.wrap_more(rows=sys.maxsize)
        return self._row_starts

    def row_of(self, offset: int) -> int:
        """Row showing ``offset``: a wrap point goes to the lower row, a line break to its line."""
        self.wrap_more(offset=offset)
        return max(0, bisect_right(self._row_starts, offset) - 1)

    def cell_of(self, offset: int) -> tuple[int, int]:
        """``(row, x)`` of the cell where the cursor at ``offset`` is drawn."""
        r = self.row_of(offset)
        return r, self._rows[r].offset_to_cell(offset)

    def offset_at(self, row: int, x: int) -> int:
        """Offset for a click or a vertical move to cell ``x`` of ``row`` (clamped).

        Past the end of a wrapped row this gives the row's last grapheme, not the next row's
        first, so the cursor stays on the row the user pointed at.
        """
        r = self.row(row)
        if r.bidi is not None:
            return r._visual_offset_at(x, past_end=r.last)
        if x >= r.width and not r.last:
            return r.last_grapheme_start()
        return r.cell_to_offset(x)

    def visual_step(self, offset: int, step: int) -> int | None:
        """Where left (``step`` -1) or right (+1) takes the cursor on a visual row, else None.

        Within a row the cursor walks the row's ``stops`` on screen. Past the edge it reads on:
        moving in the paragraph's direction goes to the next row's logical start, moving
        against it to the previous row's logical end. None means "not a visual row": the caller
        moves by grapheme in stored order, as in logical mode.
        """
        r = self.row_of(offset)
        row = self.rows[r]
        if row.bidi is None:
            return None
        stops = row.stops()
        try:
            i = stops.index(offset)
        except ValueError:
            i = stops.index(row.cell_to_offset(row.offset_to_cell(offset)))
        j = i + step
        if 0 <= j < len(stops):
            return stops[j]
        forward = (step > 0) != row.rtl
        if forward:
            if not row.last:
                return row.end
            return min(self.index.next_grapheme(row.end), len(self.index.text))
        if r == 0:
            return row.start
        prev = self.rows[r - 1]
        return prev.end if prev.last else prev.last_grapheme_start()


def _algorithm_text(line: str) -> str:
    """A line as the bidi algorithm must see it: every character that is shown as a placeholder
    becomes the placeholder's first character (same length), so no control is ever obeyed."""

    def repl(m: regex.Match[str]) -> str:
        ch = m.group()
        if ch == "\t":
            return ch
        rep = _placeholder(ch)
        return ch if rep is None else rep[0]

    return _CONTROLS.sub(repl, line)


_CONTROLS = regex.compile(r"[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]")


@dataclass(frozen=True, slots=True)
class SpanView:
    """What the article view needs to paint one span: offsets, label, layer and colour.

    ``color`` is "#rrggbb" or a colour name Rich understands. ``layer`` decides the look
    ("entity" tints the background, "event" is bold, any other layer is italic), so overlapping
    layers stay visible together. ``fragments`` holds the pieces of a discontinuous span (a split
    quote), () for the common one-piece span; ``start``/``end`` are then the outer bounds and
    only the pieces are painted.
    """

    id: int
    start: int
    end: int
    label: str
    layer: str
    color: str
    fragments: tuple[tuple[int, int], ...] = ()

    def touches(self, start: int, end: int) -> bool:
        """True if a piece of the span has a character in ``[start, end)``."""
        if self.start >= end or self.end <= start:
            return False
        return not self.fragments or any(a < end and b > start for a, b in self.fragments)


class SpanIndex:
    """Spans bucketed by fixed-size chunks of the text, for per-row queries.

    Each span is listed in every chunk it touches, so finding the spans on a screen row costs the
    spans near that row, not the document's. Sorted starts give next/previous span moves.
    """

    CHUNK = 512

    def __init__(self, spans: Iterable[SpanView] = ()) -> None:
        self.spans: list[SpanView] = sorted(spans, key=lambda s: (s.start, -s.end, s.id))
        self.starts: list[int] = [s.start for s in self.spans]
        self._buckets: dict[int, list[SpanView]] = {}
        chunk = self.CHUNK
        for span in self.spans:
            for b in range(span.start // chunk, max(span.start, span.end - 1) // chunk + 1):
                self._buckets.setdefault(b, []).append(span)

    def __len__(self) -> int:
        return len(self.spans)

    @staticmethod
    def _order(span: SpanView) -> tuple[int, int, int]:
        return (span.start, -span.end, span.id)

    def add(self, span: SpanView) -> None:
        """Insert one span in place: an edit costs the span's chunks, not the document's spans."""
        i = bisect_left(self.spans, self._order(span), key=self._order)
        self.spans.insert(i, span)
        self.starts.insert(i, span.start)
        chunk = self.CHUNK
        for b in range(span.start // chunk, max(span.start, span.end - 1) // chunk + 1):
            bucket = self._buckets.setdefault(b, [])
            bucket.insert(bisect_left(bucket, self._order(span), key=self._order), span)

    def remove(self, span_id: int) -> SpanView | None:
        """Drop the span with this id (if shown) and return it."""
        for i, span in enumerate(self.spans):
            if span.id == span_id:
                del self.spans[i]
                del self.starts[i]
                chunk = self.CHUNK
                for b in range(span.start // chunk, max(span.start, span.end - 1) // chunk + 1):
                    bucket = self._buckets.get(b, [])
                    bucket[:] = [s for s in bucket if s.id != span_id]
                return span
        return None

    def overlapping(self, start: int, end: int) -> list[SpanView]:
        """Spans with at least one character in ``[start, end)``, in start order."""
        chunk = self.CHUNK
        first, last = start // chunk, max(start, end - 1) // chunk
        if first == last:
            bucket = self._buckets.get(first, ())
            return [s for s in bucket if s.touches(start, end)]
        seen: set[int] = set()
        found: list[SpanView] = []
        for b in range(first, last + 1):
            for s in self._buckets.get(b, ()):
                if s.touches(start, end) and s.id not in seen:
                    seen.add(s.id)
                    found.append(s)
        found.sort(key=lambda s: (s.start, -s.end, s.id))
        return found

    def at(self, offset: int) -> list[SpanView]:
        """Spans covering the character at ``offset``."""
        return self.overlapping(offset, offset + 1)

    def next_start(self, offset: int) -> int | None:
        """The first span start after ``offset``, or None."""
        i = bisect_right(self.starts, offset)
        return self.starts[i] if i < len(self.starts) else None

    def prev_start(self, offset: int) -> int | None:
        """The last span start before ``offset``, or None."""
        i = bisect_left(self.starts, offset) - 1
        return self.starts[i] if i >= 0 else None
