"""Character offsets, graphemes, tokens and sentences over the exact stored text.

Every offset in copydesk is a Python ``str`` index into the document text as stored, end
exclusive. This module is the one place that decides where graphemes, words and sentences begin
and end, so the TUI (cursor moves, selection snapping) and the exporters (token indices) can never
disagree. It is plain Python (``regex`` + stdlib, no Textual) so tests and exporters run without a
terminal.

Speed matters: a 100,000-word article (~600k characters) is indexed once when opened. The work is
done by C-level regex scans and list building; per-offset queries are ``bisect`` lookups.
Grapheme boundaries come from one `GraphemeIndex` per document text (`grapheme_index`, cached by
content and shared by the store, the importers and the article view): it segments only the
stretches around characters that can join a neighbour, so its cost does not depend on how long a
line is, and every boundary query is a set lookup.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache

import regex

__all__ = [
    "GraphemeIndex",
    "TextIndex",
    "grapheme_bounds",
    "grapheme_index",
    "is_simple_char",
    "line_spans",
    "snap_to_graphemes",
    "stands_alone",
    "tokenize",
]

_GRAPHEME = regex.compile(r"\X")

# Characters that form words. CJK ideographs and kana are excluded: those scripts use no spaces,
# so each such character is a token of its own (the usual choice of newswire tokenizers).
_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}"
_WORD_CHAR = rf"[[\w\p{{M}}]--[{_CJK}]]"
# A token is, in order of preference:
#  1. a word: a run of graphemes that start with a letter/digit/mark, which may continue over one
#     internal apostrophe or hyphen ("don't", "al-Assad"; "Toilers'" gives "Toilers" + "'") or
#     over ZWNJ/ZWJ, which Persian and Sorani Kurdish write inside words ("کورد\u200cستان" is one
#     token);
#  2. one CJK ideograph or kana (with whatever the grapheme cluster carries);
#  3. any other grapheme that is not whitespace (punctuation, symbols, emoji, flags, controls);
#     whitespace is what `str.isspace` says, so the separators \x1c-\x1f are not tokens either.
# Every alternative consumes whole `\X` clusters, and whitespace clusters are matched too (group
# "ws", then dropped) so the scan never restarts inside a cluster: token edges are always
# grapheme boundaries.
_WORD_G = rf"(?:(?={_WORD_CHAR})\X)+"
_TOKEN = regex.compile(
    rf"(?V1)(?P<ws>(?:(?=[\s\x1c-\x1f])\X)+)"
    rf"|{_WORD_G}(?:(?:[’'\-]|[\u200c\u200d]+){_WORD_G})*"
    rf"|(?=[{_CJK}])\X"
    r"|\X"
)
# For lines of simple characters only (one code point per grapheme, no marks or joiners): the
# same three token kinds without grapheme matching.
_NOT_SPACE = r"[^\s\x1c-\x1f]"
_SIMPLE_TOKEN = regex.compile(rf"(?V1){_WORD_CHAR}+(?:[’'\-]{_WORD_CHAR}+)*|{_NOT_SPACE}")
# The same pattern with ASCII word characters, in the standard library's `re` (about twice as
# fast as `regex` here): exact for texts whose every character is classified alike by both
# (see `_plain_char`), which is most newswire in Latin script.
_ASCII_WORD = "[A-Za-z0-9_]"
_PLAIN_TOKEN = re.compile(rf"{_ASCII_WORD}+(?:[’'\-]{_ASCII_WORD}+)*|{_NOT_SPACE}")
_REGEX_WORD = regex.compile(rf"(?V1){_WORD_CHAR}")
_REGEX_NOT_SPACE = regex.compile(_NOT_SPACE)
_RE_WORD = re.compile(_ASCII_WORD)
_RE_NOT_SPACE = re.compile(_NOT_SPACE)

# Sentence ends: a terminator run, optional closing quotes/brackets, then whitespace or the end.
# CJK full stops need no following space. Blank lines always end a sentence.
_SENT_END = regex.compile(
    r"(?:[.!?…؟۔]+[\"'”’»)\]]*(?=\s|\Z)|[。！？]+[」』”’）]*)"
    r"|\n[ \t\r\f\v]*\n|\r[ \t\f\v]*\r(?!\n)"
)
# Word before a period that does not end a sentence (keep short: newswire abbreviations).
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "gen",
        "lt",
        "col",
        "sgt",
        "capt",
        "maj",
        "cmdr",
        "adm",
        "gov",
        "sen",
        "rep",
        "st",
        "mt",
        "ft",
        "jr",
        "sr",
        "inc",
        "co",
        "corp",
        "ltd",
        "no",
        "vs",
        "etc",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "e.g",
        "i.e",
        "u.s",
        "u.k",
        "u.n",
    ]
)
_WORD_BEFORE_PERIOD = regex.compile(r"([\w.]+)\.*$")
_NEXT_VISIBLE = regex.compile(r"\s*(\S)")
_LINE_BREAK = regex.compile(r"\r\n|\r|\n")


@lru_cache(maxsize=65536)
def stands_alone(ch: str) -> bool:
    """True if ``ch`` never joins a neighbour into one grapheme cluster, whatever the neighbour.

    Decided by probing ``regex``'s ``\\X`` (``a ch a ch ch`` must give five clusters), so it
    follows whatever Unicode version that engine implements. CR and LF are excluded ("\\r\\n"
    is one cluster). What passes has the break property Other, LV or LVT (CJK, Hangul syllables,
    most letters, pictographs): between two such characters UAX #29 always breaks, and no rule
    looks back across them, which is what makes `GraphemeIndex` local.
    """
    if ch in "\r\n":
        return False
    return len(_GRAPHEME.findall(f"a{ch}a{ch}{ch}")) == 5


@lru_cache(maxsize=65536)
def is_simple_char(ch: str) -> bool:
    """True if ``ch`` is always a grapheme on its own and always one terminal cell wide.

    Lines made only of such characters need no grapheme segmentation and map cells to characters
    one to one, which is the fast path for most newswire text. Decided empirically per character
    (cached) with the same ``regex`` ``\\X`` rules used everywhere else, so the fast path can never
    disagree with the slow one.
    """
    if ch in " \t\n\r":
        return ch == " "
    cat = unicodedata.category(ch)
    if cat[0] in "MCZ" and ch != " ":
        return False  # marks, controls, format chars, surrogates, line/para separators
    from rich.cells import get_character_cell_size  # local: keep import cost off cold paths

    if get_character_cell_size(ch) != 1:
        return False
    probe = f"a{ch}a{ch}{ch}"
    return len(_GRAPHEME.findall(probe)) == 5


@lru_cache(maxsize=65536)
def _token_simple(ch: str) -> bool:
    """True if ``ch`` is always a grapheme cluster of its own, so `_SIMPLE_TOKEN` tokenizes text
    made of such characters exactly as `_TOKEN` does: what `is_simple_char` accepts, plus
    stand-alone spaces such as NO-BREAK SPACE (which newswire copied from the web is full of).
    Cell width does not matter for tokens."""
    return is_simple_char(ch) or (ch.isspace() and ch != "\x85" and stands_alone(ch))


@lru_cache(maxsize=65536)
def _plain_char(ch: str) -> bool:
    """True if `_PLAIN_TOKEN` (``re``, ASCII words) and `_SIMPLE_TOKEN` (``regex``, Unicode words)
    classify ``ch`` alike: both patterns have one shape, so on text made only of such characters
    they find the same tokens. Decided per character by asking both engines."""
    return (_token_simple(ch)
            and bool(_REGEX_WORD.fullmatch(ch)) == bool(_RE_WORD.fullmatch(ch))
            and bool(_REGEX_NOT_SPACE.fullmatch(ch)) == bool(_RE_NOT_SPACE.fullmatch(ch)))


def _all_simple(text: str) -> bool:
    """True if every distinct character in ``text`` is simple (see ``is_simple_char``)."""
    return all(is_simple_char(ch) for ch in set(text))


def grapheme_bounds(text: str) -> list[int]:
    """Sorted extended-grapheme-cluster boundaries of ``text``, from 0 to ``len(text)`` inclusive.

    Uses ``regex``'s ``\\X`` (UAX #29): ZWJ emoji families, combining marks, Hangul syllables
    and regional-indicator flag pairs each form one cluster; "\\r\\n" is one cluster.
    """
    if not text:
        return [0]
    if _all_simple(text):
        return list(range(len(text) + 1))
    bounds = [m.start() for m in _GRAPHEME.finditer(text)]
    bounds.append(len(text))
    return bounds


class GraphemeIndex:
    """Grapheme-cluster boundaries of one text, computed once, each query O(1).

    Only characters that can join a neighbour (marks, joiners, regional indicators, CR/LF,
    Hangul jamo, prepend marks: see `stands_alone`) can put an offset inside a cluster, so only
    the runs of such characters are segmented, each from the stand-alone character before it to
    the one after it (a pair of stand-alone characters is always a boundary, so segmenting from
    there agrees with segmenting from the start of the line). What is kept is the set of offsets
    that fall *inside* a cluster: empty for plain text, small for real text of any script, and
    the work is one C-level scan of the text however long its lines are.
    """

    __slots__ = ("_inside", "length", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.length = len(text)
        self._inside: frozenset[int] = frozenset(_inside_offsets(text))

    def is_boundary(self, offset: int) -> bool:
        """True where no cluster straddles ``offset``; 0 and ``len(text)`` always are."""
        return 0 <= offset <= self.length and offset not in self._inside

    def next_boundary(self, offset: int) -> int:
        """The first boundary after ``offset`` (``len(text)`` at the end): cost one cluster."""
        if offset >= self.length:
            return self.length
        pos = max(offset, -1) + 1
        inside = self._inside
        while pos in inside:
            pos += 1
        return pos

    def prev_boundary(self, offset: int) -> int:
        """The last boundary before ``offset`` (0 at the start): cost one cluster."""
        if offset <= 0:
            return 0
        pos = min(offset, self.length) - 1
        if pos <= 0:
            return 0
        inside = self._inside
        while pos in inside:
            pos -= 1
        return pos


def _inside_offsets(text: str) -> list[int]:
    """Offsets of ``text`` that fall inside a grapheme cluster (see `GraphemeIndex`)."""
    joiners = [ch for ch in set(text) if not stands_alone(ch)]
    if not joiners:
        return []
    runs = regex.compile("[" + "".join(regex.escape(ch) for ch in sorted(joiners)) + "]+")
    inside: list[int] = []
    size = len(text)

    def segment(start: int, end: int) -> None:
        # start and end are boundaries (text start/end or between two stand-alone characters)
        for m in _GRAPHEME.finditer(text[start:end]):
            a, b = m.span()
            if b - a > 1:
                inside.extend(range(start + a + 1, start + b))

    win_start = win_end = -1
    for m in runs.finditer(text):
        a, b = max(0, m.start() - 1), min(size, m.end() + 1)
        if a < win_end:  # overlaps the open window: one stretch to segment
            win_end = b
            continue
        if win_end >= 0:
            segment(win_start, win_end)
        win_start, win_end = a, b
    if win_end >= 0:
        segment(win_start, win_end)
    return inside


_INDEX_CACHE: OrderedDict[tuple[int, int], GraphemeIndex] = OrderedDict()
_INDEX_CACHE_SIZE = 32
_INDEX_LOCK = threading.Lock()


def grapheme_index(text: str) -> GraphemeIndex:
    """The `GraphemeIndex` of ``text``, built once per distinct text and then reused.

    The one cache the store's span checks, the bulk importer and the article view share:
    document text never changes after import, so keying by content (length, hash, then
    identity or equality) is keying by document. The most recent 32 texts are kept.
    """
    key = (len(text), hash(text))
    with _INDEX_LOCK:
        found = _INDEX_CACHE.get(key)
        if found is not None and (found.text is text or found.text == text):
            _INDEX_CACHE.move_to_end(key)
            return found
    index = GraphemeIndex(text)
    with _INDEX_LOCK:
        _INDEX_CACHE[key] = index
        _INDEX_CACHE.move_to_end(key)
        while len(_INDEX_CACHE) > _INDEX_CACHE_SIZE:
            _INDEX_CACHE.popitem(last=False)
    return index


def snap_to_graphemes(text_or_bounds: str | Sequence[int], start: int, end: int) -> tuple[int, int]:
    """Widen ``[start, end)`` so that it never cuts a grapheme cluster in two.

    ``text_or_bounds`` is the text itself or its ``grapheme_bounds``. ``start`` moves left to the
    cluster start, ``end`` moves right to the cluster end. An empty range stays empty (at the
    start of the cluster holding it).
    """
    bounds = grapheme_bounds(text_or_bounds) if isinstance(text_or_bounds, str) else text_or_bounds
    start = max(0, start)
    end = min(bounds[-1], end)
    s = bounds[bisect_right(bounds, start) - 1]
    if end <= start:
        return s, s
    i = bisect_left(bounds, end)
    e = bounds[i] if i < len(bounds) else bounds[-1]
    return s, e


def tokenize(text: str) -> list[tuple[int, int]]:
    """Word tokens of ``text`` as ``(start, end)`` character offsets, in order.

    Rules (kept simple on purpose, and shared by the TUI and every exporter):
    - a word is a run of letters, digits and combining marks, joined over one internal
      apostrophe/hyphen ("don't", "al-Assad") or over ZWNJ/ZWJ (Sorani, Persian);
    - each CJK ideograph or kana is its own token (those scripts use no spaces);
    - every other non-whitespace grapheme is its own token (punctuation, symbols, emoji, flags);
    - whitespace is never a token.
    Token edges always fall on grapheme boundaries (a property test checks this).
    """
    chars = set(text)
    chars.discard("\n")
    chars.discard("\r")
    # Line ends are spaces to every pattern (a CR LF pair is one cluster, but a space one), so a
    # text whose other characters are all simple is tokenized in one pass, without cutting lines.
    if all(_plain_char(ch) for ch in chars):
        return [m.span() for m in _PLAIN_TOKEN.finditer(text)]
    if all(_token_simple(ch) for ch in chars):
        return [m.span() for m in _SIMPLE_TOKEN.finditer(text)]
    tokens: list[tuple[int, int]] = []
    start = 0
    size = len(text)
    while start < size:
        end = text.find("\n", start)
        end = size if end < 0 else end + 1
        line = text[start:end].rstrip("\r\n")
        if all(_token_simple(ch) for ch in set(line)):
            # Every grapheme here is one code point (see is_simple_char), so the plain pattern
            # finds exactly what the general one would, several times faster.
            tokens.extend(m.span() for m in _SIMPLE_TOKEN.finditer(text, start,
                                                                   start + len(line)))
        else:
            tokens.extend(m.span() for m in _TOKEN.finditer(text, start, end)
                          if m.start("ws") < 0)
        start = end
    return tokens


def tokenize_general(text: str) -> list[tuple[int, int]]:
    """`tokenize` without the fast path: the reference the fast path is tested against."""
    return [m.span() for m in _TOKEN.finditer(text) if m.start("ws") < 0]


def line_spans(text: str) -> tuple[list[int], list[int]]:
    """Logical lines of ``text``: ``(starts, content_ends)``.

    Lines end at "\\n", "\\r\\n" or a lone "\\r" (universal newlines, like Python's ``open``); the
    terminator is not part of the line's content and is never displayed. Unicode separators
    (U+2028, U+2029, U+0085, form feed, vertical tab) are *not* line breaks here: they stay in the
    line and are shown as placeholders, unlike ``str.splitlines``.
    """
    starts = [0]
    ends: list[int] = []
    for m in _LINE_BREAK.finditer(text):
        ends.append(m.start())
        starts.append(m.end())
    ends.append(len(text))
    return starts, ends


class TextIndex:
    """Everything about one document's text that needs more than ``str`` indexing.

    Built once per document. Only the line table is computed up front; tokens and grapheme
    boundaries are computed per logical line on first use (a token never crosses a line break),
    and sentences on the first sentence query, so opening a 100k-word article costs one
    ``str.find``-speed scan. The whole-document token list (``tokens``, ``token_starts``,
    ``token_ends``: what exporters index) is built lazily too. Every query is a ``bisect``.
    """

    __slots__ = (
        "_grapheme_cache",
        "_graphemes",
        "_line_token_cache",
        "_piece_ends",
        "_piece_starts",
        "_sentence_starts",
        "_sentences",
        "_token_ends",
        "_token_starts",
        "_tokens",
        "line_ends",
        "line_starts",
        "piece_size",
        "text",
    )

    def __init__(self, text: str, *, piece_size: int = 8_192) -> None:
        self.text = text
        # Long lines are tokenized in pieces of about this many characters (see `_pieces`).
        self.piece_size = piece_size
        self.line_starts, self.line_ends = line_spans(text)
        self._grapheme_cache: dict[int, list[int]] = {}
        self._graphemes: GraphemeIndex | None = None
        self._line_token_cache: dict[int, tuple[list[int], list[int]]] = {}  # by piece
        self._piece_starts: list[int] | None = None
        self._piece_ends: list[int] | None = None
        self._tokens: list[tuple[int, int]] | None = None
        self._token_starts: list[int] = []
        self._token_ends: list[int] = []
        self._sentences: list[tuple[int, int]] | None = None
        self._sentence_starts: list[int] = []

    # -- lines ---------------------------------------------------------------------------------

    @property
    def line_count(self) -> int:
        """Number of logical lines (an empty text has one empty line)."""
        return len(self.line_starts)

    def line_of(self, offset: int) -> int:
        """Index of the logical line holding ``offset`` (a terminator belongs to its line)."""
        return max(0, bisect_right(self.line_starts, offset) - 1)

    def line_range(self, line: int) -> tuple[int, int]:
        """``(start, content_end)`` of a logical line, terminator excluded."""
        return self.line_starts[line], self.line_ends[line]

    # -- graphemes -----------------------------------------------------------------------------

    def line_graphemes(self, line: int) -> list[int]:
        """Document-level grapheme boundaries of one line's content (cached).

        Includes the line start and content end. The terminator is a boundary unit of its own.
        """
        cached = self._grapheme_cache.get(line)
        if cached is None:
            start, end = self.line_range(line)
            cached = [start + b for b in grapheme_bounds(self.text[start:end])]
            self._grapheme_cache[line] = cached
        return cached

    @property
    def graphemes(self) -> GraphemeIndex:
        """The document's `GraphemeIndex` (shared through `grapheme_index`, built on first use)."""
        if self._graphemes is None:
            self._graphemes = grapheme_index(self.text)
        return self._graphemes

    def is_grapheme_boundary(self, offset: int) -> bool:
        """True if ``offset`` does not fall inside a grapheme cluster (or a "\\r\\n")."""
        return self.graphemes.is_boundary(offset)

    def next_grapheme(self, offset: int) -> int:
        """Offset of the next grapheme boundary after ``offset`` (a line break counts as one)."""
        return self.graphemes.next_boundary(offset)

    def prev_grapheme(self, offset: int) -> int:
        """Offset of the previous grapheme boundary before ``offset``."""
        return self.graphemes.prev_boundary(offset)

    def snap_to_graphemes(self, start: int, end: int) -> tuple[int, int]:
        """Widen ``[start, end)`` to whole graphemes (see ``snap_to_graphemes``)."""
        n = len(self.text)
        start, end = max(0, min(start, n)), max(0, min(end, n))
        if not self.is_grapheme_boundary(start):
            start = self.prev_grapheme(start)
        if end > start and not self.is_grapheme_boundary(end):
            end = self.next_grapheme(end)
        return start, max(start, end)

    # -- tokens ------------------------------------------------------------------------------

    def _pieces(self) -> tuple[list[int], list[int]]:
        """Token pieces: each logical line, long lines cut into ~PIECE-character pieces.

        A cut goes right after a space that is a grapheme of its own (no token ever crosses
        one, and the tokenizer restarts cleanly after it), so tokenizing piece by piece gives
        exactly the tokens of the whole line, and a word move near the end of a 600,000
        character line tokenizes a few thousand characters, not the line. Built on first use.
        A line with no such space (e.g. unspaced CJK) stays one piece.
        """
        if self._piece_starts is None:
            starts: list[int] = []
            ends: list[int] = []
            text, size = self.text, self.piece_size
            for start, end in zip(self.line_starts, self.line_ends, strict=True):
                pos = start
                while end - pos > size:
                    cut = text.rfind(" ", pos + size // 2, pos + size)
                    while cut >= 0 and not (self.graphemes.is_boundary(cut)
                                            and self.graphemes.is_boundary(cut + 1)):
                        cut = text.rfind(" ", pos + size // 2, cut)
                    if cut < 0:
                        cut = text.find(" ", pos + size)
                        while cut >= 0 and not (self.graphemes.is_boundary(cut)
                                                and self.graphemes.is_boundary(cut + 1)):
                            cut = text.find(" ", cut + 1, end)
                        if cut < 0 or cut >= end:
                            break
                    starts.append(pos)
                    ends.append(cut + 1)
                    pos = cut + 1
                starts.append(pos)
                ends.append(end)
            self._piece_starts, self._piece_ends = starts, ends
        assert self._piece_ends is not None
        return self._piece_starts, self._piece_ends

    def _piece_of(self, offset: int) -> int:
        starts, _ = self._pieces()
        return max(0, bisect_right(starts, offset) - 1)

    def piece_tokens(self, piece: int) -> tuple[list[int], list[int]]:
        """``(starts, ends)`` of the tokens in one piece of a line (cached)."""
        cached = self._line_token_cache.get(piece)
        if cached is None:
            p_starts, p_ends = self._pieces()
            base = p_starts[piece]
            # pieces end at token edges, so the piece alone tokenizes as it does in the line
            toks = tokenize(self.text[base:p_ends[piece]])
            cached = ([s + base for s, _ in toks], [e + base for _, e in toks])
            self._line_token_cache[piece] = cached
        return cached

    def line_tokens(self, line: int) -> tuple[list[int], list[int]]:
        """``(starts, ends)`` of the tokens on one logical line."""
        p_starts, _ = self._pieces()
        first = self._piece_of(self.line_starts[line])
        last = self._piece_of(self.line_ends[line])
        starts: list[int] = []
        ends: list[int] = []
        for piece in range(first, last + 1):
            if p_starts[piece] < self.line_starts[line]:
                continue  # an empty previous line's piece shares the bisect position
            s, e = self.piece_tokens(piece)
            starts += s
            ends += e
        return starts, ends

    def tokens_between(self, start: int, end: int) -> list[tuple[int, int]]:
        """Tokens overlapping ``[start, end)``, tokenizing only the pieces that range touches
        (a label key near the end of a 600,000-character line tokenizes a few thousand
        characters, not the line)."""
        out: list[tuple[int, int]] = []
        if end <= start:
            return out
        for piece in range(self._piece_of(start), self._piece_of(max(start, end - 1)) + 1):
            starts, ends = self.piece_tokens(piece)
            i = bisect_right(ends, start)
            while i < len(starts) and starts[i] < end:
                out.append((starts[i], ends[i]))
                i += 1
        return out

    def _build_tokens(self) -> None:
        tokens: list[tuple[int, int]] = []
        for piece in range(len(self._pieces()[0])):
            starts, ends = self.piece_tokens(piece)
            tokens.extend(zip(starts, ends, strict=True))
        self._tokens = tokens
        self._token_starts = [t[0] for t in tokens]
        self._token_ends = [t[1] for t in tokens]

    @property
    def tokens(self) -> list[tuple[int, int]]:
        """Every token of the document, in order (same as ``tokenize(text)``)."""
        if self._tokens is None:
            self._build_tokens()
        assert self._tokens is not None
        return self._tokens

    @property
    def token_starts(self) -> list[int]:
        """Start offset of each token in ``tokens``."""
        if self._tokens is None:
            self._build_tokens()
        return self._token_starts

    @property
    def token_ends(self) -> list[int]:
        """End offset of each token in ``tokens``."""
        if self._tokens is None:
            self._build_tokens()
        return self._token_ends

    def token_at(self, offset: int) -> int | None:
        """Document-wide index of the token containing ``offset``, or None."""
        rng = self.token_range_at(offset)
        if rng is None:
            return None
        return bisect_left(self.token_starts, rng[0])

    def token_range_at(self, offset: int) -> tuple[int, int] | None:
        """``(start, end)`` of the token containing ``offset``, or None (no global index)."""
        starts, ends = self.piece_tokens(self._piece_of(offset))
        i = bisect_right(starts, offset) - 1
        if i >= 0 and offset < ends[i]:
            return starts[i], ends[i]
        return None

    def _first_token_ending_after(self, offset: int) -> tuple[int, int] | None:
        """The first token with ``end > offset``, scanning forward over lines."""
        for piece in range(self._piece_of(offset), len(self._pieces()[0])):
            starts, ends = self.piece_tokens(piece)
            i = bisect_right(ends, offset)
            if i < len(ends):
                return starts[i], ends[i]
        return None

    def _last_token_starting_before(self, offset: int) -> tuple[int, int] | None:
        """The last token with ``start < offset``, scanning backward over lines."""
        for piece in range(self._piece_of(offset), -1, -1):
            starts, ends = self.piece_tokens(piece)
            i = bisect_left(starts, offset) - 1
            if i >= 0:
                return starts[i], ends[i]
        return None

    def token_span(self, start: int, end: int) -> tuple[int, int] | None:
        """``(first, last)`` token indices (last inclusive) overlapping ``[start, end)``, or None.

        This is what exporters write as ``token_start``/``token_end`` (Prodigy, spaCy).
        """
        if end <= start:
            i = self.token_at(start)
            return None if i is None else (i, i)
        first = bisect_right(self.token_ends, start)
        last = bisect_left(self.token_starts, end) - 1
        if first > last:
            return None
        return first, last

    def snap_to_tokens(self, start: int, end: int) -> tuple[int, int]:
        """The whole tokens that ``[start, end)`` touches, from the first's start to the last's end.

        A range touching part of a token takes the whole token, and whitespace at either edge is
        dropped (a word-jump selection "army " labels "army"); a range covering only whitespace
        comes back unchanged; an empty range inside a token becomes that token.
        Costs the lines the range touches, not the document.
        """
        if end <= start:
            rng = self.token_range_at(start)
            return rng if rng is not None else (start, end)
        first = self._first_token_ending_after(start)
        last = self._last_token_starting_before(end)
        if first is None or last is None or first[0] >= end or last[1] <= start:
            return start, end
        return first[0], last[1]

    def next_word(self, offset: int) -> int:
        """Start of the first token after ``offset`` (vi ``w``), or the end of the text."""
        for piece in range(self._piece_of(offset), len(self._pieces()[0])):
            starts, _ = self.piece_tokens(piece)
            i = bisect_right(starts, offset)
            if i < len(starts):
                return starts[i]
        return len(self.text)

    def prev_word(self, offset: int) -> int:
        """Start of the last token before ``offset`` (vi ``b``), or 0."""
        found = self._last_token_starting_before(offset)
        return found[0] if found is not None else 0

    # -- sentences -----------------------------------------------------------------------------

    @property
    def sentences(self) -> list[tuple[int, int]]:
        """Sentence spans, whitespace trimmed (computed on first use)."""
        if self._sentences is None:
            self._sentences = self._split_sentences()
            self._sentence_starts = [s for s, _ in self._sentences]
        return self._sentences

    @property
    def sentence_starts(self) -> list[int]:
        """Start offset of each sentence."""
        if self._sentences is None:
            _ = self.sentences
        return self._sentence_starts

    def _split_sentences(self) -> list[tuple[int, int]]:
        """Rule-based sentence spans, whitespace trimmed; good enough for newswire.

        Splits after . ! ? … ؟ ۔ (followed by space or the end, closing quotes allowed) and after
        。！？, and at blank lines. A period after a known abbreviation or a single letter ("U.S.",
        "J.") does not split, nor does one followed by a lowercase letter.
        """
        text = self.text
        cuts: list[int] = []
        for m in _SENT_END.finditer(text):
            s, e = m.span()
            if text[s] == ".":
                w = _WORD_BEFORE_PERIOD.search(text[max(0, s - 12) : s])
                word = w.group(1).lower() if w else ""
                if word.rstrip(".") in _ABBREVIATIONS or len(word.replace(".", "")) == 1:
                    continue
                nxt = _NEXT_VISIBLE.match(text[e : e + 20])
                if nxt and nxt.group(1).islower():
                    continue
            cuts.append(e)
        cuts.append(len(text))
        sentences: list[tuple[int, int]] = []
        prev = 0
        for cut in cuts:
            chunk = text[prev:cut]
            stripped = chunk.strip()
            if stripped:
                lead = len(chunk) - len(chunk.lstrip())
                s = prev + lead
                sentences.append((s, s + len(stripped)))
            prev = cut
        return sentences

    def sentence_at(self, offset: int) -> int | None:
        """Index of the sentence holding ``offset``, or None between sentences."""
        i = bisect_right(self.sentence_starts, offset) - 1
        if i >= 0 and offset < self.sentences[i][1]:
            return i
        return None

    def next_sentence(self, offset: int) -> int:
        """Start of the first sentence after ``offset``, or the end of the text."""
        i = bisect_right(self.sentence_starts, offset)
        return self.sentence_starts[i] if i < len(self.sentence_starts) else len(self.text)

    def prev_sentence(self, offset: int) -> int:
        """Start of the last sentence that starts before ``offset``, or 0."""
        i = bisect_left(self.sentence_starts, offset) - 1
        return self.sentence_starts[i] if i >= 0 else 0
