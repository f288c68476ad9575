"""The lead's figures (projects.dashboard) against hand-computed cases.

Every expected number is worked out in the comment beside it, never by running the code.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from copydesk.projects.agreement import SpanKey, agreement, micro
from copydesk.projects.assign import assign
from copydesk.projects.dashboard import (
    NONE,
    confusion,
    confusion_pair,
    full_figures,
    progress,
    throughput,
)
from copydesk.projects.errors import StoreError
from copydesk.projects.store import Store
from copydesk.schema.model import Label, Schema

TEXT = "Ann of Acme met Bob in Paris ."
# Ann 0-3, of 4-6, Acme 7-11, met 12-15, Bob 16-19, in 20-22, Paris 23-28, . 29-30


def make_schema() -> Schema:
    return Schema(name="tiny", version="1", text="tiny-dashboard", labels=(
        Label("PERSON", "entity", "yellow"), Label("ORG", "entity", "blue"),
        Label("GPE", "entity", "green")))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "d.db", make_schema())
    yield s
    s.close()


def add_doc(store: Store, text: str, n: int) -> int:
    (doc_id,) = store.add_documents([{"text": text, "content_hash": f"h{n}",
                                      "title": f"story {n}"}])
    return int(doc_id)


def mark(store: Store, doc: int, who: str, spans: list[tuple[str, int, int]],
         status: str = "done") -> None:
    for label, start, end in spans:
        store.add_span(doc, who, label, start, end)
    store.set_status(doc, who, status)


# alice: PERSON Ann, ORG Acme, PERSON Bob, GPE Paris
ALICE = [("PERSON", 0, 3), ("ORG", 7, 11), ("PERSON", 16, 19), ("GPE", 23, 28)]
# bob: PERSON Ann (agrees), ORG Bob (label confusion), GPE "in Paris" (boundary only);
# he missed Acme.
BOB = [("PERSON", 0, 3), ("ORG", 16, 19), ("GPE", 20, 28)]


def keys(spans: list[tuple[str, int, int]]) -> list[SpanKey]:
    return [SpanKey("entity", label, s, e) for label, s, e in spans]


def test_confusion_pair_hand_computed() -> None:
    conf = confusion_pair(keys(ALICE), keys(BOB)).to_dict()
    # labels seen: GPE, ORG, PERSON, then none.
    assert conf["labels"] == ["GPE", "ORG", "PERSON", NONE]
    m = conf["matrix"]
    assert m["PERSON"]["PERSON"] == 1  # Ann, exact
    assert m["PERSON"]["ORG"] == 1  # Bob: alice PERSON where bob said ORG
    assert m["ORG"][NONE] == 1  # Acme: only alice marked it
    assert m["GPE"]["GPE"] == 0  # Paris is not an exact match...
    assert conf["boundary"] == {"GPE": 1, "ORG": 0, "PERSON": 0}  # ...it differs in extent only
    # Nothing else: 3 cells of 1 in a 4x4 matrix.
    assert sum(n for row in m.values() for n in row.values()) == 3
    # Reversed, rows and columns swap.
    back = confusion_pair(keys(BOB), keys(ALICE)).to_dict()["matrix"]
    assert back["ORG"]["PERSON"] == 1 and back[NONE]["ORG"] == 1


def test_label_and_extent_both_differ_is_two_nones() -> None:
    # alice PERSON 0-3, bob ORG 0-11: neither same label nor same extent.
    conf = confusion_pair(keys([("PERSON", 0, 3)]), keys([("ORG", 0, 11)]))
    assert conf.count("PERSON", NONE) == 1 and conf.count(NONE, "ORG") == 1
    assert conf.count("PERSON", "ORG") == 0


def test_confusion_reconciles_with_agreement_scores(store: Store) -> None:
    doc = add_doc(store, TEXT, 1)
    mark(store, doc, "alice", ALICE)
    mark(store, doc, "bob", BOB)
    conf = confusion(store)
    report = agreement(store)
    exact = micro(report.pooled("exact").values())
    overlap = micro(report.pooled("overlap").values())
    diagonal = sum(conf.count(label, label) for label in conf.labels[:-1])
    assert diagonal == exact.tp == 1
    assert diagonal + sum(conf.boundary.values()) == overlap.tp == 2


def test_more_than_two_annotators_sum_every_pair_or_one(store: Store) -> None:
    doc = add_doc(store, TEXT, 1)
    mark(store, doc, "alice", ALICE)
    mark(store, doc, "bob", BOB)
    mark(store, doc, "carol", [("PERSON", 0, 3)])
    # Machine suggestions and gold never count as annotators.
    mark(store, doc, "suggest:patterns", [("GPE", 7, 11)])
    mark(store, doc, "gold", [("ORG", 0, 3)])
    total = confusion(store)
    # alice/bob: PERSON-PERSON 1, PERSON-ORG 1, ORG-none 1, boundary GPE 1.
    # alice/carol: PERSON-PERSON 1 (Ann); alice's ORG Acme, PERSON Bob, GPE Paris -> none.
    # bob/carol: PERSON-PERSON 1; bob's ORG Bob and GPE "in Paris" -> none.
    assert total.count("PERSON", "PERSON") == 3
    assert total.count("PERSON", "ORG") == 1
    assert total.count("ORG", NONE) == 3  # Acme twice (vs bob, vs carol), bob's ORG once
    assert total.count("PERSON", NONE) == 1  # alice's Bob vs carol
    assert total.count("GPE", NONE) == 2  # alice's and bob's Paris vs carol
    assert total.boundary["GPE"] == 1
    assert sum(total.cells.values()) == 3 + 1 + 3 + 1 + 2
    # One pair, in the order asked: carol rows, alice columns.
    one = confusion(store, pair=("carol", "alice"))
    assert one.count("PERSON", "PERSON") == 1
    assert one.count(NONE, "ORG") == 1 and one.count(NONE, "PERSON") == 1
    assert one.count(NONE, "GPE") == 1
    with pytest.raises(StoreError, match="suggest:patterns"):
        confusion(store, pair=("alice", "suggest:patterns"))


def test_progress_against_assignment_and_throughput(store: Store) -> None:
    docs = [add_doc(store, f"{TEXT} {n}", n) for n in range(4)]
    assign(store, ["alice", "bob"], 1)  # 4 documents, one annotator each: 2 + 2
    mark(store, docs[0], "alice", [("PERSON", 0, 3)])
    store.add_span(docs[1], "bob", "ORG", 7, 11)  # bob started, not done
    store.add_span(docs[2], "suggest:model", "ORG", 7, 11)
    rows = {p.annotator: p for p in progress(store)}
    assert set(rows) == {"alice", "bob"}  # the suggestion set is not an annotator
    assert rows["alice"].total == 2
    assert (rows["alice"].done, rows["alice"].in_progress) == (1, 0)
    # bob's set exists only as in progress once it is marked so; a set made by a first edit
    # is "todo" until then, so his 2 assigned documents are still to do.
    assert rows["bob"].done == 0 and rows["bob"].todo + rows["bob"].in_progress == 2
    # Edits today: alice add_span + set_status, bob add_span = 3; the suggestion edit is not
    # an annotator's. Two days shown: yesterday 0, today 3.
    today = date.today()
    days = throughput(store, days=2, today=today)
    assert days == [((today.fromordinal(today.toordinal() - 1)).isoformat(), 0),
                    (today.isoformat(), 3)]


def test_full_figures_lowest_documents_first(store: Store) -> None:
    good = add_doc(store, TEXT, 1)
    bad = add_doc(store, TEXT + " again", 2)
    mark(store, good, "alice", ALICE)
    mark(store, good, "bob", ALICE)
    mark(store, bad, "alice", ALICE)
    mark(store, bad, "bob", BOB)
    board = full_figures(store)
    assert board.complete and board.documents_compared == 2
    # bad: tp 1 of |a| 4 + |b| 3 -> F1 = 2/7; good: 1.0.
    assert [d.doc_id for d in board.lowest] == [bad, good]
    assert board.lowest[0].f1 == pytest.approx(2 / 7)
    assert board.lowest[0].title == "story 2"
    by_label = {a.label: a for a in board.labels}
    # PERSON: good 2 tp; bad Ann tp, alice Bob fn -> tp 3 fp 0 fn 1 -> F1 6/7.
    assert by_label["PERSON"].f1 == pytest.approx(6 / 7)
    # ORG: good tp 1; bad: alice Acme fn, bob's Bob fp -> 2/(2+2) = 0.5.
    assert by_label["ORG"].f1 == pytest.approx(0.5)


def test_sql_counting_matches_the_pairing_in_python(store: Store) -> None:
    """The dashboard counts in SQL; on random work by three annotators (and one suggestion
    set) it must give what pairing every span in Python gives, cell for cell."""
    import random

    from copydesk.projects.dashboard import agreement_views, load_done_spans, sql_agreement

    rng = random.Random(7)
    words = [(0, 3), (7, 11), (16, 19), (20, 22), (23, 28)]
    for n in range(12):
        doc = add_doc(store, TEXT + " " * n, n)
        for who in ("alice", "bob", "carol", "suggest:model"):
            if rng.random() < 0.2:
                continue  # not everyone works on every document
            picked = rng.sample(words, rng.randrange(len(words) + 1))
            spans = sorted({(rng.choice(["PERSON", "ORG", "GPE"]), s,
                             e if rng.random() < 0.8 else 28) for s, e in picked})
            spans = list({(s, e): (lab, s, e) for lab, s, e in spans}.values())
            mark(store, doc, who, spans, status="done" if rng.random() < 0.9 else "in_progress")
    for pair in (None, ("carol", "alice")):
        labels, docs, conf = sql_agreement(store, pair=pair)
        ref_labels, ref_docs, ref_conf = agreement_views(load_done_spans(store), pair=pair)
        assert conf.to_dict() == ref_conf.to_dict()
        assert [(x.label, x.counts) for x in labels] == [(x.label, x.counts) for x in ref_labels]
        assert [(d.doc_id, d.counts) for d in docs] == [(d.doc_id, d.counts) for d in ref_docs]
