"""Patterns and gazetteers: spaCy EntityRuler JSONL and name lists, matched without spaCy."""

from __future__ import annotations

import itertools
import json
import random
import unicodedata
from pathlib import Path

import pytest

from copydesk.projects.suggest import phrases
from copydesk.projects.suggest.patterns import (
    Fold,
    PatternError,
    PatternSet,
    _longest_match,
    _pattern_ends,
    _token_spec,
    load_patterns,
    parse_patterns_arg,
    word_shape,
)
from copydesk.projects.textutil import tokenize

LABELS = ["PERSON", "ORG", "GPE", "LOC"]


def write_jsonl(path: Path, entries: list[dict]) -> Path:
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries),
                    encoding="utf-8")
    return path


def found(patterns: PatternSet, text: str) -> list[tuple[str, str]]:
    return [(label, text[s:e]) for label, s, e in patterns.match(text)]


def test_gazetteer_with_label_argument_and_with_header(tmp_path: Path) -> None:
    places = tmp_path / "places.txt"
    places.write_text("Kirkuk\nErbil\n\n# a comment\nSulaymaniyah Governorate\n", "utf-8")
    orgs = tmp_path / "orgs.txt"
    orgs.write_text("# label: ORG\nKurdistan Toilers' Party\n", "utf-8")
    patterns = load_patterns([f"GPE={places}", str(orgs)], known_labels=LABELS)
    text = ("Leaders in Kirkuk and the Sulaymaniyah Governorate met the Kurdistan Toilers' "
            "Party; Erbilis is not Erbil.")
    assert found(patterns, text) == [
        ("GPE", "Kirkuk"), ("GPE", "Sulaymaniyah Governorate"),
        ("ORG", "Kurdistan Toilers' Party"), ("GPE", "Erbil"),
    ]


def test_arabic_and_sorani_names_match_on_token_edges(tmp_path: Path) -> None:
    names = tmp_path / "names.txt"
    names.write_text("كركوك\nأربيل\nسلێمانی\nهەولێر\n", "utf-8")
    patterns = load_patterns([f"GPE={names}"], known_labels=LABELS)
    text = "وصل الوفد إلى كركوك ثم أربيل. گەیشتە هەولێر و سلێمانی. كركوكي ليست كركوك"
    hits = patterns.match(text)
    assert [text[s:e] for _, s, e in hits] == ["كركوك", "أربيل", "هەولێر", "سلێمانی", "كركوك"]
    assert all(text[s:e] == text[s:e].strip() for _, s, e in hits)


def test_nfc_nfd_insensitive_only_when_asked(tmp_path: Path) -> None:
    names = tmp_path / "names.txt"
    names.write_text(unicodedata.normalize("NFC", "Zoë Müller\n"), "utf-8")
    text = unicodedata.normalize("NFD", "Reporter Zoë Müller wrote it.")
    assert load_patterns([f"PERSON={names}"], known_labels=LABELS).match(text) == []
    folded = load_patterns([f"PERSON={names}"], fold=Fold(nfc=True), known_labels=LABELS)
    [(label, start, end)] = folded.match(text)
    assert label == "PERSON"
    assert text[start:end] == unicodedata.normalize("NFD", "Zoë Müller")  # exact stored text


def test_case_and_arabic_marks_folding(tmp_path: Path) -> None:
    names = tmp_path / "names.txt"
    names.write_text("الموصل\nNew York\n", "utf-8")
    text = "زار المَوْصِل ثم new york."
    plain = load_patterns([f"GPE={names}"], known_labels=LABELS)
    assert plain.match(text) == []
    loose = load_patterns([f"GPE={names}"], fold=Fold(case=True, marks=True),
                          known_labels=LABELS)
    assert [text[s:e] for _, s, e in loose.match(text)] == ["المَوْصِل", "new york"]


def test_entity_ruler_phrase_and_token_patterns(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "rules.jsonl", [
        {"label": "ORG", "pattern": "Iraqi Security Media Cell", "id": "cell"},
        {"label": "PERSON", "pattern": [{"LOWER": "colonel"}, {"IS_TITLE": True, "OP": "+"}]},
        {"label": "ORG", "pattern": [{"TEXT": "Ministry"}, {"LOWER": "of"},
                                     {"IS_TITLE": True, "OP": "*"}, {"LOWER": "affairs"}]},
        {"label": "LOC", "pattern": [{"LOWER": {"IN": ["wadi", "jabal"]}},
                                     {"IS_TITLE": True, "OP": "?"}, {"IS_TITLE": True}]},
        {"label": "GPE", "pattern": [{"TEXT": "Hawija"}, {"TEXT": "district", "OP": "!"}]},
    ])
    patterns = load_patterns([str(path)], known_labels=LABELS)
    text = ("The Iraqi Security Media Cell said COLONEL Dara Mehrin Aziz of the Ministry of "
            "Foreign Affairs drove through Wadi Zghetoon. Hawija district, Hawija town.")
    assert found(patterns, text) == [
        ("ORG", "Iraqi Security Media Cell"),
        ("PERSON", "COLONEL Dara Mehrin Aziz"),
        ("ORG", "Ministry of Foreign Affairs"),
        ("LOC", "Wadi Zghetoon"),
        ("GPE", "Hawija town"),
    ]


def test_shape_and_regex_token_attributes(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "rules.jsonl", [
        # a capitalised word then a four-digit year: "Kirkuk 2024"
        {"label": "ORG", "pattern": [{"SHAPE": "Xxxxx"}, {"SHAPE": "dddd"}]},
        # al-Something, searched anywhere (spaCy's re.search), several predicates at once
        {"label": "PERSON", "pattern": [{"TEXT": {"REGEX": "^al-", "NOT_IN": ["al-Qaeda"]}}]},
        {"label": "GPE", "pattern": [{"LOWER": {"REGEX": "stan$"}}]},
        {"label": "LOC", "pattern": [{"SHAPE": {"IN": ["XX", "XXX"]}}, {"LOWER": "river"}]},
    ])
    patterns = load_patterns([str(path)], known_labels=LABELS)
    text = ("Kirkuk 2024: al-Assad and al-Qaeda, Kurdistan and KURDISTAN, not Stanley. "
            "The UK River and the Danube 2024 games.")
    assert found(patterns, text) == [
        ("ORG", "Kirkuk 2024"), ("PERSON", "al-Assad"), ("GPE", "Kurdistan"),
        ("GPE", "KURDISTAN"), ("LOC", "UK River"), ("ORG", "Danube 2024"),
    ]


def test_token_patterns_for_all_starts_equal_the_search_from_each_start() -> None:
    """`_pattern_ends` (every start at once, linear) finds what the backtracking search from
    each start finds, for random patterns over every operator."""
    rng = random.Random(5)
    words = ["Kirkuk", "the", "Colonel", "of", "2024", ",", "AL", "al-Assad", "Ministry", "x"]
    tests = [{"IS_TITLE": True}, {"LOWER": "of"}, {"IS_DIGIT": True}, {"IS_PUNCT": True},
             {"TEXT": {"IN": ["Kirkuk", "x"]}}, {"SHAPE": "Xxxxx"}, {"LOWER": {"REGEX": "^a"}}]
    for _ in range(400):
        specs = tuple(_token_spec({**rng.choice(tests), "OP": rng.choice(["1", "?", "+", "*",
                                                                          "!"])}, "test")
                      for _ in range(rng.randint(1, 4)))
        toks = [rng.choice(words) for _ in range(rng.randint(0, 25))]
        ends = _pattern_ends(specs, toks, {})
        assert ends == [_longest_match(specs, toks, i) for i in range(len(toks))], (specs, toks)


@pytest.mark.parametrize("word", ["Kirkuk", "2024", "al-Assad", "ISIS", "don't", "كركوك",
                                  "Sorani1234567", "éa", "X" * 120, "", "U.S.", "aaaaaBBBBBcc"])
def test_word_shape_is_spacys(word: str) -> None:
    lex_attrs = pytest.importorskip("spacy.lang.lex_attrs")
    assert word_shape(word) == lex_attrs.word_shape(word)


def test_overlaps_keep_the_longest_then_the_earliest(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "rules.jsonl", [
        {"label": "GPE", "pattern": "Kirkuk"},
        {"label": "ORG", "pattern": "Kirkuk Provincial Council"},
        {"label": "LOC", "pattern": "Provincial Council building"},
    ])
    patterns = load_patterns([str(path)], known_labels=LABELS)
    text = "The Kirkuk Provincial Council building in Kirkuk."
    assert found(patterns, text) == [("ORG", "Kirkuk Provincial Council"), ("GPE", "Kirkuk")]


@pytest.mark.parametrize(("content", "message"), [
    ('{"label": "GPE", "pattern": "x"}\nnot json\n', "rules.jsonl:2: not JSON"),
    ('{"label": "NOPE", "pattern": "x"}\n', "label 'NOPE' is not in the project's schema"),
    ('{"label": "GPE", "pattern": [{"POS": "PROPN"}]}\n', "POS are not supported"),
    ('{"label": "GPE", "pattern": [{"TEXT": {"REGEX": "(unclosed"}}]}\n',
     "TEXT REGEX '(unclosed' is not a valid regular expression"),
    ('{"label": "GPE", "pattern": [{"LOWER": {"FUZZY": "kirkuk"}}]}\n',
     "LOWER takes a string or a dict of IN, NOT_IN, REGEX"),
    ('{"label": "GPE", "pattern": [{"SHAPE": {"REGEX": 5}}]}\n', "SHAPE REGEX takes a string"),
    ('{"label": "GPE", "pattern": [{"LOWER": "a", "OP": "{2}"}]}\n', "OP '{2}'"),
    ('{"label": "GPE", "pattern": [{"IS_TITLE": "yes"}]}\n', "IS_TITLE takes true or false"),
    ('{"label": "GPE", "pattern": []}\n', "non-empty list"),
    ('["GPE", "x"]\n', "rules.jsonl:1: expected"),
])
def test_bad_pattern_files_name_file_and_line(tmp_path: Path, content: str,
                                              message: str) -> None:
    path = tmp_path / "rules.jsonl"
    path.write_text(content, "utf-8")
    with pytest.raises(PatternError, match=message.replace("(", r"\(").replace("{", r"\{")):
        load_patterns([str(path)], known_labels=LABELS)


def test_gazetteer_without_a_label_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "names.txt"
    path.write_text("Kirkuk\n", "utf-8")
    with pytest.raises(PatternError, match=r"names\.txt:1: a gazetteer needs its label"):
        load_patterns([str(path)], known_labels=LABELS)
    with pytest.raises(PatternError, match="no such file"):
        load_patterns([f"GPE={tmp_path / 'missing.txt'}"], known_labels=LABELS)


def test_label_prefix_parsing() -> None:
    assert parse_patterns_arg("GPE=places.txt") == ("GPE", Path("places.txt"))
    assert parse_patterns_arg("Conflict.Attack=a.txt") == ("Conflict.Attack", Path("a.txt"))
    assert parse_patterns_arg("dir/a=b.txt") == (None, Path("dir/a=b.txt"))
    assert parse_patterns_arg("rules.jsonl") == (None, Path("rules.jsonl"))


# --------------------------------------------------------------------------- the fast matcher
# Pieces of text in every script and joining behaviour the tokenizer cares about: names with
# and without marks (NFC and NFD), Arabic with harakat, Sorani with ZWNJ, CJK, emoji, a
# Prepend character, apostrophes and hyphens that join words, case pairs that fold unevenly.
_PIECES = [
    "Kirkuk", "kirkuk", "KIRKUK", "al", "Al-Anbar", "al-", "don't", "Toilers'", "Zoë",
    unicodedata.normalize("NFD", "Zoë"), "Müller", unicodedata.normalize("NFD", "Müller"),
    "straße", "STRASSE", "İstanbul", "istanbul", "كركوك", "كَرْكُوك", "المَوْصِل", "الموصل",
    "أربيل", unicodedata.normalize("NFD", "أربيل"), "هەولێر", "کورد\u200cستان", "کوردستان",
    "中国", "北京", "👨\u200d👩\u200d👧", "🇮🇶", "\u0600", "\u06dd", "١٢٣", "12", ",", ".", "“",
    "”", "«", "»", "'", "-", "\u0301", "\u064e", "ᄀ", "ᅡ", "가", "x", "Ωmega", "\u2126mega",
    "ﬁle", "file", "ൎ",
]
_SEPARATORS = [" ", " ", " ", "", "  ", "\n", "\r\n", "\r", "\t", "\x1c", "\u00a0", "\u2028",
               " \u0301", "\u200c"]


def _random_text(rng: random.Random, pieces: int) -> str:
    return "".join(rng.choice(_PIECES) + rng.choice(_SEPARATORS) for _ in range(pieces))


def test_fast_matcher_equals_matching_every_token() -> None:
    """The compiled matcher (tokens only near hits) finds exactly what the full walk finds,
    for every fold, on random text mixing scripts, marks, joiners and separators."""
    rng = random.Random(13)
    fast_used = 0
    for _ in range(250):
        text = rng.choice(["", *_SEPARATORS]) + _random_text(rng, rng.randint(1, 30))
        toks = tokenize(text)
        names: set[str] = set()
        for _ in range(rng.randint(1, 6)):
            if toks and rng.random() < 0.8:
                i = rng.randrange(len(toks))
                j = min(len(toks), i + rng.randint(1, 3))
                names.add(text[toks[i][0]:toks[j - 1][1]])
            else:
                names.add(_random_text(rng, rng.randint(1, 2)))
        for nfc, case, marks in itertools.product([False, True], repeat=3):
            patterns = PatternSet(fold=Fold(nfc=nfc, case=case, marks=marks))
            for k, name in enumerate(sorted(names)):
                patterns.add_phrase(LABELS[k % 2], name)
            assert patterns.match(text) == patterns.match_tokens(text), (text, names)
            fast_used += patterns._match_phrases(text) is not None
    assert fast_used > 1500  # the comparison really exercised the fast path


def test_fast_matcher_handles_folded_arabic_and_nfd_without_falling_back() -> None:
    text = "زار المَوْصِل و STRASSE ثم Zoë Müller في كَرْكُوك."
    loose = PatternSet(fold=Fold(case=True, marks=True))
    for name in ("الموصل", "straße", "zoe muller", "كركوك"):
        loose.add_phrase("GPE", name)
    assert loose._match_phrases(text) is not None  # stripped harakat mapped back, not refused
    assert [text[s:e] for _, s, e in loose.match(text)] == ["المَوْصِل", "STRASSE",
                                                             "Zoë Müller", "كَرْكُوك"]
    # straße casefolds to strasse, as STRASSE does: one name, both spellings
    assert loose.match_tokens(text) == loose.match(text)
    nfd = unicodedata.normalize("NFD", text)
    nfc_only = PatternSet(fold=Fold(nfc=True))
    nfc_only.add_phrase("PERSON", "Zoë Müller")
    [(_, s, e)] = nfc_only.match(nfd)  # not NFC text: the full path answers, same contract
    assert nfd[s:e] == unicodedata.normalize("NFD", "Zoë Müller")


def test_matching_without_the_compiled_matcher(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where pyahocorasick is not installed, every token is walked: same matches."""
    patterns = PatternSet()
    for name in ("Kirkuk", "Sulaymaniyah Governorate", "كركوك"):
        patterns.add_phrase("GPE", name)
    text = "In Kirkuk, the Sulaymaniyah  Governorate and كركوك; Kirkuks not."
    expected = patterns.match(text)
    monkeypatch.setattr(phrases, "ahocorasick", None)
    assert patterns.match(text) == expected
    assert [text[s:e] for _, s, e in expected] == ["Kirkuk", "Sulaymaniyah  Governorate",
                                                   "كركوك"]
