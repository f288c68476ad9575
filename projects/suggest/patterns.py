"""Patterns and gazetteers: spaCy `EntityRuler` JSONL and plain name lists, matched without spaCy.

Inputs (one `--patterns` per file):
- `*.jsonl`: spaCy EntityRuler lines, `{"label": "GPE", "pattern": "Kirkuk"}` (a phrase) or
  `{"label": "ORG", "pattern": [{"LOWER": "al"}, {"IS_TITLE": true, "OP": "+"}]}` (tokens).
  Token keys: ORTH/TEXT, LOWER and SHAPE (spaCy's word shape: "Xxxxx", "dddd", "X.X."), each a
  string or a dict of predicates that must all hold: {"IN": [...]}, {"NOT_IN": [...]},
  {"REGEX": "..."} (the `regex` package, Python `re` syntax, searched anywhere in the value,
  as spaCy does, within a time budget: see `REGEX_SECONDS`); IS_TITLE,
  IS_UPPER, IS_LOWER, IS_ALPHA, IS_DIGIT, IS_PUNCT, LENGTH, and OP one of `! ? + * 1`.
  An optional "id" is ignored. Anything else is refused with the file and line.
- a gazetteer: one name per line, all of one label given as `LABEL=FILE`, or by a first line
  `# label: LABEL` in the file. Blank lines and other `#` lines are skipped.

Matching is token-based (the project's own tokenizer, `projects.textutil.tokenize`), so a
suggestion always starts and ends on token edges, as a hand-made span does. Phrases and names go
into one token trie (first token -> dict walk), so the cost per document is one dict lookup per
token plus the length of actual matches, whatever the number of names. `Fold` makes matching
insensitive to Unicode normalization (NFC/NFD), letter case, or combining marks (Arabic harakat,
Latin accents) where asked; offsets always point into the exact stored text.

Overlapping matches are resolved as spaCy's `filter_spans` does: the longest wins, then the
earliest; a phrase and a token pattern compete on equal terms.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import regex

from copydesk.projects.errors import StoreError
from copydesk.projects.suggest import phrases
from copydesk.projects.textutil import tokenize

_END = "\x00end"  # trie key holding the labels of names ending here (no token can equal it)
_WORD = regex.compile(r"[\p{L}\p{M}\p{N}]")
_TOKEN_KEYS = {"ORTH", "TEXT", "LOWER", "SHAPE", "IS_TITLE", "IS_UPPER", "IS_LOWER",
               "IS_ALPHA", "IS_DIGIT", "IS_PUNCT", "LENGTH", "OP"}
_STRING_KEYS = ("ORTH", "TEXT", "LOWER", "SHAPE")  # compared as strings, with predicates
_PREDICATES = ("IN", "NOT_IN", "REGEX")
_OPS = {"!", "?", "+", "*", "1"}
# Time budget of one REGEX test on one token. Article text is untrusted: a pattern such as
# `(a|aa)+$` over one long token backtracks for hours. A test that runs out stops that pattern
# on that document (reported as a RegexTimeout), and matching goes on.
REGEX_SECONDS = 0.2


@dataclass(frozen=True)
class RegexTimeout:
    """A REGEX predicate that ran out of time: where the pattern was read, the expression,
    and the line (1-based) and token of the text it was testing."""

    where: str
    pattern: str
    line: int
    token: str

    def message(self, document: str) -> str:
        token = self.token if len(self.token) <= 40 else self.token[:39] + "…"
        return (f"{self.where}: REGEX {self.pattern!r} ran out of time ({REGEX_SECONDS:g} s) "
                f"on {document}, line {self.line} (token {token!r}); that pattern was skipped "
                "on that document")


class _TimedOut(Exception):
    """Raised out of the matcher to the pattern loop: (spec, token index)."""

    def __init__(self, spec: TokenSpec, index: int, pattern: str) -> None:
        super().__init__(pattern)
        self.spec, self.index, self.pattern = spec, index, pattern


class PatternError(StoreError):
    """A pattern file that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class Fold:
    """How tokens are compared: each option makes matching insensitive to one kind of variation.

    `nfc`: NFC and NFD spellings match (composed vs decomposed accents or Arabic hamza forms).
    `case`: full Unicode case folding. `marks`: combining marks are ignored (Arabic harakat,
    shadda, Latin accents), which implies `nfc`.
    """

    nfc: bool = False
    case: bool = False
    marks: bool = False

    def function(self) -> Callable[[str], str]:
        steps: list[Callable[[str], str]] = []
        if self.marks:
            steps.append(_strip_marks)
        elif self.nfc:
            steps.append(lambda s: unicodedata.normalize("NFC", s))
        if self.case:
            steps.append(str.casefold)
        if not steps:
            return _identity
        if len(steps) == 1:
            return steps[0]
        first, second = steps

        def both(s: str) -> str:
            return second(first(s))

        return both


def _identity(s: str) -> str:
    return s


@lru_cache(maxsize=65536)
def _strip_marks(s: str) -> str:
    if s.isascii():
        return s
    decomposed = unicodedata.normalize("NFD", s)
    kept = "".join(ch for ch in decomposed if not unicodedata.category(ch).startswith("M"))
    return unicodedata.normalize("NFC", kept)


@dataclass(frozen=True)
class TokenSpec:
    """One element of a token pattern: tests on one token, and how often it may repeat."""

    tests: tuple[tuple[str, Any], ...]
    op: str = "1"
    # where the pattern was read (`FILE:LINE`), for a timeout report
    where: str = field(default="", compare=False)

    def matches(self, text: str) -> bool:
        ok = all(_test(key, value, text) for key, value in self.tests)
        return not ok if self.op == "!" else ok


def word_shape(text: str) -> str:
    """spaCy's `Token.shape_`: letters become x/X, digits d, anything else stays, and a run of
    one kind is cut after four ("Kirkuk" -> "Xxxxx", "2024" -> "dddd", "U.S." -> "X.X.")."""
    if len(text) >= 100:
        return "LONG"
    shape: list[str] = []
    last = ""
    seq = 0
    for char in text:
        if char.isalpha():
            kind = "X" if char.isupper() else "x"
        elif char.isdigit():
            kind = "d"
        else:
            kind = char
        if kind == last:
            seq += 1
        else:
            seq = 0
            last = kind
        if seq < 4:
            shape.append(kind)
    return "".join(shape)


def _test(key: str, value: Any, text: str) -> bool:
    if key in _STRING_KEYS:
        probe = (text.lower() if key == "LOWER" else word_shape(text) if key == "SHAPE"
                 else text)
        if isinstance(value, dict):
            inside = value.get("IN")
            if inside is not None and probe not in inside:
                return False
            outside = value.get("NOT_IN")
            if outside is not None and probe in outside:
                return False
            pattern = value.get("REGEX")
            return pattern is None or pattern.search(probe, timeout=REGEX_SECONDS) is not None
        return probe == value
    if key == "IS_TITLE":
        return text.istitle() == value
    if key == "IS_UPPER":
        return text.isupper() == value
    if key == "IS_LOWER":
        return text.islower() == value
    if key == "IS_ALPHA":
        return text.isalpha() == value
    if key == "IS_DIGIT":
        return text.isdigit() == value
    if key == "IS_PUNCT":
        return (_WORD.search(text) is None) == value
    if key == "LENGTH":
        return len(text) == value
    raise AssertionError(key)  # pragma: no cover - keys are checked when read


@dataclass
class PatternSet:
    """Everything read from the `--patterns` files, ready to match."""

    fold: Fold = field(default_factory=Fold)
    trie: dict[str, Any] = field(default_factory=dict)
    token_patterns: list[tuple[str, tuple[TokenSpec, ...]]] = field(default_factory=list)
    names: int = 0
    # The compiled first-token matcher and whole-text folder (built on first use; adding a
    # phrase drops the matcher so it is rebuilt with the new name).
    _firsts: phrases.FirstTokenIndex | None = field(default=None, init=False, repr=False,
                                                     compare=False)
    _folder: phrases.TextFolder | None = field(default=None, init=False, repr=False,
                                                compare=False)
    # id of a TokenSpec in `token_patterns` -> (the spec, token text -> does it pass)
    _spec_memo: dict[int, tuple[TokenSpec, dict[str, bool]]] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    # REGEX tests that ran out of time since the last `take_timeouts` (see REGEX_SECONDS)
    timeouts: list[RegexTimeout] = field(default_factory=list, init=False, repr=False,
                                         compare=False)

    def take_timeouts(self) -> list[RegexTimeout]:
        """The timeouts of the texts matched since the last call, and forget them."""
        out, self.timeouts = self.timeouts, []
        return out

    @property
    def labels(self) -> set[str]:
        found: set[str] = {label for label, _ in self.token_patterns}
        stack = [self.trie]
        while stack:
            node = stack.pop()
            for key, value in node.items():
                if key == _END:
                    found.update(value)
                else:
                    stack.append(value)
        return found

    def add_phrase(self, label: str, phrase: str) -> bool:
        """Add one name; False when it has no token (blank or only whitespace)."""
        fold = self.fold.function()
        toks = [fold(phrase[s:e]) for s, e in tokenize(phrase)]
        if not toks:
            return False
        self._firsts = None
        node = self.trie
        for tok in toks:
            node = node.setdefault(tok, {})
        labels = node.setdefault(_END, [])
        if label not in labels:
            labels.append(label)
        self.names += 1
        return True

    def match(self, text: str, tokens: Sequence[tuple[int, int]] | None = None,
              keys: Sequence[str] | None = None) -> list[tuple[str, int, int]]:
        """(label, start, end) of every kept match in `text`, in text order.

        `tokens` and `keys` (the tokens already folded with this set's `fold`) may be passed by
        a caller that has them, to save tokenizing and folding twice. Without them, a set of
        phrases only (gazetteers) is matched by the compiled matcher (`phrases`), which
        tokenizes only around candidate names; token patterns need every token.
        """
        if tokens is None and not self.token_patterns and phrases.available():
            fast = self._match_phrases(text)
            if fast is not None:
                return fast
        return self.match_tokens(text, tokens, keys)

    def match_tokens(self, text: str, tokens: Sequence[tuple[int, int]] | None = None,
                     keys: Sequence[str] | None = None) -> list[tuple[str, int, int]]:
        """`match` over every token of the text: the reference the fast path must equal."""
        toks = tokenize(text) if tokens is None else tokens
        fold = self.fold.function()
        raw = [text[s:e] for s, e in toks]
        if keys is None:
            keys = raw if fold is _identity else [fold(t) for t in raw]
        found: list[tuple[int, int, str]] = []  # (first token, last token + 1, label)
        trie = self.trie
        n = len(keys)
        for i in range(n):
            node = trie.get(keys[i])
            j = i
            while node is not None:
                j += 1
                labels = node.get(_END)
                if labels:
                    found.extend((i, j, label) for label in labels)
                if j >= n:
                    break
                node = node.get(keys[j])
        for label, specs in self.token_patterns:
            try:
                ends = _pattern_ends(specs, raw, self._spec_memo)
            except _TimedOut as exc:
                start = toks[exc.index][0]
                self.timeouts.append(RegexTimeout(exc.spec.where, exc.pattern,
                                                  text.count("\n", 0, start) + 1,
                                                  raw[exc.index]))
                continue
            found.extend((i, end, label) for i, end in enumerate(ends)
                         if end is not None and end > i)
        kept = _filter_spans(found)
        return [(label, toks[i][0], toks[j - 1][1]) for i, j, label in kept]

    def _match_phrases(self, text: str) -> list[tuple[str, int, int]] | None:
        """Phrase matches through the compiled matcher, or None when the text's fold cannot
        be aligned with per-token folding (then the caller tokenizes everything)."""
        if "" in self.trie:
            return None  # a first token that folds to nothing (a lone mark): not searchable
        if self._folder is None:
            f = self.fold
            self._folder = phrases.TextFolder(f.nfc, f.case, f.marks, _strip_marks)
        folded = self._folder.build(text)
        if folded is None:
            return None
        if self._firsts is None:
            self._firsts = phrases.FirstTokenIndex(k for k in self.trie if k != _END)
        starts = self._firsts.starts(folded.text)
        hits = starts if folded.aligned else {
            pos for f in starts for pos in folded.originals(f)}
        if not hits:
            return []
        fold = self.fold.function()
        lazy = phrases.LazyTokens(text)
        # (start, end, label) -> the starts of its tokens: what `_filter_char_spans` ranks
        found: dict[tuple[int, int, str], tuple[int, ...]] = {}
        quick = self._walk_quick
        for pos in sorted(hits):
            if not quick(text, pos, fold, found) and not phrases.inside_word(text, pos):
                self._walk_lazy(text, pos, fold, lazy, found)
        return _filter_char_spans(found)

    def _walk_quick(self, text: str, pos: int, fold: Callable[[str], str],
                    found: dict[tuple[int, int, str], tuple[int, ...]]) -> bool:
        """Walk the trie from `pos` over tokens `phrases.QUICK_TOKEN` decides; False (nothing
        recorded) when some token on the way needs the tokenizer."""
        m = phrases.QUICK_TOKEN.match(text, pos)
        if m is None:
            return False
        end = m.end()
        node = self.trie.get(text[pos:end] if fold is _identity else fold(text[pos:end]))
        if node is None:
            return True
        labels = node.get(_END)
        if labels and len(node) == 1:  # the usual case: a one-token name, nothing longer
            for label in labels:
                found[(pos, end, label)] = (pos,)
            return True
        path = [pos]
        mine: list[tuple[tuple[int, int, str], tuple[int, ...]]] = []
        while node is not None:
            labels = node.get(_END)
            if labels:
                mine.extend(((pos, end, label), tuple(path)) for label in labels)
            if len(node) == (1 if labels else 0):
                break  # no longer phrase goes on from here
            nxt = phrases.next_start(text, end)
            if nxt is None:
                break
            m = phrases.QUICK_TOKEN.match(text, nxt)
            if m is None:
                return False
            end = m.end()
            node = node.get(fold(text[nxt:end]))
            path.append(nxt)
        found.update(mine)
        return True

    def _walk_lazy(self, text: str, pos: int, fold: Callable[[str], str],
                   lazy: phrases.LazyTokens,
                   found: dict[tuple[int, int, str], tuple[int, ...]]) -> None:
        """Walk the trie from `pos` over the tokenizer's own tokens (tokenized on demand)."""
        i = lazy.token_at(pos, 0)
        if i is None:
            return
        tok = lazy.tokens[i]
        node = self.trie.get(fold(text[tok[0]:tok[1]]))
        path = [tok[0]]
        while node is not None:
            labels = node.get(_END)
            if labels:
                for label in labels:
                    found[(pos, tok[1], label)] = tuple(path)
            if len(node) == (1 if labels else 0):
                break
            nxt = lazy.get(i + len(path))
            if nxt is None:
                break
            node = node.get(fold(text[nxt[0]:nxt[1]]))
            tok = nxt
            path.append(nxt[0])

_MEMO_LIMIT = 200_000  # token texts remembered per token spec before the memo starts afresh


def _pattern_ends(specs: Sequence[TokenSpec], toks: Sequence[str],
                  memo: dict[int, tuple[TokenSpec, dict[str, bool]]]) -> list[int | None]:
    """For every start token, the furthest token index the pattern can reach from it (None:
    no match): `_longest_match` for all starts at once.

    Bottom-up over the (spec, token) states, each computed once whatever the start, so the cost
    is tokens x pattern length (a `+` over a long run of title-case words stays linear, where
    a search per start would be quadratic). Each spec is tested once per distinct token text.
    """
    n = len(toks)
    here: list[list[bool]] = []
    for spec in specs:
        entry = memo.get(id(spec))  # (TokenSpec holds dicts, so it cannot be a key itself)
        if entry is None or entry[0] is not spec or len(entry[1]) > _MEMO_LIMIT:
            entry = memo[id(spec)] = (spec, {})
        seen = entry[1]
        row = []
        for index, tok in enumerate(toks):
            ok = seen.get(tok)
            if ok is None:
                try:
                    ok = seen[tok] = spec.matches(tok)
                except TimeoutError as exc:
                    raise _TimedOut(spec, index, _regex_of(spec)) from exc
            row.append(ok)
        here.append(row)
    if specs[0].op in ("1", "!", "+") and not any(here[0]):
        return [None] * n  # the first token of the pattern occurs nowhere
    reach: list[int | None] = list(range(n + 1))  # after the last spec: the pattern ends here
    for k in range(len(specs) - 1, -1, -1):
        op, hits = specs[k].op, here[k]
        cur: list[int | None] = [None] * (n + 1)
        for i in range(n - 1, -1, -1):  # right to left: `+` and `*` read cur[i + 1]
            best = reach[i] if op in ("?", "*") else None
            if hits[i]:
                for cand in ((reach[i + 1],) if op in ("1", "!", "?")
                             else (reach[i + 1], cur[i + 1])):
                    if cand is not None and (best is None or cand > best):
                        best = cand
            cur[i] = best
        if op in ("?", "*"):
            cur[n] = reach[n]
        reach = cur
    return reach[:n]


def _regex_of(spec: TokenSpec) -> str:
    """The REGEX source(s) of a spec, for a timeout report."""
    return " / ".join(value["REGEX"].pattern for _key, value in spec.tests
                      if isinstance(value, dict) and "REGEX" in value)


def _longest_match(specs: Sequence[TokenSpec], toks: Sequence[str], start: int) -> int | None:
    """The furthest token index a token pattern can reach from `start`, or None.

    Backtracking over the operators, one start at a time: the reference `_pattern_ends` is
    tested against (a test compares them on random patterns and tokens).
    """
    best: int | None = None
    seen: set[tuple[int, int]] = set()
    stack = [(0, start)]
    while stack:
        k, i = stack.pop()
        if (k, i) in seen:
            continue
        seen.add((k, i))
        if k == len(specs):
            if best is None or i > best:
                best = i
            continue
        spec = specs[k]
        here = i < len(toks) and spec.matches(toks[i])
        if spec.op in ("1", "!"):
            if here:
                stack.append((k + 1, i + 1))
        elif spec.op == "?":
            stack.append((k + 1, i))
            if here:
                stack.append((k + 1, i + 1))
        elif spec.op in ("+", "*"):
            if spec.op == "*":
                stack.append((k + 1, i))
            if here:
                stack.append((k + 1, i + 1))  # stop after this one
                stack.append((k, i + 1))  # or take more
    return best


def _filter_spans(found: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Longest first, then earliest (spaCy's filter_spans); no two kept matches share a token."""
    ordered = sorted(set(found), key=lambda m: (-(m[1] - m[0]), m[0], m[2]))
    taken: set[int] = set()
    kept: list[tuple[int, int, str]] = []
    for i, j, label in ordered:
        if any(t in taken for t in range(i, j)):
            continue
        taken.update(range(i, j))
        kept.append((i, j, label))
    kept.sort()
    return kept


def _filter_char_spans(found: dict[tuple[int, int, str], tuple[int, ...]]
                       ) -> list[tuple[str, int, int]]:
    """`_filter_spans` over (start, end, label) -> token starts: the same ranking (most
    tokens, then earliest, then label) and the same rule (no two kept matches share a token)."""
    ordered = sorted(found.items(), key=lambda m: (-len(m[1]), m[0][0], m[0][2]))
    taken: set[int] = set()
    kept: list[tuple[int, int, str]] = []
    for (start, end, label), toks in ordered:
        if any(t in taken for t in toks):
            continue
        taken.update(toks)
        kept.append((start, end, label))
    kept.sort()
    return [(label, start, end) for start, end, label in kept]


# --------------------------------------------------------------------------- reading files
def _predicates(key: str, given: dict[str, Any], where: str) -> dict[str, Any]:
    """{"IN": [...], "NOT_IN": [...], "REGEX": "..."} (any of them, all must hold), checked and
    made ready to test: sets for IN/NOT_IN (lower-cased for LOWER), a compiled REGEX."""
    usage = (f"{key} takes a string or a dict of {', '.join(_PREDICATES)} "
             '(e.g. {"IN": ["a", "b"]} or {"REGEX": "^al-"})')
    if not given or set(given) - set(_PREDICATES):
        raise PatternError(f"{where}: {usage}")
    out: dict[str, Any] = {}
    for name, items in given.items():
        if name == "REGEX":
            if not isinstance(items, str):
                raise PatternError(f"{where}: {key} REGEX takes a string")
            try:
                out[name] = regex.compile(items)
            except (regex.error, ValueError) as exc:
                raise PatternError(f"{where}: {key} REGEX {items!r} is not a valid regular "
                                   f"expression ({exc})") from exc
            continue
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
            raise PatternError(f"{where}: {usage}")
        out[name] = frozenset(v.lower() if key == "LOWER" else v for v in items)
    return out


# --------------------------------------------------------------------------- reading files
def parse_patterns_arg(arg: str) -> tuple[str | None, Path]:
    """`LABEL=FILE` -> (LABEL, FILE); a bare FILE -> (None, FILE).

    A label is letters, digits, `.`, `_` or `-`; a path holding `=` elsewhere stays a path.
    """
    label, sep, rest = arg.partition("=")
    if sep and label and regex.fullmatch(r"[\w.\-]+", label) and rest:
        return label, Path(rest)
    return None, Path(arg)


def load_patterns(args: Sequence[str], *, fold: Fold | None = None,
                  known_labels: Iterable[str] | None = None) -> PatternSet:
    """Read every `--patterns` argument into one PatternSet; refuses labels not in the schema."""
    patterns = PatternSet(fold=fold or Fold())
    known = set(known_labels) if known_labels is not None else None
    for arg in args:
        label, path = parse_patterns_arg(arg)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError as exc:
            raise PatternError(f"{path}: no such file") from exc
        except UnicodeDecodeError as exc:
            raise PatternError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
        except OSError as exc:
            raise PatternError(f"{path}: {exc.strerror}") from exc
        if label is None and path.suffix.lower() == ".jsonl":
            _read_jsonl(patterns, path, text, known)
        else:
            _read_gazetteer(patterns, path, text, label, known)
    return patterns


def _check_label(label: object, where: str, known: set[str] | None) -> str:
    if not isinstance(label, str) or not label:
        raise PatternError(f"{where}: `label` must be a non-empty string")
    if known is not None and label not in known:
        raise PatternError(f"{where}: label {label!r} is not in the project's schema "
                           f"(labels: {', '.join(sorted(known))})")
    return label


def _read_gazetteer(patterns: PatternSet, path: Path, text: str, label: str | None,
                    known: set[str] | None) -> None:
    lines = text.splitlines()
    if label is None:
        head = regex.match(r"#\s*label\s*:\s*(\S+)\s*$", lines[0] if lines else "")
        if head is None:
            raise PatternError(f"{path}:1: a gazetteer needs its label: pass LABEL={path} or "
                               "start the file with a line `# label: LABEL`")
        label = head.group(1)
    label = _check_label(label, f"{path}", known)
    added = 0
    for line in lines:
        name = line.strip()
        if name and not name.startswith("#"):
            added += patterns.add_phrase(label, name)
    if not added:
        raise PatternError(_empty(path, "names"))


def _empty(path: Path, what: str) -> str:
    """Why an empty list is refused: run as it is, it would silently replace every earlier
    pattern suggestion with nothing."""
    return (f"{path}: no {what} in the file; running it would remove the earlier "
            f"suggest:patterns suggestions. Add {what}, or remove them on purpose with "
            "`copydesk suggest --clear --source suggest:patterns`")


def _read_jsonl(patterns: PatternSet, path: Path, text: str, known: set[str] | None) -> None:
    if not text.strip():
        raise PatternError(_empty(path, "patterns"))
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PatternError(f"{where}: not JSON ({exc.msg})") from exc
        if not isinstance(entry, dict) or "pattern" not in entry:
            raise PatternError(f"{where}: expected {{\"label\": ..., \"pattern\": ...}}")
        label = _check_label(entry.get("label"), where, known)
        pattern = entry["pattern"]
        if isinstance(pattern, str):
            if not patterns.add_phrase(label, pattern):
                raise PatternError(f"{where}: the phrase pattern is empty")
        elif isinstance(pattern, list) and pattern:
            patterns.token_patterns.append((label, tuple(_token_spec(t, where)
                                                          for t in pattern)))
        else:
            raise PatternError(f"{where}: `pattern` must be a phrase or a non-empty list of "
                               "token dicts")


def _token_spec(token: object, where: str) -> TokenSpec:
    if not isinstance(token, dict):
        raise PatternError(f"{where}: each token pattern must be a JSON object")
    unknown = set(token) - _TOKEN_KEYS
    if unknown:
        raise PatternError(f"{where}: token attribute(s) {', '.join(sorted(unknown))} are not "
                           f"supported; use {', '.join(sorted(_TOKEN_KEYS))}")
    op = str(token.get("OP", "1"))
    if op not in _OPS:
        raise PatternError(f"{where}: OP {op!r} is not one of {' '.join(sorted(_OPS))}")
    tests: list[tuple[str, Any]] = []
    for key, value in token.items():
        if key == "OP":
            continue
        if key in _STRING_KEYS:
            if isinstance(value, dict):
                value = _predicates(key, value, where)
            elif not isinstance(value, str):
                raise PatternError(f"{where}: {key} takes a string")
            key = "TEXT" if key == "ORTH" else key
        elif key == "LENGTH":
            if not isinstance(value, int) or isinstance(value, bool):
                raise PatternError(f"{where}: LENGTH takes a whole number")
        elif not isinstance(value, bool):
            raise PatternError(f"{where}: {key} takes true or false")
        tests.append((key, value))
    return TokenSpec(tuple(tests), op, where)
