"""Issue 22: our own news-style attribution corpus (tests/data/attribution-news), the rules on
its shapes, and `evaluate` counting every reference document."""

from __future__ import annotations

from pathlib import Path

import pytest

from copydesk.projects.errors import StoreError
from copydesk.projects.project import Project
from copydesk.projects.suggest.evaluate import (
    evaluate,
    import_gold,
    read_gold_files,
    score_proposals,
)
from copydesk.projects.suggest.write import Proposal
from copydesk.schema import default_schema_path, load_schema
from copydesk.tui.cli.main import main

CORPUS = Path(__file__).parent / "data" / "attribution-news"
SCHEMA = load_schema(default_schema_path())


@pytest.fixture(scope="module")
def train() -> list[tuple[str, str, Proposal]]:
    return read_gold_files([CORPUS / "train"])


@pytest.fixture(scope="module")
def test_split() -> list[tuple[str, str, Proposal]]:
    return read_gold_files([CORPUS / "test"])


def test_corpus_size_languages_and_split(train, test_split) -> None:  # type: ignore[no-untyped-def]
    docs = train + test_split
    ids = [i for i, _, _ in docs]
    assert len(ids) >= 60 and len(set(ids)) == len(ids)
    assert not {i for i, _, _ in train} & {i for i, _, _ in test_split}
    assert sum(i.startswith("ar-") for i in ids) >= 8
    assert sum(i.startswith("ckb-") for i in ids) >= 8
    for _, text, proposal in docs:
        for span in proposal.spans:  # offsets are computed: they cut the text at word edges
            piece = text[span.start:span.end]
            assert piece == piece.strip() and piece


def test_corpus_holds_every_shape(train, test_split) -> None:  # type: ignore[no-untyped-def]
    seen: set[str] = set()
    for _, text, p in train + test_split:
        for i, span in enumerate(p.spans):
            if span.layer == "event":
                seen.add("event")
            if span.label != "CONTENT":
                continue
            kind = span.attributes.get("type")
            seen.add(kind)
            if span.fragments:
                seen.add("split")
            before = text[span.start - 1:span.start]
            seen |= {name for name, marks in (("straight", '"'), ("curly", "“”"),
                                              ("guillemets", "«»"), ("single", "'"))
                     if before and before in marks}
            if text[span.start - 2:span.start] == "''":
                seen.add("doubled apostrophes")
            for h, t, role in p.links:
                if h != i or role != "cue":
                    continue
                cue = p.spans[t]
                cue_text = text[cue.start:cue.end].lower()
                if cue_text == ":":
                    seen.add("colon cue")
                if "according to" in cue_text:
                    seen.add("according after" if cue.start > span.start else "according before")
                if cue_text.startswith("in a statement"):
                    seen.add("nominal cue")
                if cue.start > span.end:
                    seen.add("content before cue")
            for h, t, role in p.links:
                if h == i and role == "source" and text[p.spans[t].start:p.spans[t].end] in (
                        "he", "He", "she", "She", "it", "It", "they"):
                    seen.add("pronoun source")
    assert seen >= {"direct", "indirect", "mixed", "split", "straight", "curly", "guillemets",
                    "single", "doubled apostrophes", "colon cue", "according after",
                    "according before", "nominal cue", "content before cue", "pronoun source",
                    "event"}


def test_a_bad_gold_file_names_file_and_document(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("=== doc-a\n{Q1|said} with no content\n", "utf-8")
    with pytest.raises(StoreError, match=r"bad\.txt: gold document 'doc-a': .*no content"):
        read_gold_files([tmp_path])


def test_recall_counts_documents_the_response_skipped(project: Project, test_split) -> None:  # type: ignore[no-untyped-def]
    """Suggesting on half the gold documents must halve recall, not leave it unchanged."""
    import_gold(project.store, test_split)
    assert main(["suggest", "-p", str(project.root), "--attribution", "--docs", "all"]) == 0
    full = evaluate(project.store, "suggest:attribution", "gold")
    assert full.documents == len(test_split)
    # drop the suggestions of every second document: those documents must still count
    from sqlmodel import select

    from copydesk.projects.models import AnnotationSet
    from copydesk.projects.suggest.write import clear_suggestions
    with project.store.db.read() as session:
        doc_ids = sorted(s.document_id for s in session.exec(select(AnnotationSet).where(
            AnnotationSet.annotator == "gold")))
    clear_suggestions(project.store, ["suggest:attribution"])
    from copydesk.projects.suggest.run import run_suggest
    run_suggest(project, doc_ids[::2], attribution=True)
    half = evaluate(project.store, "suggest:attribution", "gold")
    assert half.documents == len(test_split)
    assert half.unanswered >= len(doc_ids) // 2 > full.unanswered
    cue_full, cue_half = full.parts_exact["cue"], half.parts_exact["cue"]
    assert cue_half.tp + cue_half.fn == cue_full.tp + cue_full.fn  # same reference total
    assert cue_half.recall < cue_full.recall


def test_whole_attribution_needs_all_three_parts() -> None:
    from copydesk.projects.suggest.evaluate import parse_markup

    _, gold = parse_markup('"{C1|We will stay here}," {S1|Ana Rosk} {Q1|said}.\n')
    _, wrong_source = parse_markup('"{C1|We will stay here}," Ana {S1|Rosk} {Q1|said}.\n')
    _, no_source = parse_markup('"{C1|We will stay here}," Ana Rosk {Q1|said}.\n')
    exact = score_proposals(SCHEMA, [(gold, wrong_source)])
    assert (exact.whole_exact.tp, exact.whole_overlap.tp) == (0, 1)
    missing = score_proposals(SCHEMA, [(gold, no_source)])
    assert missing.whole_overlap.tp == 0 and missing.whole_overlap.fn == 1
    assert missing.parts_exact["cue"].tp == 1 and missing.parts_exact["content"].tp == 1


# --------------------------------------------------------------------------- the rules' shapes
from copydesk.projects.suggest.attribution import (  # noqa: E402
    AttributionDetector,
    AttributionSettings,
    find_quotes,
)
from tests.test_suggest_attribution import triples  # noqa: E402

RULES = AttributionDetector(SCHEMA)


@pytest.mark.parametrize(("text", "expected"), [
    ("Talks will resume on Thursday, according to the labour office.",
     ("Talks will resume on Thursday", "according to", "the labour office", "indirect")),
    ("No one was hurt, civil defence said.",
     ("No one was hurt", "said", "civil defence", "indirect")),
    ("Residents said the river had risen a metre since the morning.",
     ("the river had risen a metre since the morning", "said", "Residents", "indirect")),
    ("Local residents told the Courier the queue reached the street.",
     ("the queue reached the street", "told", "Local residents", "indirect")),
    ("Ministers have repeatedly denied it had broken the agreement.",
     ("it had broken the agreement", "denied", "Ministers", "indirect")),
    ("''We underestimated the ground,'' she told parliament.",
     ("We underestimated the ground", "told", "she", "direct")),
    ("'We heard a bang and then the roof was alight,' said guard Piet Wouters.",
     ("We heard a bang and then the roof was alight", "said", "Piet Wouters", "direct")),
    ('"We have made a fair offer," it said in a statement.',
     ("We have made a fair offer", "said", "it", "direct")),
    ('The electoral commission: "Every box will be checked."',
     ("Every box will be checked.", ":", "The electoral commission", "direct")),
    ("The airline association: passengers should check their flights.",
     ("passengers should check their flights", ":", "The airline association", "indirect")),
    ("In a statement, the ministry thanked him for his service.",
     ("thanked him for his service", "In a statement", "the ministry", "indirect")),
    ("{C2|الأسعار ستنخفض قريبا}، بحسب التجار.".replace("{C2|", "").replace("}", ""),
     ("الأسعار ستنخفض قريبا", "بحسب", "التجار", "indirect")),
])
def test_rules_find_each_shape(text: str, expected: tuple[str, ...]) -> None:
    assert expected in triples(text, RULES.detect(text))


def test_a_participle_reports_a_second_content_without_a_source() -> None:
    text = "The grid operator blamed the cold snap, saying demand had reached a record."
    assert triples(text, RULES.detect(text)) == {
        ("the cold snap", "blamed", "The grid operator", "indirect"),
        ("demand had reached a record", "saying", None, "indirect")}


def test_a_quote_with_its_own_cue_is_not_joined_to_the_one_before() -> None:
    text = ('"Cycling has doubled since the pandemic," Ben Hale said. Ida Frost replied: '
            '"We should be ashamed of how slowly we moved."')
    found = triples(text, RULES.detect(text))
    assert ("Cycling has doubled since the pandemic", "said", "Ben Hale", "direct") in found
    assert ("We should be ashamed of how slowly we moved.", "replied", "Ida Frost",
            "direct") in found


def test_nouns_and_things_found_are_not_cues() -> None:
    text = ("The report was published on Monday. Police found the car near the river. "
            "The claim surprised nobody.")
    assert RULES.detect(text).spans == []


def test_single_quote_marks_are_not_apostrophes() -> None:
    text = "It's the parents' day. 'Don't go,' he said."
    assert [text[o + 1:c] for o, c in find_quotes(text)] == ["Don't go,"]


def test_cue_extent_and_lemmas_are_project_settings() -> None:
    text = "The ministry has repeatedly insisted that staffing levels are safe."
    phrase = AttributionDetector(SCHEMA, AttributionSettings.from_settings(
        {"attribution": {"cue_extent": "phrase"}}))
    assert ("that staffing levels are safe", "has repeatedly insisted", "The ministry",
            "indirect") in triples(text, phrase.detect(text))
    with pytest.raises(StoreError, match="cue_extent"):
        AttributionSettings.from_settings({"attribution": {"cue_extent": "clause"}})
    text = "Officials mused that the bridge might close."
    assert RULES.detect(text).spans == []
    lemmas = AttributionDetector(SCHEMA, AttributionSettings.from_settings(
        {"attribution": {"cues": {"en": {"lemmas": ["muse"]}}}}))
    assert ("that the bridge might close", "mused", "Officials", "indirect") in triples(
        text, lemmas.detect(text))


def test_rules_on_the_test_split_beat_the_first_release(test_split) -> None:  # type: ignore[no-untyped-def]
    """The issue's measure on our own held-out articles: cue exact, source and content
    overlap F1 well above the first release's (0.69, 0.68, 0.69 on this split)."""
    ev = score_proposals(SCHEMA, [(p, RULES.detect(t)) for _, t, p in test_split])
    assert ev.parts_exact["cue"].f1 >= 0.85
    assert ev.parts_overlap["source"].f1 >= 0.85
    assert ev.parts_overlap["content"].f1 >= 0.85


def test_suggest_says_when_finished_gold_documents_were_left_out(
        project: Project, test_split, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    import_gold(project.store, test_split[:3])
    assert main(["suggest", "-p", str(project.root), "--attribution"]) == 0
    out = capsys.readouterr().out
    assert "no documents to suggest on (--docs todo)" in out
    assert "3 documents finished by a person" in out and "--docs all" in out
    assert main(["suggest", "-p", str(project.root), "--attribution", "--docs", "all"]) == 0
    assert "left out" not in capsys.readouterr().out


def test_evaluate_scores_a_brat_folder_directly(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    import json
    import shutil

    parc = Path(__file__).parent / "data" / "parc-style"
    assert main(["evaluate", "--brat", str(parc), "--json"]) == 0  # the rules, no project
    rules = json.loads(capsys.readouterr().out)
    assert rules["documents"] == 3 and rules["annotator"] == "rules"
    assert 0 < rules["attributions_overlap"]["recall"] < 1
    assert main(["evaluate", "--brat", str(parc), "--response", str(parc), "--json"]) == 0
    same = json.loads(capsys.readouterr().out)  # a folder against itself: all right
    assert same["attributions_exact"]["f1"] == 1.0
    assert {row["f1"] for row in same["parts_exact"]} == {1.0}
    # a response folder missing a file: that document's attributions are all missed
    partial = tmp_path / "partial"
    shutil.copytree(parc, partial)
    (partial / "flood.ann").unlink()
    assert main(["evaluate", "--brat", str(parc), "--response", str(partial), "--json"]) == 0
    missing = json.loads(capsys.readouterr().out)
    assert missing["documents"] == 3 and missing["unanswered"] == 1
    assert missing["attributions_exact"]["recall"] < 1
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.txt").write_text("Ana said so.", "utf-8")
    (bad / "a.ann").write_text("T1\tCue 4 8\tsaid\nT2\tCue 40 48\tnothing\n", "utf-8")
    assert main(["evaluate", "--brat", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "a.ann" in err and "Traceback" not in err
    assert main(["evaluate", "--brat", str(tmp_path / "none")]) == 1
    assert "no brat .ann files" in capsys.readouterr().err


def test_a_label_before_a_colon_is_no_speaker() -> None:
    text = "Photo: the flooded square on Monday.\nRead more: the council's plan for the river."
    assert RULES.detect(text).spans == []
