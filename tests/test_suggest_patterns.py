"""Patterns and gazetteers: spaCy EntityRuler JSONL and name lists, matched without spaCy."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from copydesk.projects.suggest.patterns import (
    Fold,
    PatternError,
    PatternSet,
    load_patterns,
    parse_patterns_arg,
)

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
    ('{"label": "GPE", "pattern": [{"SHAPE": "Xx"}]}\n', "SHAPE are not supported"),
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
