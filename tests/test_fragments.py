"""Discontinuous spans (split quotes) in the store and through every export format."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import add_text, find
from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.exports.common import split_tokens
from copydesk.exports.conll import tagged_sentences
from copydesk.exports.model import ExportOptions, ExportSummary
from copydesk.exports.reader import read_records
from copydesk.projects import fragments as frag
from copydesk.projects.agreement import SpanKey, exact_counts, overlap_counts
from copydesk.projects.errors import StoreError
from copydesk.projects.project import Project
from copydesk.tui.cli.main import main

TEXT = ('"Hardly a night goes by without strikes," Barzinji told reporters, "and still they come '
        'back."\nThe Zagros24-based crew filmed a 👨\u200d👩\u200d👧 family in Erbil.\n')
FIRST = find(TEXT, "Hardly a night goes by without strikes,")
SECOND = find(TEXT, "and still they come back.")
JOINED = "Hardly a night goes by without strikes, and still they come back."


@pytest.fixture
def doc(project: Project) -> int:
    return add_text(project, TEXT, "split quote")


def _quote(project: Project, doc: int, annotator: str = "tester"):
    return project.store.add_span(doc, annotator, "CONTENT", FIRST[0], SECOND[1],
                                  fragments=[FIRST, SECOND])


# ----------------------------------------------------------------------------- store
def test_a_span_in_two_pieces_is_stored_with_brat_joined_text(project: Project, doc: int) -> None:
    span = _quote(project, doc)
    assert (span.start, span.end, span.text) == (FIRST[0], SECOND[1], JOINED)
    assert frag.parts_of(span) == (FIRST, SECOND)
    with sqlite3.connect(project.store.db.path) as conn:
        rows = conn.execute('SELECT start, "end", text, fragments FROM span').fetchall()
    assert rows == [(FIRST[0], SECOND[1], JOINED, json.dumps([list(FIRST), list(SECOND)],
                                                             separators=(",", ":")))]
    # the common one-piece span stores nothing extra
    one = project.store.add_span(doc, "tester", "PERSON", *find(TEXT, "Barzinji"))
    with sqlite3.connect(project.store.db.path) as conn:
        assert conn.execute("SELECT fragments FROM span WHERE id = ?",
                            (one.id,)).fetchone() == (None,)


@pytest.mark.parametrize(("pieces", "error"), [
    ([FIRST, (SECOND[0], len(TEXT) + 5)], "outside document"),
    ([FIRST, (FIRST[1] - 3, SECOND[1])], "overlap"),
    ([FIRST, (find(TEXT, "👨")[0] + 1, find(TEXT, "family")[1])], "splits a character"),
    # pieces that touch, or are apart only by a line break, are one piece (bounds checked)
    ([FIRST, (FIRST[1], SECOND[1])], None),
    ([(FIRST[0], find(TEXT, 'back."')[1]), find(TEXT, "The")], None),
])
def test_every_store_rule_applies_per_piece(project: Project, doc: int, pieces, error) -> None:
    start, end = pieces[0][0], pieces[-1][1]
    if error is None:  # joined into one piece: then its bounds must be the span's
        with pytest.raises(StoreError, match="does not match its one fragment"):
            project.store.add_span(doc, "tester", "CONTENT", start, end - 1, fragments=pieces)
        span = project.store.add_span(doc, "tester", "CONTENT", start, end, fragments=pieces)
        assert span.fragments is None and span.text == TEXT[start:end]
        return
    with pytest.raises(StoreError, match=error):
        project.store.add_span(doc, "tester", "CONTENT", start, end, fragments=pieces)
    assert project.store.spans(doc, "tester") == []


def test_stated_text_is_checked_against_the_joined_pieces(project: Project, doc: int) -> None:
    with pytest.raises(StoreError, match="covers"):
        project.store.add_span(doc, "tester", "CONTENT", FIRST[0], SECOND[1],
                               fragments=[FIRST, SECOND], text="Hardly a night goes by")
    span = project.store.add_span(doc, "tester", "CONTENT", FIRST[0], SECOND[1],
                                  fragments=[FIRST, SECOND], text=JOINED)
    assert span.text == JOINED
    with pytest.raises(StoreError, match="already labelled"):
        _quote(project, doc)
    # same outer bounds, one piece: a different span
    whole = project.store.add_span(doc, "tester", "CONTENT", FIRST[0], SECOND[1])
    assert whole.fragments is None


def test_add_and_remove_a_piece_with_undo_and_redo_across_a_restart(tmp_path: Path) -> None:
    project = Project.init(tmp_path / "p")
    doc = add_text(project, TEXT)
    span = project.store.add_span(doc, "tester", "CONTENT", *FIRST)
    grown = project.store.add_fragment(int(span.id), "tester", *SECOND)
    assert (grown.start, grown.end, grown.text) == (FIRST[0], SECOND[1], JOINED)
    with pytest.raises(StoreError, match="overlaps a fragment"):
        project.store.add_fragment(int(span.id), "tester", SECOND[0] + 2, SECOND[1] + 1)
    project.close()

    project = Project.open(tmp_path / "p")  # undo/redo come from the action log
    store = project.store
    assert store.undo(doc, "tester").kind == "add_fragment"
    [back] = store.spans(doc, "tester")
    assert (back.start, back.end, back.text, back.fragments) == (*FIRST, TEXT[slice(*FIRST)],
                                                                  None)
    assert store.redo(doc, "tester").kind == "add_fragment"
    assert store.spans(doc, "tester")[0].text == JOINED

    shrunk = store.remove_fragment(int(span.id), "tester", FIRST[0] + 3)
    assert (shrunk.start, shrunk.end, shrunk.text, shrunk.fragments) == (
        *SECOND, TEXT[slice(*SECOND)], None)
    with pytest.raises(StoreError, match="one fragment; delete the span"):
        store.remove_fragment(int(span.id), "tester", SECOND[0])
    project.close()
    project = Project.open(tmp_path / "p")
    assert project.store.undo(doc, "tester").kind == "remove_fragment"
    assert project.store.spans(doc, "tester")[0].text == JOINED
    assert [a.kind for a in project.store.actions(doc, "tester")] == [
        "add_span", "add_fragment", "undo", "redo", "remove_fragment", "undo"]
    project.close()


def test_a_touching_piece_extends_the_one_it_touches(project: Project, doc: int) -> None:
    span = project.store.add_span(doc, "tester", "CONTENT", FIRST[0], FIRST[0] + 10)
    grown = project.store.add_fragment(int(span.id), "tester", FIRST[0] + 10, FIRST[1])
    assert (grown.start, grown.end, grown.fragments) == (*FIRST, None)
    # the next line's first word, apart only by the line break: the span crosses the line
    end_of_line = find(TEXT, 'back."')[1]
    line = project.store.add_span(doc, "tester", "CUE", SECOND[0], end_of_line)
    crossed = project.store.add_fragment(int(line.id), "tester", *find(TEXT, "The"))
    assert (crossed.start, crossed.end, crossed.fragments) == (SECOND[0], find(TEXT, "The")[1],
                                                               None)
    assert crossed.text == TEXT[SECOND[0]:find(TEXT, "The")[1]]


def test_the_store_refuses_pieces_apart_only_by_a_line_break() -> None:
    """The rule itself, for callers that bypass the joining (a hand-made import)."""
    from copydesk.projects.store import check_fragments

    text = "one\ntwo three"
    with pytest.raises(StoreError, match="only by a line break"):
        check_fragments(1, text, 0, 7, [(0, 3), (4, 7)], None)
    assert check_fragments(1, text, 0, 13, [(0, 3), (8, 13)], None) == "one three"


def test_a_legacy_project_upgrades_and_then_holds_pieces(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "legacy"
    shutil.copytree(Path(__file__).parent / "data" / "legacy-v0.1", folder)
    with Project.open(folder) as project:
        doc = add_text(project, TEXT)
        assert _quote(project, doc).text == JOINED
        first = project.store.document_ids()[0]
        assert all(s.fragments is None for s in project.store.spans(first, "alice"))


# ----------------------------------------------------------------------------- exports
def _done_project(project: Project, doc: int) -> None:
    store = project.store
    quote = _quote(project, doc)
    source = store.add_span(doc, "tester", "SOURCE", *find(TEXT, "Barzinji"))
    cue = store.add_span(doc, "tester", "CUE", *find(TEXT, "told"))
    store.add_link(int(quote.id), int(source.id), "source", "tester")
    store.add_link(int(quote.id), int(cue.id), "cue", "tester")
    store.add_span(doc, "tester", "PERSON", *find(TEXT, "Barzinji"))
    store.add_span(doc, "tester", "GPE", *find(TEXT, "Zagros"))  # ends inside a token
    store.add_span(doc, "tester", "GPE", *find(TEXT, "Erbil"))
    # an entity in two pieces: "Zagros ... crew" is silly but must tag per piece
    store.add_span(doc, "tester", "ORG", find(TEXT, "The")[0], find(TEXT, "crew")[1],
                   fragments=[find(TEXT, "The"), find(TEXT, "crew")])
    store.set_status(doc, "tester", "done")


def test_brat_writes_pieces_as_brat_does(project: Project, doc: int, tmp_path: Path) -> None:
    _done_project(project, doc)
    out = tmp_path / "brat"
    assert main(["export", "brat", str(out), "-p", str(project.root)]) == 0
    ann = (out / "tester" / "doc-1.ann").read_text(encoding="utf-8").splitlines()
    assert (f"T1\tCONTENT {FIRST[0]} {FIRST[1]};{SECOND[0]} {SECOND[1]}\t{JOINED}") in ann
    assert any(line.startswith("E1\tAttribution:T") and "Content:T1" in line for line in ann)


def test_jsonl_carries_pieces_and_keeps_outer_bounds(project: Project, doc: int,
                                                     tmp_path: Path) -> None:
    _done_project(project, doc)
    out = tmp_path / "out.jsonl"
    assert main(["export", "jsonl", str(out), "-p", str(project.root)]) == 0
    [line] = out.read_text(encoding="utf-8").splitlines()
    spans = json.loads(line)["spans"]
    quote = next(s for s in spans if s["label"] == "CONTENT")
    assert quote["fragments"] == [list(FIRST), list(SECOND)]
    assert (quote["start"], quote["end"], quote["text"]) == (FIRST[0], SECOND[1], JOINED)
    assert all("fragments" not in s for s in spans if s["label"] in ("PERSON", "GPE"))
    # tokens are split at span edges: the GPE inside `Zagros24-based` is exactly one token
    record = json.loads(line)
    gpe = next(s for s in spans if s["text"] == "Zagros")
    assert gpe["token_start"] == gpe["token_end"]
    token = record["tokens"][gpe["token_start"]]
    assert (token["text"], token["start"], token["end"]) == ("Zagros", gpe["start"],
                                                             gpe["end"])
    for span in spans:  # every span's tokens run from its start to its end
        first, last = record["tokens"][span["token_start"]], record["tokens"][span["token_end"]]
        assert (first["start"], last["end"]) == (span["start"], span["end"])


def test_spacy_gets_one_span_per_piece_sharing_an_id(project: Project, doc: int,
                                                     tmp_path: Path) -> None:
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import DocBin

    _done_project(project, doc)
    out = tmp_path / "out.spacy"
    assert main(["export", "spacy", str(out), "-p", str(project.root)]) == 0
    [sdoc] = list(DocBin().from_disk(out).get_docs(spacy.blank("en").vocab))
    pieces = [sp for sp in sdoc.spans["attribution"] if sp.label_ == "CONTENT"]
    assert [sp.text for sp in pieces] == [TEXT[slice(*FIRST)], TEXT[slice(*SECOND)]]
    assert len({sp.id_ for sp in pieces}) == 1
    [listed] = [f for f in sdoc.user_data["copydesk"]["fragments"] if f["label"] == "CONTENT"]
    assert [list(p) for p in listed["fragments"]] == [list(FIRST), list(SECOND)]
    assert str(listed["id"]) == pieces[0].id_
    ents = [(e.text, e.label_) for e in sdoc.ents]
    assert ("Zagros", "GPE") in ents and ("The", "ORG") in ents and ("crew", "ORG") in ents


def test_conll_and_hf_tag_each_piece_and_split_tokens_at_span_edges(
        project: Project, doc: int, tmp_path: Path) -> None:
    _done_project(project, doc)
    conll = tmp_path / "out.conll"
    assert main(["export", "conll", str(conll), "-p", str(project.root)]) == 0
    lines = conll.read_text(encoding="utf-8").splitlines()
    assert "Zagros _ _ B-GPE" in lines  # not the whole "Zagros24-based" token
    assert "24-based _ _ O" in lines
    assert "The _ _ B-ORG" in lines and "crew _ _ B-ORG" in lines  # B- at each piece
    hf = tmp_path / "hf"
    assert main(["export", "hf", str(hf), "-p", str(project.root)]) == 0
    card = (hf / "README.md").read_text(encoding="utf-8")
    assert "split at span edges" in card and "piece by piece" in card
    from copydesk.exports.formats.hf import hf_tag_names

    names = hf_tag_names(project.schema, "entity", [])
    rows = [json.loads(x) for x in (hf / "train.jsonl").read_text().splitlines()]
    tagged = [(t, names[g]) for r in rows
              for t, g in zip(r["tokens"], r["ner_tags"], strict=True)]
    assert ("Zagros", "B-GPE") in tagged and ("24-based", "O") in tagged
    assert ("The", "B-ORG") in tagged and ("crew", "B-ORG") in tagged


def _entity_runs(text: str, toks: list[tuple[int, int]], tags: list[str]
                 ) -> list[tuple[str, str]]:
    """(label, text from the first to the last token) of every B-/I- run."""
    runs: list[tuple[str, int, int]] = []
    for (s, e), tag in zip(toks, tags, strict=True):
        if tag.startswith("B-"):
            runs.append((tag[2:], s, e))
        elif tag.startswith("I-"):
            label, s0, _ = runs[-1]
            runs[-1] = (label, s0, e)
    return [(label, text[s:e]) for label, s, e in runs]


def test_every_exported_entity_is_exactly_its_text(project: Project, sample_text: str) -> None:
    """On the real article: entities ending inside tokens (`Zagros` of `Zagros24`, `ISIS`
    of `ISIS's`...) come out as exactly their text, never widened to whole tokens."""
    doc = add_text(project, sample_text)
    store = project.store
    wanted: list[tuple[str, str]] = []
    pos = 0
    while (pos := sample_text.find("Zagros", pos)) >= 0:
        store.add_span(doc, "tester", "GPE", pos, pos + len("Zagros"))
        pos += 1
    for label, needle in (("PERSON", "Darya Barzinji"), ("GPE", "Kirkuk"), ("ORG", "ISIS"),
                          ("LOC", "Hamrin")):
        pos = 0
        while (pos := sample_text.find(needle, pos)) >= 0:
            end = pos + len(needle)
            if not any(s.start < end and pos < s.end for s in store.spans(doc, "tester")):
                store.add_span(doc, "tester", label, pos, end)
            pos = end
    store.set_status(doc, "tester", "done")
    for span in store.spans(doc, "tester"):
        wanted.append((span.label, span.text))
    [rec] = read_records(store, ExportOptions())
    summary = ExportSummary()
    got: list[tuple[str, str]] = []
    for _toks, tags, offsets in tagged_sentences(rec, "entity", summary):
        got.extend(_entity_runs(sample_text, offsets, tags))
    assert sorted(got) == sorted(wanted)
    assert ("GPE", "Zagros") in got
    assert not summary.warnings


def test_split_tokens_is_exact() -> None:
    assert split_tokens([0, 10], [8, 20], [3, 8, 12, 15, 25]) == ([0, 3, 10, 12, 15],
                                                                 [3, 8, 12, 15, 20])
    assert split_tokens([0], [5], []) == ([0], [5])


# ----------------------------------------------------------------------------- agreement
def test_agreement_exact_needs_every_piece_overlap_needs_any() -> None:
    both = SpanKey("attribution", "CONTENT", 1, 92, ((1, 36), (67, 92)))
    first_only = SpanKey("attribution", "CONTENT", 1, 36)
    other_pieces = SpanKey("attribution", "CONTENT", 1, 92, ((1, 36), (70, 92)))
    in_the_gap = SpanKey("attribution", "CONTENT", 40, 60)
    key = ("attribution", "CONTENT")
    assert exact_counts([both], [both])[key].tp == 1
    assert exact_counts([both], [other_pieces])[key].tp == 0
    assert exact_counts([both], [first_only])[key].tp == 0
    assert overlap_counts([both], [first_only])[key].tp == 1
    assert overlap_counts([both], [other_pieces])[key].tp == 1
    # inside the outer bounds but only in the gap between the pieces: no overlap
    assert overlap_counts([both], [in_the_gap])[key].tp == 0


def test_review_accepts_a_span_in_pieces_into_gold(project: Project, doc: int) -> None:
    from copydesk.projects.adjudicate import accept, candidates

    for name in ("ann", "bob"):
        _quote(project, doc, name)
        project.store.set_status(doc, name, "done")
    project.store.add_span(doc, "bob", "CONTENT", FIRST[0], SECOND[1])  # one piece: different
    review = candidates(project.store, doc)
    keys = [c.key for c in review.candidates]
    assert SpanKey("attribution", "CONTENT", FIRST[0], SECOND[1], (FIRST, SECOND)) in keys
    assert len(keys) == 2
    pieces = next(c for c in review.candidates if c.key.fragments)
    assert pieces.annotators == ("ann", "bob") and pieces.text == JOINED
    result = accept(project.store, doc, "rita", pieces)
    gold = project.store.span(result.span_id)
    assert frag.parts_of(gold) == (FIRST, SECOND) and gold.text == JOINED
    assert candidates(project.store, doc).find(pieces.key).status == "accepted"  # type: ignore[union-attr]


def test_token_agreement_labels_only_the_pieces() -> None:
    from copydesk.projects.agreement import token_labels

    tokens = [(0, 3), (4, 5), (6, 10), (11, 15), (16, 20)]
    quote = SpanKey("attribution", "CONTENT", 0, 20, ((0, 5), (16, 20)))
    assert token_labels(tokens, [quote]) == ["CONTENT", "CONTENT", "O", "O", "CONTENT"]


def _split_by_walking(starts: list[int], ends: list[int],
                      cuts: list[int]) -> tuple[list[int], list[int]]:
    """The definition: walk every token and cut it at each offset strictly inside it."""
    out_s: list[int] = []
    out_e: list[int] = []
    for s, e in zip(starts, ends, strict=True):
        pos = s
        for cut in sorted(c for c in set(cuts) if s < c < e):
            out_s.append(pos)
            out_e.append(cut)
            pos = cut
        out_s.append(pos)
        out_e.append(e)
    return out_s, out_e


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(1, 6)), max_size=30),
       st.lists(st.integers(-2, 120), max_size=20))
@settings(max_examples=300, deadline=None)
def test_split_tokens_cuts_only_the_tokens_a_cut_falls_in(gaps_and_lengths: list[tuple[int, int]],
                                                           cuts: list[int]) -> None:
    starts, ends, pos = [], [], 0
    for gap, length in gaps_and_lengths:
        starts.append(pos + gap)
        ends.append(pos + gap + length)
        pos = ends[-1]
    assert split_tokens(starts, ends, cuts) == _split_by_walking(starts, ends, cuts)
