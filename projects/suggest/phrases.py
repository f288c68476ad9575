"""Fast phrase and gazetteer matching: one compiled matcher over the text, tokens only near hits.

`PatternSet.match` defines what a phrase match is: a run of the text's tokens
(`projects.textutil.tokenize`) whose folded forms equal a phrase's folded tokens. Tokenizing a
whole article to find a dozen names costs most of the time, so this module finds the same
matches without tokenizing everything:

1. Every phrase's first folded token goes into one Aho-Corasick automaton (`pyahocorasick`, a C
   matcher). The document is folded once as a whole (`FoldedText`) and the automaton reports
   every place a first token occurs, in one pass whatever the number of names.
2. Only around those places is the text tokenized (`LazyTokens`), between *safe cuts*:
   positions where a whitespace character starts a grapheme cluster. No token and no whitespace
   run crosses a safe cut, so tokenizing the piece between two cuts gives exactly the tokens
   the whole text would have there. Most hits need not even that: `QUICK_TOKEN` recognises a
   plain word or punctuation mark between whitespace and punctuation in one regex match. The
   phrase trie is then walked over those tokens as before, reading on while a phrase goes on.

A hit that is not a token start (a name inside a longer word) costs one short tokenize call.
The exact matches are decided by the same trie walk as the full path, so both give the same
results; `tests/test_suggest_patterns.py` checks this on random text of every script we meet.

When the whole-text fold cannot be aligned with per-token folding (an NFC-insensitive match on
text that is not NFC, or mark stripping that would let base letters compose), or when
`pyahocorasick` is not installed, `PatternSet.match` takes the full-token path instead: same
results, the old speed.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable

import regex

from copydesk.projects.textutil import tokenize

try:  # a small C extension with wheels; without it, matching falls back to full tokenizing
    import ahocorasick
except ImportError:  # pragma: no cover - exercised only where the wheel is missing
    ahocorasick = None

# What `tokenize` treats as whitespace (never part of a token).
_SPACE = regex.compile(r"[\s\x1c-\x1f]")
_SPACE_BACK = regex.compile(r"(?r)[\s\x1c-\x1f]")
# Characters that glue themselves to the next one into one grapheme cluster (UAX #29 GB9b).
_PREPEND = regex.compile(r"\p{Grapheme_Cluster_Break=Prepend}")
# Two word characters in a row that each form a grapheme cluster of their own (and the first
# is not glued to a Prepend before it): the tokenizer's word run goes on through both, so no
# token starts at the second. Hangul, CJK and anything joining are left to the tokenizer.
_WORD_ALONE = (r"[[\w\p{M}]&&\p{Grapheme_Cluster_Break=Other}"
               r"--[\p{Han}\p{Hiragana}\p{Katakana}]]")
_INSIDE_WORD = regex.compile(
    rf"(?V1)(?<!\p{{Grapheme_Cluster_Break=Prepend}}){_WORD_ALONE}{_WORD_ALONE}")
# Characters that end a word token and join nothing: whitespace, and punctuation or symbols
# that are not word characters, not the apostrophes/hyphen that join words, and form a grapheme
# cluster of their own.
_SPACE_CLASS = r"[\s\x1c-\x1f]"
_PUNCT = r"[[\p{P}\p{S}]&&\p{Grapheme_Cluster_Break=Other}--[\w’'\-]]"
# The token at a position, when plain character classes decide it without the tokenizer: after
# the text's start or an edge character (itself not glued to a Prepend before it), a run of
# stand-alone word characters up to an edge, or one punctuation mark before an edge or a word.
# No match means "ask the tokenizer" (marks, joiners, apostrophes, CJK, emoji), never a
# different answer from it.
QUICK_TOKEN = regex.compile(
    rf"(?V1)(?:\A|(?<=(?<!\p{{Grapheme_Cluster_Break=Prepend}})(?:{_SPACE_CLASS}|{_PUNCT})))"
    rf"(?:{_WORD_ALONE}++(?={_SPACE_CLASS}|{_PUNCT}|\Z)"
    rf"|{_PUNCT}(?={_SPACE_CLASS}|{_PUNCT}|{_WORD_ALONE}|\Z))")
_NOT_SPACE = regex.compile(r"[^\s\x1c-\x1f]")
# Grow the tokenized region by at least this many characters at a time (fewer short calls).
_STEP = 16


def available() -> bool:
    """True when the compiled matcher can be used."""
    return ahocorasick is not None


class FirstTokenIndex:
    """The automaton over the phrases' first folded tokens; built once, reused per document."""

    def __init__(self, keys: Iterable[str]) -> None:
        assert ahocorasick is not None
        self._automaton = ahocorasick.Automaton()
        count = 0
        for key in keys:
            if key:
                self._automaton.add_word(key, len(key))
                count += 1
        self.empty = count == 0
        if not self.empty:
            self._automaton.make_automaton()

    def starts(self, folded: str) -> set[int]:
        """Folded offsets where some first token begins (overlapping hits included)."""
        if self.empty:
            return set()
        return {end - size + 1 for end, size in self._automaton.iter(folded)}


class FoldedText:
    """The document folded as one string, with a way back from folded to original offsets.

    Folding is done character by character (a translate table), which equals folding token by
    token because case folding works per character, and NFC/mark folding is only used this way
    when the result is already NFC (checked; otherwise `build` returns None). Most characters
    fold to exactly one character; those that fold to none (stripped marks) or to several
    (``ß`` -> ``ss``) are listed, and offsets are mapped back through them with a bisect.
    """

    __slots__ = ("_deleted", "_irregular", "_shift", "_starts", "aligned", "text")

    def __init__(self, text: str, irregular: list[tuple[int, int]] | None = None) -> None:
        self.text = text
        # (original offset, folded length) of each character that does not fold to one char
        self._irregular = irregular or []
        self._starts: list[int] = []  # folded offset of each irregular character
        self._shift: list[int] = []  # folded - original offset just after it
        self._deleted: set[int] = set()
        self.aligned = not self._irregular  # folded offsets are original offsets
        shift = 0
        for pos, size in self._irregular:
            self._starts.append(pos + shift)
            shift += size - 1
            self._shift.append(shift)
            if size == 0:
                self._deleted.add(pos)

    def originals(self, folded: int) -> list[int]:
        """Original offsets whose character's fold begins at `folded` (usually exactly one).

        A character that folds to nothing shares its folded offset with the next one, so a
        token that starts with such a character is found too.
        """
        if not self._irregular:
            return [folded]
        k = bisect_right(self._starts, folded) - 1
        if k < 0:
            pos = folded
        else:
            at, size = self._irregular[k]
            start = self._starts[k]
            pos = at if folded < start + size else at + 1 + (folded - start - size)
        out = [pos]
        while pos - 1 in self._deleted:
            pos -= 1
            out.append(pos)
        return out


class TextFolder:
    """Folds whole documents the way `Fold.function()` folds one token, or says it cannot."""

    def __init__(self, nfc: bool, case: bool, marks: bool,
                 strip_marks: Callable[[str], str]) -> None:
        self.nfc = nfc or marks
        self.case = case
        self.marks = marks
        self._strip_marks = strip_marks
        self._table: dict[int, str | None] = {}
        self._marks_table: dict[int, str | None] = {}
        self._sizes: dict[str, int] = {}  # char -> folded length, for chars seen so far
        self.identity = not (nfc or case or marks)

    def _learn(self, chars: set[str]) -> None:
        for ch in chars:
            base = self._strip_marks(ch) if self.marks else ch
            if self.marks and base != ch:
                self._marks_table[ord(ch)] = base or None
            out = base.casefold() if self.case else base
            if out != ch:
                self._table[ord(ch)] = out or None
            self._sizes[ch] = len(out)

    def build(self, text: str) -> FoldedText | None:
        if self.identity:
            return FoldedText(text)
        if self.nfc and not self.marks and not unicodedata.is_normalized("NFC", text):
            return None  # composing across characters: only per-token folding is exact
        chars = set(text)
        new = [ch for ch in chars if ch not in self._sizes]
        if new:
            self._learn(set(new))
        if self.marks and not unicodedata.is_normalized("NFC",
                                                        text.translate(self._marks_table)):
            return None  # stripped base letters would compose: per-token folding only
        folded = text.translate(self._table) if self._table else text
        if len(folded) == len(text) and all(self._sizes[ch] == 1 for ch in chars):
            return FoldedText(folded)
        odd = {ch for ch in chars if self._sizes[ch] != 1}
        irregular = [(i, self._sizes[ch]) for i, ch in enumerate(text) if ch in odd]
        return FoldedText(folded, irregular)


def inside_word(text: str, pos: int) -> bool:
    """True when `pos` is surely inside a word token (so no match can start there).

    A cheap test that skips most hits of a short name inside a longer word without
    tokenizing; False means "ask the tokenizer", never "a token starts here".
    """
    return pos > 0 and _INSIDE_WORD.match(text, pos - 1) is not None


def next_start(text: str, pos: int) -> int | None:
    """The first non-whitespace character at or after `pos` (a token start if `QUICK_TOKEN`
    matches there), or None at the end of the text."""
    m = _NOT_SPACE.search(text, pos)
    return None if m is None else m.start()


def _is_cut(text: str, pos: int) -> bool:
    """A whitespace character at `pos` that starts a grapheme cluster (see the module doc)."""
    if pos <= 0 or pos >= len(text):
        return True
    before = text[pos - 1]
    if before == "\r" and text[pos] == "\n":
        return False
    return _PREPEND.match(before) is None


class LazyTokens:
    """`tokenize(text)` computed piece by piece, only where asked, moving forward only.

    Holds one region `[lo, hi)` between safe cuts, tokenized; asking about a position past it
    starts a new region at the last safe cut before that position. Queries must come in
    non-decreasing order of position (the matcher walks hits in text order), which keeps the
    total work linear in the text however the hits fall.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.size = len(text)
        self.lo = 0
        self.hi = 0
        self.tokens: list[tuple[int, int]] = []
        self._index: dict[int, int] = {}

    def _cut_after(self, pos: int) -> int:
        text = self.text
        while pos < self.size:
            m = _SPACE.search(text, pos)
            if m is None:
                return self.size
            if _is_cut(text, m.start()):
                return m.start()
            pos = m.start() + 1
        return self.size

    def _cut_before(self, pos: int) -> int:
        """The last safe cut at or before `pos`, never before the current region's end."""
        text = self.text
        end = pos + 1
        while end > self.hi:
            m = _SPACE_BACK.search(text, self.hi, end)
            if m is None:
                break
            if _is_cut(text, m.start()):
                return m.start()
            end = m.start()
        return self.hi

    def _extend(self, upto: int) -> bool:
        """Tokenize from `hi` to the first safe cut at or after `upto`; False at the text end."""
        if self.hi >= self.size:
            return False
        end = self._cut_after(max(upto, self.hi + 1))
        base = self.hi
        for s, e in tokenize(self.text[base:end]):
            self._index[base + s] = len(self.tokens)
            self.tokens.append((base + s, base + e))
        self.hi = end
        return True

    def token_at(self, pos: int, hint: int) -> int | None:
        """Index of the token starting at `pos`, or None; `hint`: how far the piece should go."""
        if pos >= self.hi:
            start = self._cut_before(pos)
            if start > self.hi:
                self.lo = self.hi = start
                self.tokens = []
                self._index = {}
            self._extend(pos + max(hint, _STEP))
        return self._index.get(pos)

    def get(self, i: int) -> tuple[int, int] | None:
        """Token `i` of the region, tokenizing further when the walk runs past its end."""
        while i >= len(self.tokens):
            if not self._extend(self.hi + _STEP):
                return None
        return self.tokens[i]
