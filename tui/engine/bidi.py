"""Right-to-left text on a terminal that does no bidi of its own: levels and visual order.

``tui.layout`` owns the cell <-> offset maps; this module gives it what it needs to lay out a row
of Arabic or Sorani in visual order: the paragraph direction, the bidi embedding level of every
character (Unicode Bidirectional Algorithm, UAX #9) and the visual order of a row's graphemes.
Plain Python, no Textual.

Decisions, and why:

- **Paragraph = logical line.** copydesk's lines (``projects.textutil.line_spans``) are the UBA's
  paragraphs. The base direction comes from the first strong character (rules P2/P3), unless the
  document has an override (``ltr``/``rtl``).
- **Rows break before reordering** (UAX #9 section 3.4): ``tui.layout`` wraps the line in logical
  order, levels are resolved once for the whole line, then each row is reordered on its own
  (rules L1 and L2) with the paragraph's base level. A row therefore never mixes words from
  two rows, and reading order runs top to bottom.
- **Levels from our own UAX #9** (``tui.uba``): the input never holds an obeyed control, so
  each paragraph is one isolating run sequence, and rules W1-W7, N0 (bracket pairs), N1-N2 and
  I1-I2 are short. Checked against Unicode's ``BidiCharacterTest.txt`` (tests/test_uba.py).
  python-bidi's public API gives a reordered string, not the levels the cell maps need; it
  stays a test oracle only.
- **Controls are never obeyed.** Bidi embeddings, overrides, isolates and marks (and every other
  character ``tui.layout`` shows as a placeholder) enter the algorithm as the placeholder shown
  for them (an "other neutral"), so hostile text cannot reorder what is on screen.
- **Mirroring** (rule L4): a bracket at an odd level is drawn mirrored, as ``get_display`` does.
- **Shaping** (optional): ``arabic-reshaper`` without ligatures or harakat removal, so each
  character keeps exactly one display character and the maps stay one to one. The stored text
  never changes; only what is drawn does.
- **Imports are lazy**: arabic-reshaper loads only when shaping is on.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import regex

from copydesk.tui.engine.uba import MIRRORS, resolve_levels

__all__ = [
    "DIRECTIONS",
    "DISPLAY_MODES",
    "L1_SPACES",
    "BidiLine",
    "BidiOptions",
    "base_level",
    "bidi_class",
    "has_rtl",
    "line_levels",
    "mirror",
    "mirror_table",
    "paragraph_levels",
    "shape",
    "visual_order",
]

DisplayMode = Literal["logical", "visual", "terminal"]
Direction = Literal["auto", "ltr", "rtl"]
DISPLAY_MODES: tuple[str, ...] = ("visual", "logical", "terminal")
DIRECTIONS: tuple[str, ...] = ("auto", "rtl", "ltr")

# Blocks that hold every strong right-to-left (R, AL) and Arabic-number (AN) character: Hebrew,
# Arabic, Syriac, Thaana, NKo, Samaritan, Mandaic, Arabic Extended, the presentation forms and
# the supplementary RTL scripts. A line without any of them is laid out exactly as before.
_RTL_HINT = regex.compile(
    "[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefe\U00010800-\U00010fff\U0001e800-\U0001efff]"
)
LEVEL_CHUNK = 4096  # characters of a paragraph analysed at once (see BidiLine.levels)
_STRONG = {"L": 0, "R": 1, "AL": 1}
# Classes that rule L1 treats as whitespace at a row end (isolates never get here: they are
# shown as placeholders, which the algorithm sees as neutrals).
L1_SPACES = frozenset({"WS", "S", "B", "BN", "LRI", "RLI", "FSI", "PDI"})


@dataclass(frozen=True)
class BidiOptions:
    """How right-to-left lines are shown; remembered per project (``copydesk.yaml``).

    ``mode``: ``visual`` reorders rows here (for tmux, xterm, screen, most SSH clients);
    ``logical`` shows stored order; ``terminal`` also sends stored order, for terminals that run
    the bidi algorithm themselves (VTE, Konsole, mlterm). ``direction`` overrides the paragraph
    direction for one document. ``shaping`` draws Arabic presentation forms.
    """

    mode: str = "visual"
    direction: str = "auto"
    shaping: bool = False

    @property
    def reorders(self) -> bool:
        """True when copydesk itself must put rows in visual order."""
        return self.mode == "visual"


def has_rtl(text: str, start: int = 0, end: int | None = None) -> bool:
    """True if ``text[start:end]`` may hold right-to-left characters (a cheap superset test).

    One C-level scan (~10 ms for a 600k-character article, once per layout, never per key);
    pure ASCII text, the common newswire case, is answered without one.
    """
    if start == 0 and end is None and text.isascii():
        return False
    return _RTL_HINT.search(text, start, len(text) if end is None else end) is not None


def base_level(text: str, start: int, end: int, direction: str = "auto") -> int:
    """0 (left-to-right) or 1 (right-to-left) for the paragraph ``text[start:end]``.

    ``auto`` takes the first strong character (UAX #9 P2/P3). Bidi marks (LRM, RLM, ALM) are
    strong in the UBA but are shown as placeholders and never obeyed, so they do not count.
    """
    if direction == "rtl":
        return 1
    if direction == "ltr":
        return 0
    for ch in text[start:end]:
        if unicodedata.category(ch) == "Cf":
            continue
        level = _STRONG.get(unicodedata.bidirectional(ch))
        if level is not None:
            return level
    return 0


def paragraph_levels(text: str, base: int) -> list[int]:
    """The resolved embedding level of each character of one paragraph (before rule L1).

    ``text`` must hold no paragraph separator and no bidi control (``tui.layout`` passes the
    line with such characters replaced by their placeholders).
    """
    return resolve_levels(text, base)


def visual_order(levels: Sequence[int]) -> list[int]:
    """Rule L2: indices of the items in left-to-right screen order, given each item's level.

    Reverses every maximal run at or above each level, from the highest level down to the
    lowest odd one. Costs O(n x depth); depth is 1-3 for real text.
    """
    n = len(levels)
    order = list(range(n))
    if n == 0:
        return order
    highest = max(levels)
    odd = [lv for lv in levels if lv % 2]
    if not odd:
        return order
    lowest_odd = min(odd)
    lv = list(levels)
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < n:
            if lv[i] >= level:
                j = i
                while j < n and lv[j] >= level:
                    j += 1
                order[i:j] = order[i:j][::-1]
                lv[i:j] = lv[i:j][::-1]
                i = j
            else:
                i += 1
    return order


def line_levels(levels: Sequence[int], classes: Sequence[str], base: int) -> list[int]:
    """Rule L1 for one row: trailing whitespace, and whitespace before a tab, take ``base``.

    ``levels``/``classes`` are per item (grapheme) of the row, in logical order.
    """
    out = list(levels)
    reset = True  # the row end counts as a segment end
    for i in range(len(out) - 1, -1, -1):
        cls = classes[i]
        if cls in ("S", "B"):
            out[i] = base
            reset = True
        elif reset and cls in L1_SPACES:
            out[i] = base
        else:
            reset = False
    return out


def mirror_table() -> dict[str, str]:
    """Bidi_Mirroring_Glyph pairs ("(" <-> ")", "«" <-> "»", ...), from ``tui.uba``."""
    return MIRRORS


def mirror(display: str) -> str:
    """Rule L4: the mirrored glyph of a bracket-like grapheme drawn right to left."""
    if not display:
        return display
    m = mirror_table().get(display[0])
    return display if m is None else m + display[1:]


@lru_cache(maxsize=1)
def _reshaper() -> Any:
    from arabic_reshaper import ArabicReshaper  # lazy: only when shaping is switched on

    return ArabicReshaper(configuration={
        "delete_harakat": False,
        "shift_harakat_position": False,
        "delete_tatweel": False,
        "support_ligatures": False,
        "support_zwj": True,
    })


def shape(text: str) -> str | None:
    """Arabic presentation forms for ``text``, one character for one, or None if that fails."""
    try:
        shaped = _reshaper().reshape(text)
    except Exception:  # a shaping failure must never stop the article from being shown
        return None
    return shaped if isinstance(shaped, str) and len(shaped) == len(text) else None


class BidiLine:
    """One paragraph in visual mode: its base level, and levels/shaping built on first use.

    Shared by the rows of the line, so a paragraph is analysed once, and only when one of its
    rows is drawn or measured (a 100k-word article pays for the paragraphs on screen).
    ``neutralise`` turns the line into what the algorithm may see (same length, no controls).
    """

    __slots__ = ("_bounds", "_chunks", "_shaped", "_shaped_done", "base", "end", "neutralise",
                 "shaping", "start", "text")

    def __init__(self, text: str, start: int, end: int, base: int,
                 neutralise: Callable[[str], str], *, shaping: bool = False) -> None:
        self.text = text
        self.start = start
        self.end = end
        self.base = base
        self.neutralise = neutralise
        self.shaping = shaping
        self._bounds: list[int] | None = None
        self._chunks: dict[int, list[int]] = {}
        self._shaped: str | None = None
        self._shaped_done = False

    def __repr__(self) -> str:
        return f"BidiLine({self.start}, {self.end}, base={self.base})"

    def _chunk_bounds(self) -> list[int]:
        """Where the paragraph is cut for analysis: every ``LEVEL_CHUNK`` characters or so, just
        after a space (only paragraphs longer than that are cut at all)."""
        if self._bounds is None:
            n = self.end - self.start
            bounds = [0]
            while n - bounds[-1] > LEVEL_CHUNK:
                cut = self.text.find(" ", self.start + bounds[-1] + LEVEL_CHUNK, self.end)
                if cut < 0:
                    break
                bounds.append(cut + 1 - self.start)
            bounds.append(n)
            self._bounds = bounds
        return self._bounds

    def levels(self, a: int, b: int) -> list[int]:
        """Resolved levels (before L1) of the line's characters ``[a, b)`` (line-relative).

        A paragraph is analysed as a whole up to ``LEVEL_CHUNK`` characters; a longer one in
        chunks cut after a space, each analysed when a row in it is first drawn, so opening a
        one-megabyte right-to-left line costs one chunk, not the line. (Each chunk is resolved
        with the paragraph's base level; only neutrals at a cut can differ from a whole-line
        analysis.)
        """
        bounds = self._chunk_bounds()
        out: list[int] = []
        i = max(0, bisect_right(bounds, a) - 1)
        while i < len(bounds) - 1 and bounds[i] < b:
            lo, hi = bounds[i], bounds[i + 1]
            chunk = self._chunks.get(i)
            if chunk is None:
                line = self.neutralise(self.text[self.start + lo : self.start + hi])
                chunk = self._chunks[i] = paragraph_levels(line, self.base)
            out.extend(chunk[max(a, lo) - lo : min(b, hi) - lo])
            i += 1
        return out

    @property
    def shaped(self) -> str | None:
        """The line in presentation forms (same length), or None when shaping is off or fails."""
        if not self.shaping:
            return None
        if not self._shaped_done:
            line = self.text[self.start : self.end]
            self._shaped = shape(line) if has_rtl(line) else None
            self._shaped_done = True
        return self._shaped


def bidi_class(ch: str) -> str:
    """The bidi class of a character (``unicodedata``), for rule L1 in ``tui.layout``."""
    return unicodedata.bidirectional(ch)
