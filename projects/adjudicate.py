"""Adjudication: merging finished annotation sets into one `gold` set, one logged decision each.

The gold set is an ordinary annotation set whose owner is the reserved name `gold`
(`projects.permissions.GOLD`), so exporters read it with `--annotator gold` like anyone else's,
and every gold span/link is written through the Store API: it is validated against the text and
schema and undoable like any edit. The Store logs those rows with `annotator = "gold"` (the set
owner), so each decision is *also* appended as its own action in the gold set, of kind `accept`
or `reject`, whose `annotator` column is the reviewer: the log therefore says who decided what,
from which annotators' marks, and which gold rows it produced.

One decision is one write transaction: the gold span, the links copied with it, the decision
row and the gold set's status are written together (the store's private `_add_span`,
`_add_link`, `_remove_span`, `_set_status` composed inside one `run_write`), and the candidates
are read inside that same transaction, so a crash or a concurrent reviewer can never leave a gold
span without its reviewer, or a `done` gold set with an open candidate.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, func, select

from copydesk.projects import fragments as frag
from copydesk.projects.actions import (
    AddLink,
    AddSpan,
    LogAction,
    NewVersion,
    ReviewAccept,
    ReviewDecision,
    ReviewReject,
    decode,
    encode,
)
from copydesk.projects.agreement import SpanKey
from copydesk.projects.errors import StoreError
from copydesk.projects.gold import DECISIONS, REOPENED, reopened_documents
from copydesk.projects.models import Action, AnnotationSet, Document, Link, Span, utcnow
from copydesk.projects.permissions import GOLD, Policy, check_review
from copydesk.projects.store import Store, validate_link, validate_span
from copydesk.projects.suggest import PREFIX as SUGGESTION_PREFIX

OPEN, ACCEPTED, REJECTED = "open", "accepted", "rejected"


@dataclass(frozen=True)
class Candidate:
    """One distinct span (same layer, label, start, end) and everyone who marked it."""

    key: SpanKey
    text: str
    annotators: tuple[str, ...]
    span_ids: tuple[tuple[str, int], ...]
    attributes: str = "{}"
    attribute_conflict: bool = False
    unanimous: bool = False
    status: str = OPEN
    gold_span_id: int | None = None
    decided_by: str | None = None

    @property
    def layer(self) -> str:
        return self.key.layer

    @property
    def label(self) -> str:
        return self.key.label

    @property
    def start(self) -> int:
        return self.key.start

    @property
    def end(self) -> int:
        return self.key.end


@dataclass
class DocumentReview:
    """A document's merged candidates and the annotators whose done sets they came from."""

    doc_id: int
    annotators: list[str]
    candidates: list[Candidate]
    gold_status: str | None = None

    @property
    def open(self) -> list[Candidate]:
        return [c for c in self.candidates if c.status == OPEN]

    @property
    def disagreements(self) -> list[Candidate]:
        return [c for c in self.candidates if not c.unanimous]

    def find(self, key: SpanKey) -> Candidate | None:
        for c in self.candidates:
            if c.key == key:
                return c
        return None


@dataclass
class AcceptResult:
    span_id: int
    link_ids: list[int] = field(default_factory=list)
    skipped_links: list[str] = field(default_factory=list)
    settled: list[str] = field(default_factory=list)  # labels of conflicting candidates rejected


def done_annotators(store: Store, doc_id: int) -> list[str]:
    """Annotators (gold and machine suggestion sets excluded) whose set for this document is
    done: review adjudicates people's work; suggestions reach gold through an annotator."""
    with store.db.read() as session:
        return _done_annotators(session, doc_id)


def _done_annotators(session: Session, doc_id: int) -> list[str]:
    return list(session.exec(
        select(AnnotationSet.annotator).where(
            AnnotationSet.document_id == doc_id, AnnotationSet.status == "done",
            AnnotationSet.annotator != GOLD,
            col(AnnotationSet.annotator).notlike(f"{SUGGESTION_PREFIX}%"),
        ).order_by(AnnotationSet.annotator)
    ).all())


def review_queue(store: Store, *, min_annotators: int = 1) -> list[tuple[int, str, int, str]]:
    """Documents with at least `min_annotators` done sets: (id, title, done count, gold status).

    Gold status is "todo" when no reviewer has touched the document yet, and "reopened" when
    new candidates appeared after the gold set was done (a late annotator finished).
    """
    with store.db.read() as session:
        counts = session.exec(
            select(AnnotationSet.document_id, func.count())
            .where(AnnotationSet.status == "done", AnnotationSet.annotator != GOLD,
                   col(AnnotationSet.annotator).notlike(f"{SUGGESTION_PREFIX}%"))
            .group_by(AnnotationSet.document_id)
        ).all()
        gold = dict(session.exec(
            select(AnnotationSet.document_id, AnnotationSet.status)
            .where(AnnotationSet.annotator == GOLD)
        ).all())
        reopened = reopened_documents(session)
        out = []
        for doc_id, n in sorted(counts):
            if n < min_annotators:
                continue
            doc = session.get(Document, doc_id)
            title = doc.title if doc is not None else ""
            status = gold.get(doc_id, "todo")
            if doc_id in reopened and status != "done":
                status = REOPENED
            out.append((int(doc_id), title, int(n), status))
    return out


def _key(span: Span) -> SpanKey:
    return SpanKey.of(span)


def _spans(session: Session, set_id: int | None, *, fresh: bool = False) -> list[Span]:
    if set_id is None:
        return []
    query = select(Span).where(Span.set_id == set_id).order_by(Span.start, Span.end, Span.id)
    if fresh:
        # nor spans a correction moved to a best guess: the annotator has not confirmed them
        query = query.where(Span.stale == "", col(Span.needs_review).is_(False))
    return list(session.exec(query).all())


def _links(session: Session, set_id: int | None, *, fresh: bool = False) -> list[Link]:
    if set_id is None:
        return []
    query = select(Link).where(Link.set_id == set_id).order_by(Link.id)
    if fresh:
        query = query.where(Link.stale == "")
    return list(session.exec(query).all())


def _set(session: Session, doc_id: int, annotator: str) -> AnnotationSet | None:
    return session.exec(select(AnnotationSet).where(
        AnnotationSet.document_id == doc_id, AnnotationSet.annotator == annotator)).first()


def _decisions(session: Session, gold_set: AnnotationSet | None
               ) -> dict[SpanKey, tuple[str, str]]:
    """Last decision per span key in the gold set's log: key -> (kind, reviewer)."""
    out: dict[SpanKey, tuple[str, str]] = {}
    if gold_set is None:
        return out
    for action in session.exec(
        select(Action).where(Action.set_id == gold_set.id,
                             col(Action.kind).in_((*DECISIONS, NewVersion.kind)))
        .order_by(Action.id)
    ).all():
        entry = decode(action)
        if isinstance(entry, NewVersion):
            # a corrected text (projects.docversions): keys decided before hold offsets in the
            # old text, so a rejection there must not match whatever now lies at them
            out.clear()
            continue
        assert isinstance(entry, ReviewDecision)
        who = entry.reviewer or action.annotator  # entries older than the field: the row's
        out[SpanKey.from_json(entry.key)] = (action.kind, who)
    return out


def candidates(store: Store, doc_id: int) -> DocumentReview:
    """Merge the done sets of a document into candidates, with their review status.

    Sorted by position then label. Spans only the gold set has (added by a reviewer some other
    way) appear too, with no annotators, so the screen shows the whole gold set.
    """
    with store.db.read() as session:
        return _candidates(session, doc_id)


def _candidates(session: Session, doc_id: int) -> DocumentReview:
    if session.get(Document, doc_id) is None:
        raise StoreError(f"no document with id {doc_id}")
    names = _done_annotators(session, doc_id)
    marks: dict[SpanKey, list[Span]] = {}
    owner: dict[int, str] = {}
    for name in names:
        aset = _set(session, doc_id, name)
        for span in _spans(session, aset.id if aset else None, fresh=True):
            marks.setdefault(_key(span), []).append(span)
            owner[int(span.id)] = name  # type: ignore[arg-type]
    gold_set = _set(session, doc_id, GOLD)
    gold = {_key(s): s for s in _spans(session, gold_set.id if gold_set else None)}
    decided = _decisions(session, gold_set)
    out: list[Candidate] = []
    for key in sorted(marks.keys() | gold.keys(), key=lambda k: (k.start, k.end, k.layer,
                                                                  k.label)):
        spans = marks.get(key, [])
        who = tuple(sorted(owner[int(s.id)] for s in spans))  # type: ignore[arg-type]
        attrs = Counter(s.attributes for s in spans)
        ranked = sorted(attrs.items(), key=lambda kv: (-kv[1], kv[0]))
        gold_span = gold.get(key)
        last = decided.get(key)
        if gold_span is not None:
            status = ACCEPTED
            by = last[1] if last and last[0] == ReviewAccept.kind else None
        elif last and last[0] == ReviewReject.kind:
            status, by = REJECTED, last[1]
        else:
            status, by = OPEN, None
        text = gold_span.text if gold_span is not None else spans[0].text
        out.append(Candidate(
            key=key, text=text, annotators=who,
            span_ids=tuple(sorted((owner[int(s.id)], int(s.id)) for s in spans)),  # type: ignore[arg-type]
            attributes=(gold_span.attributes if gold_span is not None
                        else ranked[0][0] if ranked else "{}"),
            attribute_conflict=len(attrs) > 1,
            unanimous=len(names) >= 2 and set(who) == set(names),
            status=status,
            gold_span_id=int(gold_span.id) if gold_span is not None else None,  # type: ignore[arg-type]
            decided_by=by,
        ))
    return DocumentReview(doc_id, names, out, gold_set.status if gold_set else None)


def _log_decision(session: Session, store: Store, doc_id: int, reviewer: str,
                  entry: ReviewDecision) -> None:
    """Append an accept/reject row to the gold set's log, with the reviewer as its actor."""
    aset = _set(session, doc_id, GOLD)
    if aset is None:  # pragma: no cover - callers create the set first
        raise StoreError(f"document {doc_id} has no gold set yet")
    kind, payload = encode(entry)
    session.add(Action(set_id=aset.id, annotator=reviewer, kind=kind, payload=payload,
                       session=store.session_id))
    session.flush()


def _authorise(reviewer: str, policy: Policy | None) -> None:
    if not reviewer or not reviewer.strip():
        raise StoreError("a reviewer name is required")
    if reviewer == GOLD:
        raise StoreError(f"{GOLD!r} is the set being written, not a reviewer's name")
    if policy is not None:
        check_review(policy, reviewer)


def _copy_links(session: Session, store: Store, doc_id: int, key: SpanKey,
                annotators: Sequence[str]) -> tuple[list[int], list[str]]:
    """Copy into gold every annotator link touching `key` whose other end is also in gold."""
    gold_set = _set(session, doc_id, GOLD)
    gold_set_id = gold_set.id if gold_set else None
    gold = {_key(s): int(s.id) for s in _spans(session, gold_set_id)}  # type: ignore[arg-type]
    have = {(lk.head_id, lk.tail_id, lk.role) for lk in _links(session, gold_set_id)}
    wanted: list[tuple[int, int, str]] = []
    for name in annotators:
        aset = _set(session, doc_id, name)
        set_id = aset.id if aset else None
        by_id = {int(s.id): _key(s) for s in _spans(session, set_id)}  # type: ignore[arg-type]
        for link in _links(session, set_id, fresh=True):
            head, tail = by_id.get(link.head_id), by_id.get(link.tail_id)
            if head is None or tail is None or key not in (head, tail):
                continue
            if head in gold and tail in gold:
                triple = (gold[head], gold[tail], link.role)
                if triple not in have and triple not in wanted:
                    wanted.append(triple)
    added: list[int] = []
    skipped: list[str] = []
    for head_id, tail_id, role in wanted:
        try:
            # a savepoint: a refused link leaves the rest of the decision intact
            with session.begin_nested():
                link = store.tx(session).add_link(head_id, tail_id, role, GOLD)
        except StoreError as exc:  # e.g. two annotators gave a one-only role to different spans
            skipped.append(f"{role} {head_id}->{tail_id}: {exc}")
            continue
        added.append(int(link.id))  # type: ignore[arg-type]
    return added, skipped


def _finish_if_complete(session: Session, store: Store, doc_id: int) -> None:
    """Mark the gold set done once no candidate is open, so `export --status done` sees it."""
    review = _candidates(session, doc_id)
    if not review.open and review.gold_status != "done":
        store.tx(session).set_status(doc_id, GOLD, "done")


def _settle_conflicts(session: Session, store: Store, doc_id: int, reviewer: str,
                      key: SpanKey) -> list[str]:
    """Reject, as part of accepting ``key``, every open candidate of the same layer over exactly
    the same text with another label (GPE accepted for "Valmora" settles LOC there): the reviewer
    chose one side of that conflict, and leaving the other open kept the document unfinished.
    Each is logged as its own reject decision, with ``settled_by`` naming the accepted key."""
    settled: list[str] = []
    for other in _candidates(session, doc_id).candidates:
        if (other.status != OPEN or other.key == key or other.layer != key.layer
                or other.key.parts != key.parts):
            continue
        _log_decision(session, store, doc_id, reviewer, ReviewReject.make(
            other.key.to_json(), reviewer, annotators=list(other.annotators),
            removed_span_id=None, removed_link_ids=[], settled_by=key.to_json()))
        settled.append(other.label)
    return settled


def _current(session: Session, doc_id: int, key: SpanKey) -> Candidate:
    current = _candidates(session, doc_id).find(key)
    if current is None:
        raise StoreError(f"no candidate {key.label} {key.start}-{key.end} in document {doc_id}")
    return current


def accept(store: Store, doc_id: int, reviewer: str, candidate: Candidate | SpanKey, *,
           policy: Policy | None = None) -> AcceptResult:
    """Copy a candidate span (and its links whose both ends are gold) into the gold set."""
    _authorise(reviewer, policy)
    key = candidate.key if isinstance(candidate, Candidate) else candidate

    def decide(session: Session) -> AcceptResult:
        current = _current(session, doc_id, key)
        if current.gold_span_id is not None:
            span_id = current.gold_span_id
        else:
            span = store.tx(session).add_span(
                doc_id, GOLD, key.label, key.start, key.end, text=current.text,
                attributes=json.loads(current.attributes or "{}"),
                fragments=key.fragments or None)
            span_id = int(span.id)  # type: ignore[arg-type]
        link_ids, skipped = _copy_links(session, store, doc_id, key, current.annotators)
        _log_decision(session, store, doc_id, reviewer, ReviewAccept.make(
            key.to_json(), reviewer, annotators=list(current.annotators), span_id=span_id,
            link_ids=link_ids, skipped_links=skipped))
        settled = _settle_conflicts(session, store, doc_id, reviewer, key)
        _finish_if_complete(session, store, doc_id)
        return AcceptResult(span_id, link_ids, skipped, settled)

    return store.db.run_write(decide)


def reject(store: Store, doc_id: int, reviewer: str, candidate: Candidate | SpanKey, *,
           policy: Policy | None = None) -> None:
    """Keep a candidate out of gold (removing it, logged, if it was accepted before)."""
    _authorise(reviewer, policy)
    key = candidate.key if isinstance(candidate, Candidate) else candidate

    def decide(session: Session) -> None:
        current = _current(session, doc_id, key)
        removed_links: list[int] = []
        if current.gold_span_id is not None:
            removed_links = store.tx(session).remove_span(current.gold_span_id, GOLD)
        elif _set(session, doc_id, GOLD) is None:
            store.tx(session).set_status(doc_id, GOLD, "in_progress")
        _log_decision(session, store, doc_id, reviewer, ReviewReject.make(
            key.to_json(), reviewer, annotators=list(current.annotators),
            removed_span_id=current.gold_span_id, removed_link_ids=removed_links))
        _finish_if_complete(session, store, doc_id)

    store.db.run_write(decide)


def auto_accept_unanimous(store: Store, doc_id: int, reviewer: str, *,
                          policy: Policy | None = None) -> list[AcceptResult]:
    """Accept every open candidate that all (two or more) done annotators marked.

    Each acceptance is its own logged decision, so the log does not hide bulk choices. With a
    single done annotator nothing is unanimous: one person's marks are not agreement.
    One transaction for the document (see `_accept_unanimous_in`).
    """
    _authorise(reviewer, policy)
    return store.db.run_write(
        lambda session: _accept_unanimous_in(session, store, doc_id, reviewer))


def accept_unanimous(store: Store, doc_ids: Sequence[int], reviewer: str, *,
                     policy: Policy | None = None,
                     progress: Callable[[int, int], None] | None = None) -> tuple[int, int]:
    """`review --accept-unanimous`: `auto_accept_unanimous` over many documents, one
    transaction per document (a kill loses at most the document in flight, and annotators'
    saves wait for one document, not the whole run). Returns (spans accepted, documents
    changed); `progress(done, total)` after each document.

    The cost is linear in the documents' spans and links: each document's candidates are
    merged once, not once per accepted span as a loop of `accept` calls does.
    """
    _authorise(reviewer, policy)
    spans = changed = 0
    for done, doc_id in enumerate(doc_ids, 1):
        results = store.db.run_write(
            lambda session, d=doc_id: _accept_unanimous_in(session, store, d, reviewer))
        spans += len(results)
        changed += bool(results)
        if progress is not None:
            progress(done, len(doc_ids))
    return spans, changed


def _accept_unanimous_in(session: Session, store: Store, doc_id: int,
                         reviewer: str) -> list[AcceptResult]:
    """Every open unanimous candidate of one document into gold, in one pass: the same rows
    and the same log as accepting them one by one in candidate order (an `add_span` and an
    `accept` action per span, an `add_link` per link copied with the later of its ends).

    Each span and link is checked by the store's own rules (`validate_span`,
    `validate_link`), then rows go in with one Core insert per table, so a document costs a
    fixed number of statements whatever its size; a refused link is skipped and logged with
    its decision, as `accept` does."""
    review = _candidates(session, doc_id)
    chosen = [c for c in review.open if c.unanimous]
    if not chosen:
        return []
    schema = store.tx(session).schema()
    text = store.document_text(session, doc_id)
    gold_set = store.tx(session).annotation_set(doc_id, GOLD)
    gold_id = int(gold_set.id)  # type: ignore[arg-type]
    conn = session.connection()
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for cand in chosen:
        key = cand.key
        parts = (frag.join_line_breaks(text, key.fragments) if key.fragments
                 else ((key.start, key.end),))
        layer, covered, attrs = validate_span(
            schema, doc_id, text, key.label, key.start, key.end, text=cand.text,
            attributes=json.loads(cand.attributes or "{}"), fragments=parts)
        rows.append({"set_id": gold_id, "document_id": doc_id, "layer": layer,
                     "label": key.label, "start": key.start, "end": key.end, "text": covered,
                     "attributes": json.dumps(attrs, sort_keys=True, ensure_ascii=False),
                     "schema_id": store.schema_id, "stale": "", "created_at": now,
                     "fragments": frag.encode(parts)})
    span_ids = _insert_rows(conn, _SPAN_TABLE, rows)
    actions = [_action(gold_id, GOLD, now, AddSpan({"id": span_id, **row}), store.session_id)
               for span_id, row in zip(span_ids, rows, strict=True)]

    order = {cand.key: i for i, cand in enumerate(chosen)}
    gold_spans = _spans(session, gold_id)
    gold = {_key(s): int(s.id) for s in gold_spans}  # type: ignore[arg-type]
    label_of = {int(s.id): s.label for s in gold_spans}  # type: ignore[arg-type]
    taken: dict[int, list[tuple[object, str]]] = {}
    for lk in _links(session, gold_id, fresh=True):
        taken.setdefault(lk.head_id, []).append((lk.tail_id, lk.role))
    link_ids: list[list[int]] = [[] for _ in chosen]
    skipped: list[list[str]] = [[] for _ in chosen]
    new_links: list[tuple[int, dict[str, Any]]] = []  # (owner decision, row)
    for name in review.annotators:  # a unanimous candidate is every done annotator's
        aset = _set(session, doc_id, name)
        set_id = aset.id if aset else None
        by_id = {int(s.id): _key(s) for s in _spans(session, set_id)}  # type: ignore[arg-type]
        for link in _links(session, set_id, fresh=True):
            head, tail = by_id.get(link.head_id), by_id.get(link.tail_id)
            if head is None or tail is None or head not in gold or tail not in gold:
                continue
            ends = [order[k] for k in (head, tail) if k in order]
            if not ends:
                continue  # neither end accepted now: not this run's to copy
            head_id, tail_id, owner = gold[head], gold[tail], max(ends)
            siblings = taken.setdefault(head_id, [])
            if (tail_id, link.role) in siblings:
                continue  # already in gold (another annotator's copy of the same link)
            try:
                validate_link(schema, label_of[head_id], label_of[tail_id], link.role,
                              same_span=head_id == tail_id, tail_key=tail_id,
                              siblings=siblings)
            except StoreError as exc:
                skipped[owner].append(f"{link.role} {head_id}->{tail_id}: {exc}")
                continue
            siblings.append((tail_id, link.role))
            new_links.append((owner, {"set_id": gold_id, "head_id": head_id,
                                      "tail_id": tail_id, "role": link.role,
                                      "schema_id": store.schema_id, "stale": "",
                                      "created_at": now}))
    new_links.sort(key=lambda item: item[0])  # in decision order, as one-by-one adds them
    ids = _insert_rows(conn, _LINK_TABLE, [row for _, row in new_links])
    for link_id, (owner, row) in zip(ids, new_links, strict=True):
        link_ids[owner].append(link_id)
        actions.append(_action(gold_id, GOLD, now, AddLink({"id": link_id, **row}),
                               store.session_id))
    for i, cand in enumerate(chosen):
        actions.append(_action(gold_id, reviewer, now, ReviewAccept.make(
            cand.key.to_json(), reviewer, annotators=list(cand.annotators),
            span_id=span_ids[i], link_ids=link_ids[i], skipped_links=skipped[i]),
            store.session_id))
    _insert_rows(conn, _ACTION_TABLE, actions, read_ids=False)
    if len(chosen) == len(review.open) and gold_set.status != "done":
        store.tx(session).set_status(doc_id, GOLD, "done")  # nothing open: gold is finished
    return [AcceptResult(span_ids[i], link_ids[i], skipped[i]) for i in range(len(chosen))]


_SPAN_TABLE = Span.__table__  # type: ignore[attr-defined]
_LINK_TABLE = Link.__table__  # type: ignore[attr-defined]
_ACTION_TABLE = Action.__table__  # type: ignore[attr-defined]


def _action(set_id: int, who: str, at: str, entry: LogAction,
            session_id: str | None) -> dict[str, Any]:
    kind, payload = encode(entry)
    return {"set_id": set_id, "annotator": who, "at": at, "kind": kind, "session": session_id,
            "payload": payload}


def _insert_rows(conn: Any, table: Any, rows: list[dict[str, Any]], *,
                 read_ids: bool = True) -> list[int]:
    """One executemany INSERT; the new ids in row order (read back: we hold the write lock,
    and AUTOINCREMENT ids may skip, so they are not assumed)."""
    if not rows:
        return []
    before = int(conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar())
    conn.execute(insert(table), rows)
    if not read_ids:
        return []
    ids = [int(r[0]) for r in conn.execute(
        select(table.c.id).where(table.c.id > before).order_by(table.c.id))]
    if len(ids) != len(rows):  # pragma: no cover - the write lock is ours
        raise StoreError("new row ids could not be read back; nothing was accepted")
    return ids


def decision_log(store: Store, doc_id: int) -> list[dict[str, Any]]:
    """Every accept/reject in order: who, when, what (for audit and tests)."""
    out = []
    for action in store.actions(doc_id, GOLD):
        if action.kind in DECISIONS:
            out.append({"kind": action.kind, "reviewer": action.annotator, "at": action.at,
                        **decode(action).payload()})
    return out


def gold_rows(store: Store, doc_id: int) -> tuple[list[Span], list[Link]]:
    """The gold set's spans and links (what exporters read with `--annotator gold`)."""
    return store.spans(doc_id, GOLD), store.links(doc_id, GOLD)
