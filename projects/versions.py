"""Carrying annotations over a corrected text: where each span of the old text lies in the new.

Newsrooms correct published articles (a misspelt name, a wrong figure, an added paragraph, an
editor's note at the top, a reflowed text). The annotations made on the old text must follow,
and none may be lost or silently moved onto the wrong words. For each span piece:

- **moved**: the piece lies inside text the correction did not touch; it moves to its new
  offsets exactly. A span whose words are the same but whose whitespace changed (a line break
  that became a space in a reflow) is moved too, with its stored text updated: its words are
  what an annotator labelled, and asking for a review of every reflowed line would bury the
  real edits.
- **edited**: the text inside the span changed; the span goes to the best place (the mapped
  ends, widened to whole graphemes) and needs review, with its old and new text.
- **removed**: every character of the span was deleted; it is kept as an empty span at the
  point where its text was, needing review, never dropped.

The map is built in two passes so every correction shape stays close to linear in the length of
the article, including a one-line article: a diff over *words* (whitespace ignored, each distinct
word one character, diff-match-patch's own line-mode trick applied to words), then a character
diff only inside the regions between matched words that differ. A reflow changes no word, an
inserted paragraph is one inserted run, and a spelling fix is one short region.

Pure functions: the store's update (projects.docversions) and the benchmark call them.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from diff_match_patch import diff_match_patch

from copydesk.projects.fragments import Fragments, join_line_breaks, joined_text
from copydesk.projects.textutil import grapheme_index

MOVED = "moved"
EDITED = "edited"
REMOVED = "removed"

_WORD = re.compile(r"\S+")
# A word diff is exact below this; past it diff-match-patch returns a coarser (still valid) diff,
# which only makes more spans "edited" (reviewed by a person), never moves one wrongly.
DIFF_TIMEOUT_S = 5.0

__all__ = ["EDITED", "MOVED", "REMOVED", "Carried", "TextMap", "carry_spans", "same_words"]


def same_words(a: str, b: str) -> bool:
    """True when two texts differ at most in whitespace (how a reflow changes a span)."""
    return a.split() == b.split()


@dataclass(frozen=True)
class Carried:
    """Where one span went: its new pieces and text, and what happened to it."""

    key: object
    parts: Fragments
    text: str
    status: str  # MOVED | EDITED | REMOVED
    old_parts: Fragments
    old_text: str

    @property
    def start(self) -> int:
        return self.parts[0][0]

    @property
    def end(self) -> int:
        return self.parts[-1][1]

    @property
    def needs_review(self) -> bool:
        return self.status != MOVED

    @property
    def shifted(self) -> bool:
        """The offsets changed (what the summary counts as "moved")."""
        return self.parts != self.old_parts


def _dmp() -> diff_match_patch:
    dmp = diff_match_patch()
    dmp.Diff_Timeout = DIFF_TIMEOUT_S
    return dmp


def _code(index: int) -> str:
    # One character per distinct word, skipping the surrogate range (not valid text).
    return chr(index + 1 if index + 1 < 0xD800 else index + 1 + 0x800)


class TextMap:
    """Equal blocks between an old and a new text, and span mapping through them.

    Blocks are `(old_start, new_start, length)` runs of identical text, in order in both texts;
    between two blocks lies a changed region. Mapping a span end is one bisection.
    """

    def __init__(self, old: str, new: str) -> None:
        self.old = old
        self.new = new
        self._bo: list[int] = []
        self._bn: list[int] = []
        self._bl: list[int] = []
        self._dmp = _dmp()
        if old == new:
            self._add(0, 0, len(old))
        else:
            self._build()

    # ------------------------------------------------------------ building
    def _add(self, o: int, n: int, length: int) -> None:
        if length <= 0:
            return
        if self._bo and self._bo[-1] + self._bl[-1] == o and self._bn[-1] + self._bl[-1] == n:
            self._bl[-1] += length  # contiguous in both texts: one block
            return
        self._bo.append(o)
        self._bn.append(n)
        self._bl.append(length)

    def _region(self, o0: int, o1: int, n0: int, n1: int) -> None:
        """Text between two matched words: equal as a whole, or diffed by character."""
        if o1 <= o0 or n1 <= n0:
            return
        a, b = self.old[o0:o1], self.new[n0:n1]
        if a == b:
            self._add(o0, n0, o1 - o0)
            return
        o, n = o0, n0
        for op, chunk in self._dmp.diff_main(a, b, False):
            if op == 0:
                self._add(o, n, len(chunk))
                o += len(chunk)
                n += len(chunk)
            elif op < 0:
                o += len(chunk)
            else:
                n += len(chunk)

    def _build(self) -> None:
        old_words = [(m.start(), m.end()) for m in _WORD.finditer(self.old)]
        new_words = [(m.start(), m.end()) for m in _WORD.finditer(self.new)]
        codes: dict[str, str] = {}

        def encode(text: str, words: list[tuple[int, int]]) -> str:
            out = []
            for a, b in words:
                word = text[a:b]
                code = codes.get(word)
                if code is None:
                    code = codes[word] = _code(len(codes))
                out.append(code)
            return "".join(out)

        ea, eb = encode(self.old, old_words), encode(self.new, new_words)
        po = pn = 0  # end of the previous matched word, old and new
        i = j = 0
        for op, chunk in self._dmp.diff_main(ea, eb, False):
            if op < 0:
                i += len(chunk)
                continue
            if op > 0:
                j += len(chunk)
                continue
            for _ in range(len(chunk)):
                (os_, oe), (ns, ne) = old_words[i], new_words[j]
                self._region(po, os_, pn, ns)
                self._add(os_, ns, oe - os_)
                po, pn = oe, ne
                i += 1
                j += 1
        self._region(po, len(self.old), pn, len(self.new))

    # ------------------------------------------------------------ mapping
    def _gap(self, k: int) -> tuple[int, int, int, int]:
        """The changed region after block k (k = -1: before the first block)."""
        go0 = self._bo[k] + self._bl[k] if k >= 0 else 0
        gn0 = self._bn[k] + self._bl[k] if k >= 0 else 0
        last = k + 1 >= len(self._bo)
        go1 = len(self.old) if last else self._bo[k + 1]
        gn1 = len(self.new) if last else self._bn[k + 1]
        return go0, go1, gn0, gn1

    def map_start(self, a: int) -> int:
        k = bisect_right(self._bo, a) - 1
        if k >= 0 and a < self._bo[k] + self._bl[k]:
            return self._bn[k] + a - self._bo[k]
        go0, _go1, gn0, gn1 = self._gap(k)
        return gn0 + min(a - go0, gn1 - gn0)

    def map_end(self, b: int) -> int:
        k = bisect_left(self._bo, b) - 1
        if k >= 0 and b <= self._bo[k] + self._bl[k]:
            return self._bn[k] + b - self._bo[k]
        _go0, go1, gn0, gn1 = self._gap(k)
        return gn1 - min(go1 - b, gn1 - gn0)

    def exact(self, a: int, b: int) -> int | None:
        """The shift of `[a, b)` if it lies inside one unchanged block, else None."""
        k = bisect_right(self._bo, a) - 1
        if k >= 0 and b <= self._bo[k] + self._bl[k]:
            return self._bn[k] - self._bo[k]
        return None

    def _snap(self, a: int, b: int) -> tuple[int, int]:
        """Widen to whole graphemes and trim whitespace at the ends (a best place)."""
        text = self.new
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a >= b:
            return a, a
        index = grapheme_index(text)
        while a > 0 and not index.is_boundary(a):
            a -= 1
        while b < len(text) and not index.is_boundary(b):
            b += 1
        return a, b

    def _whole_words(self, a: int, b: int, na: int, nb: int) -> tuple[int, int]:
        """Widen `[na, nb)` to whole words where the old span ended on a word's edge and the
        new text continues the word there ("Tarvel" corrected to "Tarvell"): the correction
        changed the word the annotator labelled, even if the span's own letters did not."""
        old, new = self.old, self.new

        def edge(text: str, i: int) -> bool:
            return i <= 0 or i >= len(text) or not (text[i - 1].isalnum() and text[i].isalnum())

        if edge(old, a) and not edge(new, na):
            while na > 0 and new[na - 1].isalnum():
                na -= 1
        if edge(old, b) and not edge(new, nb):
            while nb < len(new) and new[nb].isalnum():
                nb += 1
        return na, nb

    def carry(self, key: object, parts: Sequence[tuple[int, int]], old_text: str) -> Carried:
        """Where the span with these pieces (and this stored text) goes in the new text."""
        old_parts = tuple((int(a), int(b)) for a, b in parts)
        moved: list[tuple[int, int]] = []
        exact = True
        for a, b in old_parts:
            shift = self.exact(a, b)
            if shift is not None:
                na, nb = a + shift, b + shift
            else:
                exact = False
                na, nb = self._snap(self.map_start(a), max(self.map_end(b), self.map_start(a)))
                if nb <= na:
                    continue
            wa, wb = self._whole_words(a, b, na, nb)
            if (wa, wb) != (na, nb):
                exact = False
                na, nb = self._snap(wa, wb)
            moved.append((na, nb))
        if exact:
            new_parts = tuple(moved)
            return Carried(key, new_parts, joined_text(self.new, new_parts), MOVED,
                           old_parts, old_text)
        if not moved:
            point = min(self.map_start(old_parts[0][0]), len(self.new))
            index = grapheme_index(self.new)
            while point > 0 and not index.is_boundary(point):
                point -= 1
            return Carried(key, ((point, point),), "", REMOVED, old_parts, old_text)
        merged: list[list[int]] = []
        for a, b in sorted(moved):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        new_parts = join_line_breaks(self.new, [(a, b) for a, b in merged])
        text = joined_text(self.new, new_parts)
        status = MOVED if same_words(text, old_text) else EDITED
        return Carried(key, new_parts, text, status, old_parts, old_text)


def carry_spans(old: str, new: str,
                spans: Iterable[tuple[object, Sequence[tuple[int, int]], str]]) -> list[Carried]:
    """Carry `(key, pieces, stored text)` spans from `old` to `new` (one map for all)."""
    text_map = TextMap(old, new)
    return [text_map.carry(key, parts, text) for key, parts, text in spans]


def line_diff(old: str, new: str, *, context: int = 1) -> list[str]:
    """A short unified diff of two versions for `copydesk show --versions` (lines, no newline).

    A one-line article would make a unified diff one huge line, so the lines compared are the
    texts cut at sentence ends as well as line breaks.
    """
    import difflib

    def pieces(text: str) -> list[str]:
        return [p for p in re.split(r"(?<=[.!?؟。])\s+|\n", text) if p.strip()]

    return [line.rstrip("\n") for line in difflib.unified_diff(
        pieces(old), pieces(new), lineterm="", n=context)][2:]
