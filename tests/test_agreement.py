"""Agreement figures against hand computations and published worked examples.

Every expected value here is computed by hand in the comment next to it (or quoted from the
paper that defines the measure), never by running the code under test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from copydesk.projects.agreement import (
    Counts,
    LinkKey,
    SpanKey,
    agreement,
    cohen_kappa,
    exact_counts,
    fleiss_kappa,
    krippendorff_alpha,
    link_counts,
    micro,
    overlap_counts,
    overlap_pairs,
    token_labels,
)
from copydesk.projects.errors import StoreError
from copydesk.projects.store import Store
from copydesk.schema.model import Label, Role, Schema


def make_schema() -> Schema:
    return Schema(
        name="tiny", version="1", text="tiny-agreement",
        labels=(
            Label("PERSON", "entity", "yellow"),
            Label("ORG", "entity", "blue"),
            Label("GPE", "entity", "green"),
            Label("Conflict.Attack", "event", "red",
                  roles=(Role("Attacker", ("PERSON", "ORG")), Role("Place", ("GPE",)))),
            Label("CONTENT", "attribution", "white", part="content"),
            Label("SOURCE", "attribution", "white", part="source"),
            Label("CUE", "attribution", "white", part="cue"),
        ),
    )


TEXT = "Ann met Bob in Paris ."
# tokens: Ann 0-3, met 4-7, Bob 8-11, in 12-14, Paris 15-20, . 21-22


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "a.db", make_schema())
    yield s
    s.close()


def add_doc(store: Store, text: str, n: int = 0) -> int:
    (doc_id,) = store.add_documents([{"text": text, "content_hash": f"h{n}-{hash(text)}"}])
    assert doc_id is not None
    return doc_id


def mark(store: Store, doc: int, who: str, spans: list[tuple[str, int, int]],
         status: str = "done") -> dict[tuple[str, int, int], int]:
    ids = {}
    for label, start, end in spans:
        ids[(label, start, end)] = int(store.add_span(doc, who, label, start, end).id)
    store.set_status(doc, who, status)
    return ids


# ------------------------------------------------------------------ pure measures
def test_cohen_kappa_worked_example() -> None:
    # a: P O P O G O   b: P O R O O O  (P=PERSON, R=ORG, G=GPE)
    # p_o = 4/6; a counts P2 O3 G1, b counts P1 O4 R1; p_e = (2*1 + 3*4)/36 = 14/36 = 7/18
    # kappa = (12/18 - 7/18) / (11/18) = 5/11
    a = ["P", "O", "P", "O", "G", "O"]
    b = ["P", "O", "R", "O", "O", "O"]
    assert cohen_kappa(a, b) == pytest.approx(5 / 11)


def test_cohen_kappa_perfect_none_and_chance() -> None:
    assert cohen_kappa(list("ABAB"), list("ABAB")) == pytest.approx(1.0)
    # all "O" on both sides: p_e = 1, kappa undefined, not 1.0
    assert cohen_kappa(list("OOOO"), list("OOOO")) is None
    assert cohen_kappa([], []) is None
    # never agree with balanced marginals: p_o 0, p_e = (2*2+2*2)/16 = 1/2, kappa = -1
    assert cohen_kappa(list("ABAB"), list("BABA")) == pytest.approx(-1.0)
    with pytest.raises(ValueError):
        cohen_kappa(["A"], [])


def test_fleiss_kappa_small_hand_example() -> None:
    # n=3 raters, 4 items: AAA, AAB, BBB, ABB
    # P_i = (sum n_ij^2 - 3)/6 -> 1, 1/3, 1, 1/3 ; P = 2/3 ; p_A = p_B = 6/12 ; P_e = 1/2
    # kappa = (2/3 - 1/2) / (1/2) = 1/3
    items = [list("AAA"), list("AAB"), list("BBB"), list("ABB")]
    assert fleiss_kappa(items) == pytest.approx(1 / 3)


def test_fleiss_kappa_published_example() -> None:
    # Fleiss (1971) as reproduced on Wikipedia: 10 items, 14 raters, 5 categories, kappa 0.210
    table = [
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ]
    items = [[str(j) for j, n in enumerate(row) for _ in range(n)] for row in table]
    assert fleiss_kappa(items) == pytest.approx(0.210, abs=5e-4)
    with pytest.raises(ValueError):
        fleiss_kappa([["A", "A"], ["A"]])


def test_krippendorff_alpha_published_nominal_example() -> None:
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", nominal example with
    # 4 coders, 12 units and missing values: alpha = 0.743. Unit 12 has one value: unpairable.
    units = [
        ["1", "1", "1"], ["2", "2", "3", "2"], ["3", "3", "3", "3"], ["3", "3", "3", "3"],
        ["2", "2", "2", "2"], ["1", "2", "3", "4"], ["4", "4", "4", "4"], ["1", "1", "2", "1"],
        ["2", "2", "2", "2"], ["5", "5", "5"], ["1", "1"], ["3"],
    ]
    assert krippendorff_alpha(units) == pytest.approx(0.743, abs=5e-4)


def test_krippendorff_alpha_pair_worked_example() -> None:
    # Same six tokens as the Cohen example. Coincidences (each unit m=2 adds its pairs / 1):
    # o[P,P]=2, o[O,O]=6, o[P,R]=o[R,P]=1, o[G,O]=o[O,G]=1 ; n_P=3, n_O=7, n_R=1, n_G=1, n=12
    # sum_{c!=k} o = 4 ; sum_{c!=k} n_c n_k = 12^2 - (9+49+1+1) = 84
    # alpha = 1 - (n-1) * 4 / 84 = 1 - 44/84 = 10/21
    a = ["P", "O", "P", "O", "G", "O"]
    b = ["P", "O", "R", "O", "O", "O"]
    assert krippendorff_alpha(list(zip(a, b, strict=True))) == pytest.approx(10 / 21)
    assert krippendorff_alpha([["O", "O"], ["O", "O"]]) is None
    assert krippendorff_alpha([["A", "A"], ["B", "B"]]) == pytest.approx(1.0)


def test_counts_precision_recall_f1() -> None:
    c = Counts(tp=1, fp=1, fn=2)  # |a| = 3, |b| = 2
    assert c.precision == pytest.approx(1 / 2)
    assert c.recall == pytest.approx(1 / 3)
    assert c.f1 == pytest.approx(2 / 5)  # 2TP / (|a| + |b|)
    assert Counts().f1 is None and Counts().precision is None


def k(label: str, start: int, end: int, layer: str = "entity") -> SpanKey:
    return SpanKey(layer, label, start, end)


def test_exact_and_overlap_counts_per_label() -> None:
    a = [k("PERSON", 0, 3), k("PERSON", 8, 11), k("GPE", 15, 20)]
    b = [k("PERSON", 0, 3), k("ORG", 8, 11), k("GPE", 15, 22)]
    exact = exact_counts(a, b)
    assert exact[("entity", "PERSON")] == Counts(tp=1, fp=0, fn=1)
    assert exact[("entity", "ORG")] == Counts(tp=0, fp=1, fn=0)
    assert exact[("entity", "GPE")] == Counts(tp=0, fp=1, fn=1)
    assert micro(exact.values()).f1 == pytest.approx(2 * 1 / 6)
    overlap = overlap_counts(a, b)
    assert overlap[("entity", "GPE")] == Counts(tp=1)  # Paris vs "Paris ." overlap
    assert overlap[("entity", "ORG")] == Counts(fp=1)  # different label never matches
    assert micro(overlap.values()).f1 == pytest.approx(2 * 2 / 6)


def test_overlap_matching_is_one_to_one_and_prefers_biggest_overlap() -> None:
    a = [k("PERSON", 0, 3), k("PERSON", 4, 11)]
    b = [k("PERSON", 0, 11)]
    # overlaps: (a0,b0)=3, (a1,b0)=7 -> a1 wins, a0 is left unmatched
    assert overlap_pairs(a, b) == [(1, 0)]
    assert overlap_counts(a, b)[("entity", "PERSON")] == Counts(tp=1, fn=1)
    # touching but not overlapping ranges do not match
    assert overlap_pairs([k("PERSON", 0, 3)], [k("PERSON", 3, 6)]) == []


def test_token_labels_first_by_start_then_longest() -> None:
    tokens = [(0, 3), (4, 7), (8, 11), (12, 14)]
    spans = [k("ORG", 4, 11), k("PERSON", 0, 7), k("GPE", 0, 3)]
    # token 0: PERSON (0-7) and GPE (0-3) start together -> longest, PERSON
    # token 1: PERSON starts before ORG -> PERSON ; token 2: only ORG ; token 3: O
    assert token_labels(tokens, spans) == ["PERSON", "PERSON", "ORG", "O"]


def test_link_counts_split_event_and_attribution() -> None:
    trig, ann, paris = k("Conflict.Attack", 4, 7, "event"), k("PERSON", 0, 3), k("GPE", 15, 20)
    content, source = k("CONTENT", 8, 14, "attribution"), k("SOURCE", 0, 3, "attribution")
    a = [LinkKey(trig, ann, "Attacker"), LinkKey(trig, paris, "Place"),
         LinkKey(content, source, "source")]
    b = [LinkKey(trig, ann, "Attacker"), LinkKey(content, source, "source"),
         LinkKey(trig, k("PERSON", 0, 4), "Attacker")]  # tail differs: no exact match
    counts = link_counts(a, b)
    assert counts[("event_argument", "Attacker")] == Counts(tp=1, fp=1)
    assert counts[("event_argument", "Place")] == Counts(fn=1)
    assert counts[("attribution", "source")] == Counts(tp=1)


# ------------------------------------------------------------------ over a store
def test_agreement_from_store_worked_example(store: Store) -> None:
    doc = add_doc(store, TEXT)
    mark(store, doc, "ann", [("PERSON", 0, 3), ("PERSON", 8, 11), ("GPE", 15, 20)])
    mark(store, doc, "bob", [("PERSON", 0, 3), ("ORG", 8, 11)])
    report = agreement(store, layer="entity")
    assert report.documents == 1 and report.annotators == ["ann", "bob"]
    (pair,) = report.pairs
    total = micro(pair.exact.values())
    assert (total.tp, total.fp, total.fn) == (1, 1, 2)
    assert total.precision == pytest.approx(1 / 2)  # bob's spans that ann also has
    assert total.recall == pytest.approx(1 / 3)  # ann's spans that bob also has
    assert total.f1 == pytest.approx(2 / 5)
    assert pair.kappa["entity"] == pytest.approx(5 / 11)  # as in test_cohen_kappa_worked_example
    assert report.alpha["entity"] == pytest.approx(10 / 21)
    assert report.fleiss["entity"] is None  # two raters: see alpha


def test_perfect_and_no_agreement(store: Store) -> None:
    same = add_doc(store, TEXT, 1)
    mark(store, same, "ann", [("PERSON", 0, 3), ("GPE", 15, 20)])
    mark(store, same, "bob", [("PERSON", 0, 3), ("GPE", 15, 20)])
    report = agreement(store, layer="entity", doc_ids=[same])
    assert micro(report.pairs[0].exact.values()).f1 == pytest.approx(1.0)
    assert report.pairs[0].kappa["entity"] == pytest.approx(1.0)
    assert report.alpha["entity"] == pytest.approx(1.0)

    apart = add_doc(store, TEXT, 2)
    mark(store, apart, "ann", [("PERSON", 0, 3)])
    mark(store, apart, "bob", [("GPE", 15, 20)])
    report = agreement(store, layer="entity", doc_ids=[apart])
    assert micro(report.pairs[0].exact.values()).f1 == 0.0
    # tokens: ann P O O O O O, bob O O O O G O: p_o = 4/6, p_e = (5*5)/36 = 25/36
    # kappa = (24/36 - 25/36) / (11/36) = -1/11
    assert report.pairs[0].kappa["entity"] == pytest.approx(-1 / 11)


def test_only_done_sets_count_and_gold_never(store: Store) -> None:
    doc = add_doc(store, TEXT)
    mark(store, doc, "ann", [("PERSON", 0, 3)])
    mark(store, doc, "bob", [("PERSON", 0, 3)], status="in_progress")
    assert agreement(store).documents == 0  # only one done set
    mark(store, doc, "gold", [("GPE", 15, 20)])
    assert agreement(store).documents == 0  # gold is not an annotator
    store.set_status(doc, "bob", "done")
    report = agreement(store)
    assert report.documents == 1 and report.annotators == ["ann", "bob"]


def test_three_annotators_fleiss_and_per_document_worst_first(store: Store) -> None:
    good = add_doc(store, TEXT, 1)
    bad = add_doc(store, TEXT, 2)
    for who in ("ann", "bob", "cy"):
        mark(store, good, who, [("PERSON", 0, 3)])
    mark(store, bad, "ann", [("PERSON", 0, 3)])
    mark(store, bad, "bob", [("ORG", 0, 3)])
    mark(store, bad, "cy", [("PERSON", 8, 11)])
    report = agreement(store, layer="entity", per_document=True)
    assert report.documents == 2 and len(report.pairs) == 3
    assert [d.doc_id for d in report.per_document] == [bad, good]
    assert report.per_document[0].exact.f1 == 0.0
    assert report.per_document[1].exact.f1 == pytest.approx(1.0)
    assert report.per_document[1].alpha["entity"] == pytest.approx(1.0)
    # Fleiss over 12 tokens x 3 raters. good doc: 6 unanimous tokens (P_i = 1).
    # bad doc: token0 P,R,O -> P_i 0; token2 O,O,P -> (4+1-3)/6 = 1/3; four O,O,O -> 1.
    # P = (6 + 0 + 1/3 + 4) / 12 = 31/36.
    # counts: P = 3 (good) + 1 + 1 = 5, R = 1, O = 15 + 15 = 30 of 36 ratings.
    # P_e = (25 + 1 + 900) / 1296 = 926/1296 ; kappa = (31/36 - 926/1296) / (1 - 926/1296)
    p_bar, p_e = 31 / 36, 926 / 1296
    assert report.fleiss["entity"] == pytest.approx((p_bar - p_e) / (1 - p_e))


def test_links_agreement_from_store(store: Store) -> None:
    text = "Ann attacked Paris ."  # Ann 0-3, attacked 4-12, Paris 13-18
    doc = add_doc(store, text)
    for who, role_place in (("ann", True), ("bob", False)):
        ids = mark(store, doc, who, [("PERSON", 0, 3), ("Conflict.Attack", 4, 12),
                                      ("GPE", 13, 18)], status="in_progress")
        trig = ids[("Conflict.Attack", 4, 12)]
        store.add_link(trig, ids[("PERSON", 0, 3)], "Attacker", who)
        if role_place:
            store.add_link(trig, ids[("GPE", 13, 18)], "Place", who)
        store.set_status(doc, who, "done")
    report = agreement(store)
    links = report.pooled("links")
    assert links[("event_argument", "Attacker")] == Counts(tp=1)
    assert links[("event_argument", "Place")] == Counts(fn=1)
    data = report.to_dict()
    assert data["links"]["micro"]["f1"] == pytest.approx(round(2 / 3, 4))
    json.dumps(data)  # serialisable as is


def test_unknown_layer_is_one_clear_error(store: Store) -> None:
    with pytest.raises(StoreError, match="no layer 'topic'"):
        agreement(store, layer="topic")
