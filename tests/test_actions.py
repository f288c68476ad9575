"""The action log through its typed classes (projects.actions): one codec, the stored format of
older versions, and undo/redo of a log the previous code wrote.

`tests/data/undo-log/` is a project made by the copydesk of commit de588be, before the action
kinds became classes (its `make.py` says how): every undoable kind, an undo, a status, a
suggestion accepted and one rejected, a corrected text. Its `expected.json` is what that code
did when it undid every step and redid them all; the same steps here must do the same, on
SQLite and on a PostgreSQL copy of the project.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import add_text, find
from sqlmodel import select

from copydesk.projects import actions
from copydesk.projects.actions import (
    REGISTRY,
    AcceptSuggestion,
    AddLink,
    AddSpan,
    Decision,
    LogAction,
    RejectSuggestion,
    SetAttributes,
    decode,
    decode_payload,
    encode,
)
from copydesk.projects.errors import StoreError
from copydesk.projects.models import Action, SuggestionDecision
from copydesk.projects.project import Project
from copydesk.tui.engine.history_text import describe_action

DATA = Path(__file__).parent / "data"
FIXTURE = DATA / "undo-log"
LEGACY = DATA / "legacy-v0.1"
WHO = (("alice", 1), ("bob", 2))

SPAN = {"id": 4, "set_id": 1, "document_id": 1, "layer": "entity", "label": "GPE",
        "start": 3, "end": 9, "text": "Mosul", "attributes": "{}", "schema_id": 1,
        "stale": "", "created_at": "2026-12-07T10:00:00.000+00:00", "fragments": None,
        "needs_review": False, "review_reason": "", "review_old_text": None}
LINK = {"id": 2, "set_id": 1, "head_id": 3, "tail_id": 4, "role": "Place", "schema_id": 1,
        "stale": "", "created_at": "2026-12-07T10:00:01.000+00:00"}
DECISION = {"id": 5, "document_id": 1, "annotator": "alice", "source": "suggest:patterns",
            "layer": "entity", "label": "GPE", "start": 3, "end": 9, "decision": "rejected",
            "span_id": None, "at": "2026-12-07T10:00:02.000+00:00"}
HEAD = {"source": "suggest:patterns", "layer": "entity", "label": "GPE", "start": 3, "end": 9}

# One instance of every kind the log holds, as the code that writes it makes it.
EXAMPLES: dict[str, LogAction] = {
    "add_span": AddSpan(SPAN),
    "remove_span": actions.RemoveSpan(SPAN, (LINK,)),
    "relabel_span": actions.RelabelSpan(4, {"label": "GPE", "layer": "entity"},
                                        {"label": "LOC", "layer": "entity"}),
    "set_attributes": SetAttributes(4, "{}", '{"realis": "generic"}'),
    "add_link": AddLink(LINK),
    "remove_link": actions.RemoveLink(LINK),
    "set_role": actions.SetRole(2, "Place", "Target"),
    "add_fragment": actions.AddFragment(4, {"start": 3, "end": 9, "fragments": None},
                                        {"start": 3, "end": 20, "fragments": "[[3,9],[14,20]]"}),
    "remove_fragment": actions.RemoveFragment(4, {"end": 20}, {"end": 9}),
    "confirm_review": actions.ConfirmReview(4, {"needs_review": True}, {"needs_review": False}),
    "reselect_span": actions.ReselectSpan(4, {"start": 3, "needs_review": True},
                                          {"start": 4, "needs_review": False}),
    "decision": Decision(DECISION),
    "accept_suggestion": AcceptSuggestion(
        (AddSpan(SPAN), AddLink(LINK), Decision({**DECISION, "decision": "accepted",
                                                 "span_id": 4})),
        ("suggest:patterns",), (HEAD,)),
    "reject_suggestion": RejectSuggestion((Decision(DECISION),), ("suggest:patterns",),
                                          (HEAD,)),
    "set_status": actions.SetStatus({"status": "todo", "comment": ""},
                                    {"status": "done", "comment": "checked"}),
    "undo": actions.Undo(17, "reject_suggestion"),
    "redo": actions.Redo(17, "reject_suggestion"),
    "schema_apply": actions.SchemaApply({"apply": 3, "spans": [], "links": []}),
    "schema_undo": actions.SchemaUndo({"undo": 4, "spans": [], "links": []}),
    "import": actions.Import({"origin": "brat", "spans": 3, "links": 1, "status": "done"}),
    "new_version": actions.NewVersion.make(1, 1, 2, "مكتب الأخبار", moved=1, edited=0,
                                           removed=0),
    "suggest": actions.SuggestRun({"spans": 2, "links": 0}),
    "accept": actions.ReviewAccept({"key": ["entity", "GPE", 3, 9], "reviewer": "rita"}),
    "reject": actions.ReviewReject({"key": ["entity", "GPE", 3, 9], "reviewer": "rita"}),
    "reopen": actions.Reopen({"because": "alice", "open": 1, "old": {"status": "done"},
                              "new": {"status": "in_progress"}}),
}


def test_every_registered_kind_has_an_example() -> None:
    assert set(EXAMPLES) == set(REGISTRY)


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_every_kind_round_trips_through_the_codec(kind: str) -> None:
    entry = EXAMPLES[kind]
    stored_kind, payload = encode(entry)
    assert stored_kind == kind
    # the stored text is JSON with sorted keys, as copydesk has always written it (the kinds
    # first written with \u escapes keep them)
    assert payload == json.dumps(json.loads(payload), ensure_ascii=entry.ascii_payload,
                                 sort_keys=True)
    back = decode(Action(id=7, set_id=1, annotator="alice", kind=stored_kind, payload=payload))
    assert back == entry and type(back) is type(entry)
    assert encode(back) == (stored_kind, payload)


def _rows(db: Path) -> list[tuple[int, str, str]]:
    import sqlite3

    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT id, kind, payload FROM action ORDER BY id").fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("db", [LEGACY / "copydesk.db", FIXTURE / "project" / "copydesk.db"],
                         ids=["0.1", "de588be"])
def test_logs_of_older_versions_decode_and_encode_to_the_same_bytes(db: Path) -> None:
    """The stored format did not change: every row an older copydesk wrote reads back as its
    class and encodes to exactly the text it was stored with."""
    rows = _rows(db)
    assert rows
    for row_id, kind, payload in rows:
        entry = decode(Action(id=row_id, annotator="x", kind=kind, payload=payload))
        assert encode(entry) == (kind, payload), row_id


# --------------------------------------------------------------------------- replaying
def _state(project: Project, doc: int, who: str) -> dict[str, Any]:
    s = project.store
    spans = [[sp.id, sp.label, sp.start, sp.end, sp.text, sp.fragments, sp.attributes,
              bool(sp.needs_review), sp.review_reason, sp.review_old_text]
             for sp in s.spans(doc, who)]
    links = [[lk.id, lk.head_id, lk.tail_id, lk.role] for lk in s.links(doc, who)]
    with s.db.read() as session:
        decisions = [[d.id, d.source, d.label, d.decision, d.span_id]
                     for d in session.exec(select(SuggestionDecision).where(
                         SuggestionDecision.document_id == doc,
                         SuggestionDecision.annotator == who).order_by(SuggestionDecision.id))]
    status = s.annotation_set(doc, who)
    return {"spans": spans, "links": links, "decisions": decisions,
            "status": [status.status, status.comment] if status else None,
            "can_undo": list(s.can_undo(doc, who))}


def _replay(project: Project) -> dict[str, Any]:
    """What make.py's `replay` records, done by the current code."""
    out: dict[str, Any] = {}
    s = project.store
    for who, doc in WHO:
        texts = {sp.id: sp.text for sp in s.spans(doc, who)}
        steps: list[dict[str, Any]] = [{"state": _state(project, doc, who)}]
        for redo in (False, True):
            while True:
                texts.update({sp.id: sp.text for sp in s.spans(doc, who)})
                step = (s.redo if redo else s.undo)(doc, who)
                if step is None:
                    break
                log = s.actions(doc, who)[-1]
                steps.append({
                    "redo": redo, "target": step.id, "kind": step.kind,
                    "touched": s.touched_spans(step),
                    "words": describe_action(step.kind, step.payload, texts.get),
                    "logged": [log.kind, log.payload],
                    "state": _state(project, doc, who)})
        out[who] = steps
    return out


@pytest.fixture
def old_project(tmp_path: Path) -> Path:
    folder = tmp_path / "old"
    shutil.copytree(FIXTURE / "project", folder)
    return folder


def test_a_log_the_previous_code_wrote_undoes_and_redoes_as_it_did(old_project: Path) -> None:
    expected = json.loads((FIXTURE / "expected.json").read_text(encoding="utf-8"))
    with Project.open(old_project) as project:
        got = _replay(project)
    assert [s.get("kind") for s in got["alice"]] == [s.get("kind") for s in expected["alice"]]
    assert got == expected


def test_the_same_log_replays_on_a_postgresql_copy(old_project: Path, pg_url: str) -> None:
    """A team store: the project copied to PostgreSQL (ids kept), then undone and redone
    there; the log can only be appended to, and every step is."""
    from copydesk.projects.db import Database
    from copydesk.projects.dbcopy import copy_database

    expected = json.loads((FIXTURE / "expected.json").read_text(encoding="utf-8"))
    with Project.open(old_project) as project:
        target = Database(pg_url)
        copy_database(project.store.db, target)
        target.close()
    config = old_project / "copydesk.yaml"
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    config.write_text(yaml.safe_dump({**settings, "database": pg_url}), encoding="utf-8")
    with Project.open(old_project) as project:
        assert project.store.db.backend.name == "postgresql"
        got = _replay(project)
    assert got == expected


# --------------------------------------------------------------------------- bad entries
def _plant(project: Project, set_of: tuple[int, str], kind: str, payload: str) -> int:
    """A log row written by something other than this code (another program, a hand edit)."""
    doc, who = set_of
    aset = project.store.annotation_set(doc, who)
    assert aset is not None
    with project.store.db.write() as session:
        row = Action(set_id=aset.id, annotator=who, kind=kind, payload=payload,
                     session=project.store.session_id)
        session.add(row)
        session.flush()
        return int(row.id)  # type: ignore[arg-type]


TEXT = "Flooding hit Kirkuk and Erbil on Monday, the governor said."


@pytest.mark.parametrize(("kind", "payload", "says"), [
    ("add_span", "{not json", "malformed payload: Expecting property name"),
    ("add_span", "[1, 2]", "malformed payload: the payload is list, not a JSON object"),
    ("add_span", '{"links": []}', "malformed payload: no 'span'"),
    ("remove_link", '{"link": {"id": "seven"}}', "'link': 'id' is str, not int"),
    ("set_role", '{"link_id": 1, "old": "Place"}', "malformed payload: no 'new'"),
    ("relabel_span", '{"span_id": 1, "old": {"colour": "red"}, "new": {}}',
     "'old' sets 'colour', which is no span field"),
    ("accept_suggestion", '{"steps": [{"kind": "frobnicate"}]}',
     "step 0 has an unknown kind 'frobnicate'"),
    ("reject_suggestion", '{"steps": [{"kind": "undo", "target": 1, "kind2": "x"}]}',
     "step 0: a 'undo' entry is never a step of a batch"),
    ("accept_suggestion", '{"steps": [{"kind": "add_span", "span": 3}]}',
     "step 0 (add_span): 'span' is int, not dict"),
])
def test_a_malformed_entry_stops_undo_with_one_line_naming_it(project: Project, kind: str,
                                                              payload: str, says: str) -> None:
    doc = add_text(project, TEXT)
    kept = project.store.add_span(doc, "alice", "GPE", *find(TEXT, "Kirkuk"))
    bad = _plant(project, (doc, "alice"), kind, payload)
    with pytest.raises(StoreError) as err:
        project.store.undo(doc, "alice")
    message = str(err.value)
    assert message.startswith(f"action {bad} ({kind}) has a malformed payload")
    assert says in message and "\n" not in message
    # nothing was undone, and the log gained no step
    assert [sp.id for sp in project.store.spans(doc, "alice")] == [kept.id]
    assert project.store.actions(doc, "alice")[-1].id == bad


def test_an_unknown_kind_is_named_and_does_not_block_undo_of_the_rest(
        project: Project) -> None:
    doc = add_text(project, TEXT)
    project.store.add_span(doc, "alice", "GPE", *find(TEXT, "Kirkuk"))
    bad = _plant(project, (doc, "alice"), "frobnicate", '{"x": 1}')
    [row] = [a for a in project.store.actions(doc, "alice") if a.id == bad]
    with pytest.raises(StoreError) as err:
        decode(row)
    assert str(err.value) == (f"action {bad} has an unknown kind 'frobnicate' (written by a "
                              "newer or another program?); it cannot be replayed")
    # the history skips what it does not know, as it always has: the span's add undoes
    assert project.store.undo(doc, "alice") is not None
    assert project.store.spans(doc, "alice") == []
    # and the screen names an entry it cannot read by its kind, never a traceback
    assert describe_action("frobnicate", "{", {}.get) == "frobnicate"


def test_words_for_people_are_safe_for_the_terminal() -> None:
    """Labels and texts come from project files: the words pass through the sanitiser."""
    span = {**SPAN, "label": "GPE\x1b[31m", "text": "Mo\u202esul"}
    words = describe_action("add_span", {"span": span}, {}.get)
    assert "\x1b" not in words and "\u202e" not in words
    assert words.startswith("label GPE")


def test_a_decoded_batch_knows_its_steps_and_spans() -> None:
    batch = EXAMPLES["accept_suggestion"]
    assert isinstance(batch, AcceptSuggestion)
    assert [step.kind for step in batch.steps] == ["add_span", "add_link", "decision"]
    assert batch.touched_spans() == (4,)
    assert batch.touches_suggestions and not AddSpan.touches_suggestions
    with pytest.raises(dataclasses.FrozenInstanceError):
        batch.sources = ()  # type: ignore[misc]
    assert decode_payload("set_attributes", {"span_id": 4, "old": None, "new": "{}"}) == \
        SetAttributes(4, None, "{}")


def test_an_edit_after_a_split_quote_was_reviewed_reopens_gold(project: Project) -> None:
    """A review decision on a span in pieces logs its key with the pieces; reading it back
    through its class (the outer bounds) lets a later edit of a finished set reopen gold,
    where unpacking the key by hand failed with a traceback."""
    from copydesk.projects.adjudicate import accept, candidates

    text = ('"We will rebuild the bridge," the governor said, "and the road will reopen." '
            "Residents agreed.")
    doc = add_text(project, text)
    (a, b), (c, d) = find(text, "We will rebuild the bridge"), find(text, "and the road will "
                                                                         "reopen.")
    for who in ("ann", "bob"):
        project.store.add_span(doc, who, "CONTENT", a, d, fragments=[(a, b), (c, d)])
        project.store.set_status(doc, who, "done")
    [quote] = candidates(project.store, doc).candidates
    accept(project.store, doc, "rita", quote)
    assert project.store.annotation_set(doc, "gold").status == "done"
    project.store.add_span(doc, "ann", "NORP", *find(text, "Residents"))
    assert project.store.annotation_set(doc, "gold").status == "in_progress"
    assert [a.kind for a in project.store.actions(doc, "gold")][-1] == "reopen"


def test_a_0_1_project_undoes_its_whole_log_and_redoes_it(tmp_path: Path) -> None:
    """The project made by copydesk 0.1 (tests/data/legacy-v0.1): its log, written before
    sessions, batches or the review fields existed, steps all the way back and forward."""
    folder = tmp_path / "legacy"
    shutil.copytree(LEGACY, folder)
    with Project.open(folder) as project:
        s = project.store
        doc = s.document_ids()[0]
        before = [(sp.id, sp.label, sp.text) for sp in s.spans(doc, "alice")]
        links = [(lk.id, lk.role) for lk in s.links(doc, "alice")]
        undone = []
        while (step := s.undo(doc, "alice")) is not None:
            undone.append(step.kind)
        # 0.1 had undone the removal of Tomas Reyl (it waits to be redone): his add, the two
        # links and the other six spans are undone, newest first
        assert undone == ["add_span", "add_link", "add_link", *["add_span"] * 6]
        assert s.spans(doc, "alice") == [] and s.links(doc, "alice") == []
        redone = []
        while (step := s.redo(doc, "alice")) is not None:
            redone.append(step.kind)
        assert redone == [*reversed(undone), "remove_span"]  # and the removal comes last
        after = [(sp.id, sp.label, sp.text) for sp in s.spans(doc, "alice")]
        assert ("PERSON", "Tomas Reyl") not in [(label, text) for _, label, text in after]
        assert after == [row for row in before if row[2] != "Tomas Reyl"]
        assert [(lk.id, lk.role) for lk in s.links(doc, "alice")] == links
