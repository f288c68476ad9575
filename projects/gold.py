"""When the gold set stops being complete: reopening it as new candidates appear after review.

A reviewer finishes a document (every candidate accepted or rejected) and the gold set is marked
`done`, so `export --status done` and `--prefer gold` take it. If an annotator then finishes late,
or edits a finished set, new candidates appear that nobody decided: the gold set is no longer the
adjudicated whole. The store calls `reopen_if_needed` inside the same write transaction as that
edit, so there is no moment at which the database holds a new candidate and a `done` gold set.

Kept apart from `projects.adjudicate` (which builds the review screen's candidates) because the
store calls it and `adjudicate` imports the store; the two agree on what a candidate key is and
on the decision log's layout (`accept`/`reject` actions whose payload `key` is
`[layer, label, start, end]`).
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from copydesk.projects.actions import (
    Reopen,
    ReviewAccept,
    ReviewDecision,
    ReviewReject,
    SetStatus,
    decode_payload,
    encode,
)
from copydesk.projects.models import Action, AnnotationSet, Span, utcnow
from copydesk.projects.permissions import GOLD

DECISIONS = (ReviewAccept.kind, ReviewReject.kind)
REOPEN = Reopen.kind
# What `review_queue` and `copydesk stats` show for a gold set reopened since its last `done`.
REOPENED = "reopened"

Key = tuple[str, str, int, int]


def open_keys(session: Session, doc_id: int) -> set[Key]:
    """Candidate keys (fresh spans of done, non-gold sets) that gold neither has nor rejected."""
    done_sets = select(AnnotationSet.id).where(
        AnnotationSet.document_id == doc_id, AnnotationSet.status == "done",
        AnnotationSet.annotator != GOLD)
    keys: set[Key] = {
        (layer, label, int(start), int(end))
        for layer, label, start, end in session.exec(
            select(Span.layer, Span.label, Span.start, Span.end)
            .where(col(Span.set_id).in_(done_sets), Span.stale == "")
        ).all()
    }
    if not keys:
        return set()
    gold = session.exec(select(AnnotationSet).where(
        AnnotationSet.document_id == doc_id, AnnotationSet.annotator == GOLD)).first()
    if gold is None:
        return keys
    keys -= {
        (layer, label, int(start), int(end))
        for layer, label, start, end in session.exec(
            select(Span.layer, Span.label, Span.start, Span.end).where(Span.set_id == gold.id)
        ).all()
    }
    last: dict[Key, ReviewDecision] = {}
    for action_id, kind, payload in session.exec(
        select(Action.id, Action.kind, Action.payload)
        .where(Action.set_id == gold.id, col(Action.kind).in_(DECISIONS)).order_by(Action.id)
    ).all():
        decision = decode_payload(kind, payload, where=f"action {action_id}")
        assert isinstance(decision, ReviewDecision)
        # a split span's key also holds its pieces; the keys here are outer bounds
        last[decision.outer] = decision
    return {k for k in keys if not isinstance(last.get(k), ReviewReject)}


def reopen_if_needed(session: Session, doc_id: int, because: str) -> bool:
    """Set a `done` gold set back to `in_progress` when undecided candidates exist; logged.

    One indexed lookup when the document has no done gold set (the common case), so the store
    can afford to call it on every edit of a finished set.
    """
    gold = session.exec(select(AnnotationSet).where(
        AnnotationSet.document_id == doc_id, AnnotationSet.annotator == GOLD,
        AnnotationSet.status == "done")).first()
    if gold is None:
        return False
    new = open_keys(session, doc_id)
    if not new:
        return False
    gold.status = "in_progress"
    gold.updated_at = utcnow()
    session.add(gold)
    kind, payload = encode(Reopen.make(because, len(new)))
    session.add(Action(set_id=gold.id, annotator=because, kind=kind, payload=payload))
    session.flush()
    return True


def reopened_documents(session: Session) -> set[int]:
    """Documents whose gold set's latest status change is a reopen (not yet re-finished)."""
    out: set[int] = set()
    latest: dict[int, str] = {}
    for doc_id, kind in session.exec(
        select(AnnotationSet.document_id, Action.kind)
        .join(Action, Action.set_id == AnnotationSet.id)
        .where(AnnotationSet.annotator == GOLD, col(Action.kind).in_((REOPEN, SetStatus.kind)))
        .order_by(Action.id)
    ).all():
        latest[int(doc_id)] = kind
    out = {doc for doc, kind in latest.items() if kind == REOPEN}
    return out
