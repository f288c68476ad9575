"""`review --accept-unanimous` in bulk: one pass per document gives the same gold rows and
the same logged decisions as accepting the candidates one by one (issue 25)."""

from __future__ import annotations

from pathlib import Path

from copydesk.projects.adjudicate import (
    accept,
    accept_unanimous,
    candidates,
    decision_log,
    gold_rows,
)
from copydesk.projects.agreement import SpanKey
from copydesk.projects.permissions import Policy
from copydesk.projects.store import Store
from copydesk.schema.model import Label, Role, Schema

# Ann 0-3, attacked 4-12, Paris 13-18, Lyon 23-27
TEXT = "Ann attacked Paris and Lyon ."
POLICY = Policy(annotators=("ann", "bob"), reviewers=("rita",))
SCHEMA = Schema(
    name="tiny", version="1", text="tiny-bulk",
    labels=(Label("PERSON", "entity", "yellow"), Label("GPE", "entity", "green"),
            Label("ORG", "entity", "blue"),
            Label("Conflict.Attack", "event", "red",
                  roles=(Role("Attacker", ("PERSON", "ORG")),
                         Role("Place", ("GPE", "ORG"), repeat=True)))),
)


def build(path: Path, docs: int) -> Store:
    """ann and bob agree on Ann, the attack, Paris and both links to them; they differ on Lyon
    (GPE / ORG), whose link is therefore not copied. The reviewer accepted Ann by hand first."""
    store = Store(path, SCHEMA)
    for n in range(docs):
        (doc,) = store.add_documents([{"text": TEXT, "content_hash": f"h{n}"}])
        assert doc is not None
        for who, lyon in (("ann", "GPE"), ("bob", "ORG")):
            person = store.add_span(doc, who, "PERSON", 0, 3).id
            trig = store.add_span(doc, who, "Conflict.Attack", 4, 12).id
            paris = store.add_span(doc, who, "GPE", 13, 18).id
            other = store.add_span(doc, who, lyon, 23, 27).id
            store.add_link(trig, person, "Attacker", who)
            store.add_link(trig, paris, "Place", who)
            store.add_link(trig, other, "Place", who)
            store.set_status(doc, who, "done")
        accept(store, doc, "rita", SpanKey("entity", "PERSON", 0, 3), policy=POLICY)
    return store


def snapshot(store: Store, doc: int) -> tuple:
    spans, links = gold_rows(store, doc)
    key = {s.id: (s.label, s.start, s.end) for s in spans}
    decisions = [(d["kind"], d["key"], d["annotators"], sorted(
        (key[lk.head_id], key[lk.tail_id], lk.role) for lk in links if lk.id in d["link_ids"]))
        for d in decision_log(store, doc)]
    return (sorted(key.values()), sorted((key[lk.head_id], key[lk.tail_id], lk.role)
                                         for lk in links), decisions)


def test_bulk_equals_one_by_one(tmp_path: Path) -> None:
    one_by_one = build(tmp_path / "a.db", 2)
    bulk = build(tmp_path / "b.db", 2)
    try:
        for doc in (1, 2):
            for cand in candidates(one_by_one, doc).open:
                if cand.unanimous:
                    accept(one_by_one, doc, "rita", cand, policy=POLICY)
        seen: list[tuple[int, int]] = []
        assert accept_unanimous(bulk, [1, 2], "rita", policy=POLICY,
                                progress=lambda done, total: seen.append((done, total))) == (4, 2)
        assert seen == [(1, 2), (2, 2)]
        for doc in (1, 2):
            assert snapshot(bulk, doc) == snapshot(one_by_one, doc)
        spans, links = snapshot(bulk, 1)[:2]
        assert spans == [("Conflict.Attack", 4, 12), ("GPE", 13, 18), ("PERSON", 0, 3)]
        assert links == [(("Conflict.Attack", 4, 12), ("GPE", 13, 18), "Place"),
                         (("Conflict.Attack", 4, 12), ("PERSON", 0, 3), "Attacker")]
        assert accept_unanimous(bulk, [1, 2], "rita", policy=POLICY) == (0, 0)  # idempotent
    finally:
        one_by_one.close()
        bulk.close()
