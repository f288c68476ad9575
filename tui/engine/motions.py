"""Newsroom motions: where the cursor goes next, as plain functions on the text (no terminal).

An annotator's keys go to words, quotes, speech verbs, names and sentences, not to characters.
Each function here takes the document's ``TextIndex`` (tokens and sentences) and an offset and
returns offsets; the article view and the annotation screen only turn keys into these calls.
All of them cost the text they scan from the cursor to the answer, never the whole document
more than once (quote pairs are found in one linear pass and cached by the caller).

- Word motions skip punctuation tokens: ``w`` from "Shawes" in `Shawes, a member` lands on "a",
  not on the comma; selections are trimmed of punctuation at their edges, and a label key on
  punctuation alone labels nothing.
- Quotation pairs: straight ``"..."``, curly ``“...”``, ``«...»``, ``„...“`` (or ``„...”``) and
  ``‹...›``; the inside is selected without the marks, surrounding spaces or a trailing comma
  (English puts the comma of `"...," he said` inside the marks, the guideline leaves it out).
  An unclosed quote ends at a blank line (a quote running over paragraphs reopens each one).
- Speech verbs: a short per-language list (``DEFAULT_SPEECH_VERBS``, overridable in the project
  settings as ``speech_verbs``), matched as whole words, multi-word cues included.
- Names: runs of capitalised words not yet labelled; a sentence's first word counts only if it
  is not a common word ("The", "In", "Not"...).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence

import regex

from copydesk.projects.textutil import TextIndex

__all__ = [
    "DEFAULT_SPEECH_VERBS",
    "find_in_text",
    "next_name",
    "next_quote",
    "next_speech_verb",
    "next_unlabelled_sentence",
    "next_word",
    "prev_quote",
    "prev_word",
    "quote_pairs",
    "speech_verb_pattern",
    "trim_punctuation",
]

Range = tuple[int, int]
IsLabelled = Callable[[int, int], bool]

_WORDLIKE = regex.compile(r"[\p{L}\p{N}]")

DEFAULT_SPEECH_VERBS: dict[str, tuple[str, ...]] = {
    "en": ("said", "says", "say", "told", "tells", "added", "adds", "according to", "stated",
           "noted", "warned", "confirmed", "announced", "explained", "stressed", "claimed",
           "denied", "asked", "replied", "argued", "insisted", "highlighted", "reported"),
    "ar": ("قال", "قالت", "أضاف", "أضافت", "وقال", "وأضاف", "أكد", "صرح", "أعلن", "وفقا ل",
           "بحسب"),
    "ckb": ("گوتی", "وتی", "ووتی", "ڕایگەیاند", "بەگوێرەی"),
}

# Capitalised words that do not start a name: function words anywhere in a run ("The Iraqi army"
# gives "Iraqi"), and common sentence openers at the start of a sentence only.


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_FUNCTION_WORDS = _word_set(
    """a an the this that these those it its he she they we i you his her their our my your
    in on at by for from with without of to into after before during despite while when where
    if as but and or so yet not no nor there here then now also however meanwhile although
    though since because until unless once some many most several all both each every other
    another such what which who whom whose how why according"""
)
_OPENERS = _word_set("""observers officials security analysts police witnesses residents
    sources experts critics""")

# Opening mark -> the closing marks that end it.
_QUOTES: dict[str, str] = {
    "\"": "\"",
    "“": "”",
    "«": "»",
    "„": "“”",
    "‹": "›",
}
_QUOTE_CHARS = regex.compile(r"[\"“”«»„‹›]|\n[ \t\r\f\v]*\n")


def is_word_token(text: str, start: int, end: int) -> bool:
    """A token with a letter or digit (not punctuation, symbols or emoji)."""
    return _WORDLIKE.search(text, start, end) is not None


# ------------------------------------------------------------------ words


def next_word(index: TextIndex, offset: int) -> int:
    """Start of the next word token after ``offset`` (punctuation skipped), or the text end."""
    text = index.text
    pos = offset
    while True:
        pos = index.next_word(pos)
        if pos >= len(text):
            return len(text)
        rng = index.token_range_at(pos)
        if rng is None or is_word_token(text, *rng):
            return pos


def prev_word(index: TextIndex, offset: int) -> int:
    """Start of the previous word token before ``offset`` (punctuation skipped), or 0."""
    text = index.text
    pos = offset
    while pos > 0:
        pos = index.prev_word(pos)
        rng = index.token_range_at(pos)
        if rng is None or is_word_token(text, *rng):
            return pos
    return 0


def trim_punctuation(index: TextIndex, start: int, end: int) -> Range | None:
    """``[start, end)`` without punctuation tokens (or whitespace) at either edge.

    None when nothing but punctuation is left: a label key on a lone comma or quote mark must
    not make a span. A range that touches no token at all comes back unchanged (the caller's
    rules for whitespace apply).
    """
    text = index.text
    tokens = _tokens_in(index, start, end)
    if not tokens:
        return start, end
    words = [t for t in tokens if is_word_token(text, *t)]
    if not words:
        return None
    first, last = words[0], words[-1]
    # keep partial edges of the original range (snapping off) inside the first/last word
    return max(start, first[0]), min(end, last[1])


def _tokens_in(index: TextIndex, start: int, end: int) -> list[Range]:
    """Tokens overlapping ``[start, end)`` (cost: the line pieces the range spans)."""
    if end <= start:
        rng = index.token_range_at(start)
        return [rng] if rng is not None else []
    return index.tokens_between(start, end)


# ------------------------------------------------------------------ quotation marks


def quote_pairs(text: str) -> list[Range]:
    """``(open, close)`` offsets of every matched quotation-mark pair, in order of opening.

    One pass: an open mark waits for one of its closing marks; a straight quote closes the
    straight quote that is open; a blank line drops whatever is still open. Pairs of different
    kinds may nest (`“... ‹...› ...”`).
    """
    pairs: list[Range] = []
    stack: list[tuple[str, int]] = []  # (opening mark, offset)
    for m in _QUOTE_CHARS.finditer(text):
        ch = m.group()
        pos = m.start()
        if ch[0] == "\n":
            stack.clear()
            continue
        closed = False
        for depth in range(len(stack) - 1, -1, -1):
            mark, at = stack[depth]
            if ch in _QUOTES[mark]:
                pairs.append((at, pos))
                del stack[depth:]
                closed = True
                break
        if not closed and ch in _QUOTES:
            stack.append((ch, pos))
    pairs.sort()
    return pairs


def quote_inside(text: str, pair: Range) -> Range:
    """What a quote's content span covers: inside the marks, trimmed of spaces and a final
    comma (never empty: an empty pair gives its inside as it is)."""
    start, end = pair[0] + 1, pair[1]
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",،"):
        end -= 1
    return start, end


def next_quote(text: str, pairs: Sequence[Range], offset: int) -> Range | None:
    """The inside of the first quote whose inside starts after ``offset`` (so a second press,
    with the cursor at the start of a selected inside, goes on to the next quote)."""
    for pair in pairs:
        inside = quote_inside(text, pair)
        if inside[0] > offset and inside[1] > inside[0]:
            return inside
    return None


def prev_quote(text: str, pairs: Sequence[Range], offset: int) -> Range | None:
    """The inside of the last quote whose inside starts before ``offset``."""
    found = None
    for pair in pairs:
        inside = quote_inside(text, pair)
        if inside[0] >= offset:
            break
        if inside[1] > inside[0]:
            found = inside
    return found


# ------------------------------------------------------------------ speech verbs


def speech_verb_pattern(verbs: Mapping[str, Iterable[str]] | Iterable[str]) -> regex.Pattern[str]:
    """One pattern for every listed cue, longest first, as whole words (any script)."""
    words: set[str] = set()
    if isinstance(verbs, Mapping):
        for group in verbs.values():
            words.update(w.strip() for w in group if w.strip())
    else:
        words.update(w.strip() for w in verbs if w.strip())
    if not words:
        return regex.compile(r"(?!x)x")  # matches nothing
    alternation = "|".join(
        r"\s+".join(regex.escape(part) for part in w.split())
        for w in sorted(words, key=len, reverse=True)
    )
    letter = r"[\p{L}\p{M}\p{N}]"
    return regex.compile(rf"(?<!{letter})(?:{alternation})(?!{letter})", regex.IGNORECASE)


def _skipped(skip: Range | Sequence[Range] | None, offset: int) -> bool:
    """Whether ``offset`` lies in ``skip``: one range, or the pieces of a split quote (its
    source and cue sit *between* the pieces, so the outer bounds must not be skipped)."""
    if skip is None:
        return False
    ranges: Sequence[Range] = [skip] if isinstance(skip[0], int) else skip  # type: ignore[list-item]
    return any(a <= offset < b for a, b in ranges)


def next_speech_verb(text: str, offset: int, pattern: regex.Pattern[str],
                     skip: Range | Sequence[Range] | None = None) -> Range | None:
    """The next cue after ``offset`` (wrapping to the start), outside ``skip`` (the quote
    being attributed, or its pieces: a "said" inside it is not its cue)."""
    for lo, last_start in ((offset + 1, len(text)), (0, offset)):
        pos = max(0, lo)
        while True:
            m = pattern.search(text, pos)
            if m is None or m.start() > last_start:
                break
            if not _skipped(skip, m.start()):
                return m.span()
            pos = m.end()
    return None


# ------------------------------------------------------------------ names and sentences


def _name_runs(index: TextIndex, offset: int) -> Iterable[Range]:
    """Runs of capitalised word tokens separated by single spaces that start after ``offset``
    (the rest of a run holding ``offset`` is skipped, so repeated presses go run by run)."""
    text = index.text
    starts = index.token_starts
    ends = index.token_ends
    n = len(starts)

    def capital(k: int) -> bool:
        return is_word_token(text, starts[k], ends[k]) and text[starts[k]].isupper()

    def joined(k: int) -> bool:  # token k+1 continues the run of token k
        return (k + 1 < n and starts[k + 1] == ends[k] + 1 and text[ends[k]] == " "
                and capital(k + 1))

    i = bisect_right(starts, offset)
    while 0 < i < n and capital(i - 1) and joined(i - 1):
        i += 1  # inside the run under the cursor: go past it
    while i < n:
        if not capital(i):
            i += 1
            continue
        j = i
        while joined(j):
            j += 1
        first = i
        sent = index.sentence_at(starts[i])
        opener = sent is not None and _first_word_start(index, sent) == starts[i]
        while first <= j:
            word = text[starts[first]:ends[first]].lower()
            if word in _FUNCTION_WORDS or (opener and first == i and word in _OPENERS):
                first += 1
                continue
            break
        if first <= j:
            yield starts[first], ends[j]
        i = j + 1


def _first_word_start(index: TextIndex, sentence: int) -> int:
    start, end = index.sentences[sentence]
    pos = start
    rng = index.token_range_at(pos)
    while pos < end and (rng is None or not is_word_token(index.text, *rng)):
        pos = index.next_word(pos)
        rng = index.token_range_at(pos)
    return pos


def next_name(index: TextIndex, offset: int, is_labelled: IsLabelled,
              skip: Range | Sequence[Range] | None = None) -> Range | None:
    """The next run of capitalised words after ``offset`` that no span labels yet (and that is
    not inside ``skip``, e.g. the quote, or the pieces of the quote, whose source is sought)."""
    for start, end in _name_runs(index, offset):
        if _skipped(skip, start):
            continue
        if not is_labelled(start, end):
            return start, end
    return None


def next_unlabelled_sentence(index: TextIndex, offset: int, is_labelled: IsLabelled) -> int | None:
    """Start of the first sentence after ``offset`` that holds no span at all."""
    starts = index.sentence_starts
    for i in range(bisect_right(starts, offset), len(starts)):
        start, end = index.sentences[i]
        if not is_labelled(start, end):
            return start
    return None


# ------------------------------------------------------------------ search


def find_in_text(text: str, query: str, offset: int, *, backwards: bool = False
                 ) -> Range | None:
    """Next (or previous) match of ``query`` from ``offset``, wrapping around the document.

    Smart case: a query with a capital letter matches case exactly, otherwise case is ignored.
    ``offset`` itself counts going forward (typing more letters keeps the same match).
    """
    if not query:
        return None
    flags = regex.V1 if any(ch.isupper() for ch in query) else regex.V1 | regex.IGNORECASE
    pattern = regex.compile(regex.escape(query), flags)
    if not backwards:
        m = pattern.search(text, offset) or pattern.search(text)
        return m.span() if m else None
    back = regex.compile(regex.escape(query), flags | regex.REVERSE)
    # a literal match is as long as the query, so ending by here means starting before offset
    m = back.search(text, 0, max(0, offset - 1 + len(query))) or back.search(text)
    return m.span() if m else None
