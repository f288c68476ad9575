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
- **Right-to-left text is kept in logical order.** Rows are displayed in the stored character
  order, so the cell <-> offset maps are monotonic and exact. Reordering with python-bidi would
  fight terminals that already apply the bidi algorithm themselves (VTE, mlterm, Konsole) and would
  make one key press move the cursor in two directions on mixed lines; an annotator sees Arabic
  and Sorani words with letters in reading order left to right. Revisit per terminal, here only.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import regex
from rich.cells import cell_len

from copydesk.projects.textutil import TextIndex, is_simple_char

__all__ = [
    "TAB_SIZE",
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
        "_specials",
        "end",
        "last",
        "simple",
        "start",
        "text",
        "width",
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

    def __repr__(self) -> str:
        return f"Row({self.start}, {self.end}, width={self.width}, {self.display!r})"

    def _build(self) -> None:
        """Walk the row's graphemes once to fill the maps and the display text."""
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
        """First cell of the grapheme holding ``offset``; ``end`` maps to ``width``."""
        rel = min(max(offset, self.start), self.end) - self.start
        if self.simple:
            return rel
        if self._ch2c is None:
            self._build()
        assert self._ch2c is not None
        return self._ch2c[rel]

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
        return self.cell_to_offset(self.width - 1) if self.width else self.start


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
    """A whole document wrapped at ``width``: the row list and the offset <-> (row, x) maps.

    Rebuilt when the width changes. Costs per logical line (plus per word on lines that are not
    all simple characters); per-character maps are built only for rows that are looked at.
    """

    def __init__(self, index: TextIndex | str, width: int) -> None:
        self.index = index if isinstance(index, TextIndex) else TextIndex(index)
        self.width = max(1, width)
        text = self.index.text
        self.rows: list[Row] = []
        self.line_first_row: list[int] = []
        for start, end in zip(self.index.line_starts, self.index.line_ends, strict=True):
            self.line_first_row.append(len(self.rows))
            self.rows.extend(wrap_line(text[start:end], self.width, text=text, base=start))
        self.row_starts: list[int] = [r.start for r in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    def row_of(self, offset: int) -> int:
        """Row showing ``offset``: a wrap point goes to the lower row, a line break to its line."""
        return max(0, bisect_right(self.row_starts, offset) - 1)

    def cell_of(self, offset: int) -> tuple[int, int]:
        """``(row, x)`` of the cell where the cursor at ``offset`` is drawn."""
        r = self.row_of(offset)
        return r, self.rows[r].offset_to_cell(offset)

    def offset_at(self, row: int, x: int) -> int:
        """Offset for a click or a vertical move to cell ``x`` of ``row`` (clamped).

        Past the end of a wrapped row this gives the row's last grapheme, not the next row's
        first, so the cursor stays on the row the user pointed at.
        """
        row = min(max(row, 0), len(self.rows) - 1)
        r = self.rows[row]
        if x >= r.width and not r.last:
            return r.last_grapheme_start()
        return r.cell_to_offset(x)


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
