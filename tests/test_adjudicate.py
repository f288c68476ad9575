"""Adjudication into the gold set: domain functions, then the review screen through Pilot."""

from __future__ import annotations

from pathlib import Path

import pytest

from copydesk.projects.adjudicate import (
    ACCEPTED,
    OPEN,
    REJECTED,
    accept,
    auto_accept_unanimous,
    candidates,
    decision_log,
    gold_rows,
    reject,
    review_queue,
)
from copydesk.projects.agreement import SpanKey
from copydesk.projects.errors import PermissionDenied, StoreError
from copydesk.projects.permissions import GOLD, Policy
from copydesk.projects.store import Store
from copydesk.schema.model import Label, Role, Schema

TEXT = "Ann attacked Paris ."  # Ann 0-3, attacked 4-12, Paris 13-18
POLICY = Policy(annotators=("ann", "bob"), reviewers=("rita",))
PERSON = SpanKey("entity", "PERSON", 0, 3)
ATTACK = SpanKey("event", "Conflict.Attack", 4, 12)
GPE = SpanKey("entity", "GPE", 13, 18)
ORG = SpanKey("entity", "ORG", 13, 18)


def make_schema() -> Schema:
    return Schema(
        name="tiny", version="1", text="tiny-adjudicate",
        labels=(
            Label("PERSON", "entity", "yellow"),
            Label("ORG", "entity", "blue"),
            Label("GPE", "entity", "green"),
            Label("Conflict.Attack", "event", "red",
                  roles=(Role("Attacker", ("PERSON", "ORG")), Role("Place", ("GPE", "ORG")))),
        ),
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "a.db", make_schema())
    yield s
    s.close()


@pytest.fixture
def doc(store: Store) -> int:
    """ann and bob agree on Ann and the attack (and its Attacker); differ on Paris GPE vs ORG."""
    (doc_id,) = store.add_documents([{"text": TEXT, "content_hash": "h"}])
    assert doc_id is not None
    for who, place in (("ann", "GPE"), ("bob", "ORG")):
        person = store.add_span(doc_id, who, "PERSON", 0, 3).id
        trig = store.add_span(doc_id, who, "Conflict.Attack", 4, 12).id
        paris = store.add_span(doc_id, who, place, 13, 18).id
        store.add_link(trig, person, "Attacker", who)
        store.add_link(trig, paris, "Place", who)
        store.set_status(doc_id, who, "done")
    return doc_id


def gold_keys(store: Store, doc_id: int) -> tuple[set[SpanKey], set[tuple[SpanKey, SpanKey, str]]]:
    spans, links = gold_rows(store, doc_id)
    by_id = {s.id: SpanKey(s.layer, s.label, s.start, s.end) for s in spans}
    return set(by_id.values()), {(by_id[x.head_id], by_id[x.tail_id], x.role) for x in links}


def test_candidates_merge_and_mark_disagreements(store: Store, doc: int) -> None:
    review = candidates(store, doc)
    assert review.annotators == ["ann", "bob"]
    assert [c.key for c in review.candidates] == [PERSON, ATTACK, GPE, ORG]
    assert [c.annotators for c in review.candidates] == [("ann", "bob"), ("ann", "bob"),
                                                          ("ann",), ("bob",)]
    assert [c.unanimous for c in review.candidates] == [True, True, False, False]
    assert [c.key for c in review.disagreements] == [GPE, ORG]
    assert all(c.status == OPEN for c in review.candidates)


def test_sets_not_done_are_not_merged(store: Store, doc: int) -> None:
    store.set_status(doc, "bob", "in_progress")
    review = candidates(store, doc)
    assert review.annotators == ["ann"]
    assert not any(c.unanimous for c in review.candidates)  # one person is not agreement
    assert auto_accept_unanimous(store, doc, "rita", policy=POLICY) == []


def test_accept_copies_span_and_links_whose_both_ends_are_gold(store: Store, doc: int) -> None:
    accept(store, doc, "rita", ATTACK, policy=POLICY)
    assert gold_keys(store, doc) == ({ATTACK}, set())  # no link: the other ends are not gold
    result = accept(store, doc, "rita", PERSON, policy=POLICY)
    assert len(result.link_ids) == 1
    assert gold_keys(store, doc) == ({ATTACK, PERSON}, {(ATTACK, PERSON, "Attacker")})
    assert candidates(store, doc).find(PERSON).status == ACCEPTED  # type: ignore[union-attr]


def test_every_decision_is_logged_with_the_reviewer(store: Store, doc: int) -> None:
    accept(store, doc, "rita", PERSON, policy=POLICY)
    reject(store, doc, "rita", ORG, policy=POLICY)
    log = decision_log(store, doc)
    assert [(e["kind"], e["reviewer"], SpanKey.from_json(e["key"])) for e in log] == [
        ("accept", "rita", PERSON), ("reject", "rita", ORG)]
    assert log[0]["key"] == ["entity", "PERSON", 0, 3]  # one-piece keys log as before
    assert log[0]["annotators"] == ["ann", "bob"]
    kinds = [a.kind for a in store.actions(doc, GOLD)]
    assert kinds.count("add_span") == 1 and "accept" in kinds and "reject" in kinds
    assert candidates(store, doc).find(ORG).decided_by == "rita"  # type: ignore[union-attr]


def test_reject_after_accept_removes_the_gold_span(store: Store, doc: int) -> None:
    accept(store, doc, "rita", PERSON, policy=POLICY)
    accept(store, doc, "rita", ATTACK, policy=POLICY)
    reject(store, doc, "rita", PERSON, policy=POLICY)
    assert gold_keys(store, doc) == ({ATTACK}, set())  # its link went with it
    assert candidates(store, doc).find(PERSON).status == REJECTED  # type: ignore[union-attr]
    accept(store, doc, "rita", PERSON, policy=POLICY)  # change of mind is allowed and logged
    assert gold_keys(store, doc)[0] == {ATTACK, PERSON}


def test_gold_set_is_done_once_nothing_is_open(store: Store, doc: int) -> None:
    assert len(auto_accept_unanimous(store, doc, "rita", policy=POLICY)) == 2
    assert store.annotation_set(doc, GOLD).status == "in_progress"  # type: ignore[union-attr]
    accept(store, doc, "rita", GPE, policy=POLICY)
    reject(store, doc, "rita", ORG, policy=POLICY)
    assert store.annotation_set(doc, GOLD).status == "done"  # type: ignore[union-attr]
    assert review_queue(store) == [(doc, "", 2, "done")]


def test_only_reviewers_adjudicate(store: Store, doc: int) -> None:
    with pytest.raises(PermissionDenied, match="not a reviewer"):
        accept(store, doc, "ann", PERSON, policy=POLICY)
    with pytest.raises(PermissionDenied):
        reject(store, doc, "bob", ORG, policy=POLICY)
    with pytest.raises(PermissionDenied):
        auto_accept_unanimous(store, doc, "ann", policy=POLICY)
    with pytest.raises(StoreError, match="not a reviewer's name"):
        accept(store, doc, GOLD, PERSON)
    assert store.annotation_set(doc, GOLD) is None  # nothing was written


def test_unknown_candidate_is_a_clear_error(store: Store, doc: int) -> None:
    with pytest.raises(StoreError, match="no candidate PERSON 5-9"):
        accept(store, doc, "rita", SpanKey("entity", "PERSON", 5, 9), policy=POLICY)


# ------------------------------------------------------------------ the review screen
async def test_review_screen_produces_the_exact_gold_rows(store: Store, doc: int) -> None:
    from textual.widgets import DataTable

    from copydesk.tui.app.screens.review import ReviewApp, ReviewScreen

    app = ReviewApp(store, "rita", [doc], policy=POLICY)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == 4
        assert {b.id for b in screen.BINDINGS if hasattr(b, "id")} >= {
            "review.accept", "review.reject", "review.accept_unanimous",
            "review.next_document", "review.previous_document"}
        await pilot.press("A")  # Ann and the attack, with the Attacker link
        await pilot.pause()
        assert gold_keys(store, doc) == ({PERSON, ATTACK}, {(ATTACK, PERSON, "Attacker")})
        await pilot.press("down", "down")  # GPE row
        await pilot.press("a")  # accepting GPE settles the conflict: ORG on Paris is rejected
        await pilot.pause()
        assert "ORG rejected" in str(screen.query_one("#review-message").render())
        assert table.row_count == 4
        assert [c.status for c in screen.review.candidates] == [  # type: ignore[union-attr]
            ACCEPTED, ACCEPTED, ACCEPTED, REJECTED]

    spans, _links = gold_rows(store, doc)
    assert sorted((s.layer, s.label, s.start, s.end, s.text) for s in spans) == [
        ("entity", "GPE", 13, 18, "Paris"),
        ("entity", "PERSON", 0, 3, "Ann"),
        ("event", "Conflict.Attack", 4, 12, "attacked"),
    ]
    assert gold_keys(store, doc)[1] == {(ATTACK, PERSON, "Attacker"), (ATTACK, GPE, "Place")}
    assert store.annotation_set(doc, GOLD).status == "done"  # type: ignore[union-attr]
    assert [(e["kind"], e["reviewer"]) for e in decision_log(store, doc)] == [
        ("accept", "rita"), ("accept", "rita"), ("accept", "rita"), ("reject", "rita")]


def test_accepting_one_side_of_a_conflict_settles_it(store: Store, doc: int) -> None:
    """Issue 25: GPE and ORG on the same "Paris" are one conflict; accepting GPE rejects ORG
    (logged, with the key that settled it) and leaves nothing open there. Other layers and
    other text are untouched."""
    result = accept(store, doc, "rita", GPE, policy=POLICY)
    assert result.settled == ["ORG"]
    review = candidates(store, doc)
    assert review.find(ORG).status == REJECTED  # type: ignore[union-attr]
    assert review.find(PERSON).status == "open"  # type: ignore[union-attr]
    [entry] = [e for e in decision_log(store, doc) if e["kind"] == "reject"]
    assert entry["reviewer"] == "rita" and entry["settled_by"] == GPE.to_json()
    auto_accept_unanimous(store, doc, "rita", policy=POLICY)
    assert store.annotation_set(doc, GOLD).status == "done"  # type: ignore[union-attr]


async def test_review_screen_shows_refusals_and_moves_between_documents(store: Store,
                                                                        doc: int) -> None:
    from textual.widgets import Static

    from copydesk.tui.app.screens.review import ReviewApp, ReviewScreen

    (second,) = store.add_documents([{"text": "Bob .", "content_hash": "h2"}])
    app = ReviewApp(store, "ann", [doc, second], policy=POLICY)  # ann is no reviewer
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await pilot.press("a")
        message = screen.query_one("#review-message", Static)
        assert "not a reviewer" in str(message.render())
        assert message.has_class("-error")
        await pilot.press("n")
        assert screen.doc_id == second
        await pilot.press("n")
        assert screen.doc_id == second
        await pilot.press("p")
        assert screen.doc_id == doc
    assert store.annotation_set(doc, GOLD) is None


def test_one_review_decision_is_one_transaction(store: Store, doc: int, monkeypatch) -> None:
    """A crash after the gold span is written but before the decision row leaves nothing."""
    from copydesk.projects import adjudicate

    accept(store, doc, "rita", ATTACK, policy=POLICY)
    before = (gold_keys(store, doc), len(store.actions(doc, GOLD)))

    def crash(*_args: object, **_kw: object) -> None:
        raise StoreError("simulated crash before the decision row")

    monkeypatch.setattr(adjudicate, "_log_decision", crash)
    with pytest.raises(StoreError, match="simulated crash"):
        accept(store, doc, "rita", PERSON, policy=POLICY)  # would add a span and a link
    with pytest.raises(StoreError, match="simulated crash"):
        reject(store, doc, "rita", ATTACK, policy=POLICY)  # would remove the gold span
    assert (gold_keys(store, doc), len(store.actions(doc, GOLD))) == before
    assert candidates(store, doc).find(PERSON).status == OPEN  # type: ignore[union-attr]


def test_gold_is_reopened_when_a_late_annotator_finishes(store: Store, doc: int,
                                                         tmp_path: Path) -> None:
    from copydesk.projects.stats import project_stats

    auto_accept_unanimous(store, doc, "rita", policy=POLICY)
    accept(store, doc, "rita", GPE, policy=POLICY)
    reject(store, doc, "rita", ORG, policy=POLICY)
    assert store.annotation_set(doc, GOLD).status == "done"  # type: ignore[union-attr]
    assert review_queue(store)[0][3] == "done"
    # a late annotator finishes with a span nobody reviewed
    store.add_span(doc, "cy", "ORG", 0, 3)
    assert store.annotation_set(doc, GOLD).status == "done"  # type: ignore[union-attr]
    store.set_status(doc, "cy", "done")
    assert store.annotation_set(doc, GOLD).status == "in_progress"  # type: ignore[union-attr]
    assert review_queue(store)[0][3] == "reopened"
    assert project_stats(store).reopened_gold == [doc]
    # the reviewer decides the new candidate: gold is done again, no longer reopened
    reject(store, doc, "rita", SpanKey("entity", "ORG", 0, 3), policy=POLICY)
    assert store.annotation_set(doc, GOLD).status == "done"  # type: ignore[union-attr]
    assert review_queue(store)[0][3] == "done" and project_stats(store).reopened_gold == []
    # an edit to a finished set that only repeats decided candidates reopens nothing
    store.add_span(doc, "cy", "PERSON", 0, 3)
    assert store.annotation_set(doc, GOLD).status == "done"  # type: ignore[union-attr]
    # ... but a new candidate in a finished set does
    store.add_span(doc, "ann", "ORG", 4, 12)
    assert review_queue(store)[0][3] == "reopened"


async def test_review_screen_waits_for_a_locked_database_without_freezing(store: Store,
                                                                          doc: int) -> None:
    import sqlite3
    import time

    from textual.widgets import DataTable, Static

    from copydesk.tui.app.screens.review import ReviewApp, ReviewScreen

    app = ReviewApp(store, "rita", [doc], policy=POLICY)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        blocker = sqlite3.connect(store.db.path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            await pilot.press("a")  # accept Ann while someone else holds the lock
            await pilot.pause()
            message = str(screen.query_one("#review-message", Static).content)
            assert message.startswith("saving… accept PERSON"), message
            await pilot.press("down")  # keys still answer
            await pilot.pause()
            assert screen.query_one(DataTable).cursor_row == 1
            assert gold_keys(store, doc) == (set(), set())
        finally:
            blocker.execute("COMMIT")
            blocker.close()
        deadline = time.monotonic() + 60
        while gold_keys(store, doc)[0] != {PERSON}:
            assert time.monotonic() < deadline
            await pilot.pause(0.05)
        await pilot.pause(0.2)
        assert "accepted PERSON" in str(screen.query_one("#review-message", Static).content)


async def test_review_shows_a_split_quote_by_its_pieces(tmp_path: Path) -> None:
    """Issue 25: a split CONTENT was listed by its outer bounds, its source and cue read as
    part of the quote. The row shows each piece, and their offsets."""
    from textual.widgets import DataTable

    from copydesk.schema import load_default_schema
    from copydesk.tui.app.screens.review import ReviewApp

    text = '"The dam will hold," said engineer Sora Mext, "until the spring floods."'
    first = (1, text.index(',"'))
    second = (text.index("until"), text.index('."'))
    store = Store(tmp_path / "q.db", load_default_schema())
    try:
        (doc_id,) = store.add_documents([{"text": text, "content_hash": "q"}])
        store.add_span(doc_id, "ann", "CONTENT", first[0], second[1], fragments=[first, second])
        store.set_status(doc_id, "ann", "done")
        app = ReviewApp(store, "rita", [doc_id])
        async with app.run_test(size=(140, 30)) as pilot:
            await pilot.pause()
            table = app.screen.query_one(DataTable)
            row = table.get_row_at(0)
            assert row[0] == f"{first[0]} {second[0]}" and row[1] == f"{first[1]} {second[1]}"
            shown = str(row[2])
            assert shown == "The dam will hold … until the spring floods"
            assert "said" not in shown and "Sora" not in shown
    finally:
        store.close()
