"""What an annotator sees of the suggestions, and accepting or rejecting them.

A *suggestion* is a head span in a `suggest:*` set together with the spans its links reach (an
attribution's content with its cue and source; an entity alone). Accepting copies the whole group
into the annotator's own set in one transaction: spans the annotator already has (same label and
offsets) are reused, not duplicated, and links are added where missing. Rejecting records a
decision. Both are logged as one action (`accept_suggestion` / `reject_suggestion`) whose payload
names the source and holds the steps, so one `u` undoes a whole accept, and the log says which
annotation came from which source.

Shown to an annotator on a document: every suggestion group whose head they have not already
got (same label and offsets) and whose newest decision by them is not "rejected". Two sources
suggesting the same span show once (the first source in `SOURCES` order wins). Rejections are
per annotator, so independent annotators (for agreement) decide independently.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from copydesk.projects import fragments as frag
from copydesk.projects.actions import (
    DECISION_FIELDS,
    LINK_FIELDS,
    AcceptSuggestion,
    AddLink,
    AddSpan,
    Decision,
    LogAction,
    RejectSuggestion,
    row_of,
)
from copydesk.projects.errors import StoreError
from copydesk.projects.models import AnnotationSet, Link, Span, SuggestionDecision, utcnow
from copydesk.projects.store import Store, validate_link, validate_span
from copydesk.projects.suggest import PREFIX, SOURCES

# A span an accept makes is logged with these fields (as it always was: not the review fields
# projects.actions.SPAN_FIELDS adds, which a new span has at their defaults).
_SPAN_FIELDS = ("id", "set_id", "document_id", "layer", "label", "start", "end", "text",
                "attributes", "schema_id", "stale", "created_at", "fragments")

# (layer, label, start, end): what a decision row records; for a span in pieces start/end are
# its outer bounds.
Key = tuple[str, str, int, int]
# Key plus the pieces: what makes an annotator's span the same span as a suggested one.
Shape = tuple[str, str, int, int, tuple[tuple[int, int], ...]]


@dataclass(frozen=True)
class Part:
    """One span of a suggestion: what to copy (`fragments`: its pieces, () for one piece)."""

    layer: str
    label: str
    start: int
    end: int
    text: str
    attributes: str = "{}"
    fragments: tuple[tuple[int, int], ...] = ()

    @property
    def key(self) -> Key:
        return (self.layer, self.label, self.start, self.end)

    @property
    def shape(self) -> Shape:
        return (self.layer, self.label, self.start, self.end, self.fragments)


@dataclass
class Suggestion:
    """A head span and the parts linked to it, from one source."""

    source: str
    head: Part
    links: list[tuple[Part, str]] = field(default_factory=list)  # (tail part, role)
    row_ids: tuple[int, ...] = ()  # the suggest-set span ids (to paint them)

    @property
    def key(self) -> Key:
        return self.head.key

    @property
    def parts(self) -> list[Part]:
        return [self.head, *(tail for tail, _ in self.links)]


def _part(span: Span) -> Part:
    parts = frag.parts_of(span)
    return Part(span.layer, span.label, span.start, span.end, span.text,
                span.attributes or "{}", parts if len(parts) > 1 else ())


def _shape(span: Span) -> Shape:
    parts = frag.parts_of(span)
    return (span.layer, span.label, span.start, span.end, parts if len(parts) > 1 else ())


def _source_rank(source: str) -> tuple[int, str]:
    return (SOURCES.index(source) if source in SOURCES else len(SOURCES), source)


def all_suggestions(store: Store, doc_id: int) -> list[Suggestion]:
    """Every suggestion group of every source on the document, in text order."""
    with store.db.read() as session:
        sets = {int(s.id): s.annotator for s in session.exec(  # type: ignore[arg-type]
            select(AnnotationSet).where(AnnotationSet.document_id == doc_id,
                                        col(AnnotationSet.annotator).startswith(PREFIX)))}
        if not sets:
            return []
        spans = {int(s.id): s for s in session.exec(  # type: ignore[arg-type]
            select(Span).where(col(Span.set_id).in_(list(sets)), Span.stale == "",
                               # a suggestion a corrected text left as a guess: not offered
                               col(Span.needs_review).is_(False)))}
        links = list(session.exec(select(Link).where(col(Link.set_id).in_(list(sets)),
                                                     Link.stale == "")))
    tails = {lk.tail_id for lk in links}
    out: list[Suggestion] = []
    by_head: dict[int, Suggestion] = {}
    for span_id, span in spans.items():
        if span_id in tails:
            continue
        sug = Suggestion(sets[span.set_id], _part(span), row_ids=(span_id,))
        by_head[span_id] = sug
        out.append(sug)
    for lk in sorted(links, key=lambda lk: (lk.head_id, lk.role, lk.tail_id)):
        sug = by_head.get(lk.head_id)
        tail = spans.get(lk.tail_id)
        if sug is not None and tail is not None:
            sug.links.append((_part(tail), lk.role))
            sug.row_ids = (*sug.row_ids, lk.tail_id)
    out.sort(key=lambda s: (s.head.start, s.head.end, _source_rank(s.source), s.head.label))
    return out


def latest_decisions(session: Session, doc_id: int, annotator: str
                     ) -> dict[tuple[str, Key], SuggestionDecision]:
    rows = session.exec(select(SuggestionDecision).where(
        SuggestionDecision.document_id == doc_id, SuggestionDecision.annotator == annotator)
        .order_by(col(SuggestionDecision.id)))
    return {(r.source, (r.layer, r.label, r.start, r.end)): r for r in rows}


def pending(store: Store, doc_id: int, annotator: str) -> list[Suggestion]:
    """The suggestions this annotator has still to decide on (see the module docstring)."""
    suggestions = all_suggestions(store, doc_id)
    if not suggestions:
        return []
    with store.db.read() as session:
        decided = latest_decisions(session, doc_id, annotator)
        own = {_shape(s) for s in session.exec(
            select(Span).join(AnnotationSet, col(Span.set_id) == AnnotationSet.id).where(
                AnnotationSet.document_id == doc_id, AnnotationSet.annotator == annotator))}
    shown: list[Suggestion] = []
    seen: set[Key] = set()
    for sug in suggestions:
        if sug.head.shape in own or sug.key in seen:
            continue
        found = decided.get((sug.source, sug.key))
        if found is not None and found.decision == "rejected":
            continue
        seen.add(sug.key)
        shown.append(sug)
    return shown


# --------------------------------------------------------------------------- writes
def accept(store: Store, doc_id: int, annotator: str, suggestions: Sequence[Suggestion]
           ) -> tuple[list[int], list[str]]:
    """Copy the suggestions (with their links) into the annotator's set, as one action.

    Returns (the annotator's span ids made or reused, one message per suggestion refused).
    A suggestion the schema refuses (a retired label, a role already filled) is skipped and
    reported; the others are still accepted.
    """
    if not suggestions:
        return [], []
    if annotator.startswith(PREFIX):
        raise StoreError(f"{annotator!r} is a suggestion source; accept as a person")

    def write(session: Session) -> tuple[list[int], list[str]]:
        aset = store.tx(session).annotation_set(doc_id, annotator)
        text = store.document_text(session, doc_id)
        steps: list[LogAction] = []
        touched: list[int] = []
        refused: list[str] = []
        for sug in suggestions:
            nested = session.begin_nested()
            try:
                sug_steps, ids = _accept_one(session, store, aset, text, sug)
            except StoreError as exc:
                nested.rollback()
                refused.append(f"{sug.head.label} {sug.head.text[:30]!r}: {exc}")
                continue
            nested.commit()
            steps += sug_steps
            touched += ids
        if steps:
            store.tx(session).log(aset, AcceptSuggestion(
                tuple(steps), tuple(sorted({s.source for s in suggestions})),
                tuple(_record(s) for s in suggestions)))
        return touched, refused

    return store.db.run_write(write)


def _accept_one(session: Session, store: Store, aset: AnnotationSet, text: str,
                sug: Suggestion) -> tuple[list[LogAction], list[int]]:
    steps: list[LogAction] = []
    ids: dict[Shape, int] = {}
    for part in sug.parts:
        if part.shape in ids:
            continue
        stored = frag.encode(part.fragments)
        existing = session.exec(select(Span).where(
            Span.set_id == aset.id, Span.label == part.label, Span.start == part.start,
            Span.end == part.end,
            Span.fragments == stored if stored is not None  # type: ignore[arg-type]
            else col(Span.fragments).is_(None))).first()
        if existing is not None:
            ids[part.shape] = int(existing.id)  # type: ignore[arg-type]
            continue
        layer, covered, attrs = validate_span(
            store.schema, aset.document_id, text, part.label, part.start, part.end,
            text=part.text, attributes=json.loads(part.attributes or "{}"),
            fragments=part.fragments or None)
        span = Span(set_id=aset.id, document_id=aset.document_id, layer=layer,
                    label=part.label, start=part.start, end=part.end, text=covered,
                    attributes=json.dumps(attrs, sort_keys=True, ensure_ascii=False),
                    schema_id=store.schema_id, fragments=stored)
        session.add(span)
        session.flush()
        ids[part.shape] = int(span.id)  # type: ignore[arg-type]
        steps.append(AddSpan(row_of(span, _SPAN_FIELDS)))
    head_id = ids[sug.head.shape]
    for tail, role in sug.links:
        tail_id = ids[tail.shape]
        existing_links = session.exec(select(Link).where(Link.head_id == head_id,
                                                         Link.stale == "")).all()
        if any(lk.tail_id == tail_id and lk.role == role for lk in existing_links):
            continue
        validate_link(store.schema, sug.head.label, tail.label, role, same_span=False,
                      tail_key=tail_id, siblings=[(lk.tail_id, lk.role) for lk in existing_links])
        link = Link(set_id=aset.id, head_id=head_id, tail_id=tail_id, role=role,
                    schema_id=store.schema_id)
        session.add(link)
        session.flush()
        steps.append(AddLink(row_of(link, LINK_FIELDS)))
    # One decision row per part: every span the accept made or kept carries its provenance.
    decisions = [Decision(_decision(session, aset, sug.source, part, "accepted",
                                    ids.pop(part.shape)))
                 for part in sug.parts if part.shape in ids]
    return [*steps, *decisions], [int(d.decision["span_id"]) for d in decisions]


def reject(store: Store, doc_id: int, annotator: str, suggestion: Suggestion) -> None:
    """Hide the suggestion from this annotator on this document, across later suggest runs."""
    if annotator.startswith(PREFIX):
        raise StoreError(f"{annotator!r} is a suggestion source; reject as a person")

    def write(session: Session) -> None:
        aset = store.tx(session).annotation_set(doc_id, annotator)
        decision = _decision(session, aset, suggestion.source, suggestion.head, "rejected",
                             None)
        store.tx(session).log(aset, RejectSuggestion(
            (Decision(decision),), (suggestion.source,), (_record(suggestion),)))

    store.db.run_write(write)


def _decision(session: Session, aset: AnnotationSet, source: str, part: Part, decision: str,
              span_id: int | None) -> dict[str, Any]:
    row = SuggestionDecision(document_id=aset.document_id, annotator=aset.annotator,
                             source=source, layer=part.layer, label=part.label,
                             start=part.start, end=part.end, decision=decision,
                             span_id=span_id, at=utcnow())
    session.add(row)
    session.flush()
    return row_of(row, DECISION_FIELDS)


def _record(sug: Suggestion) -> dict[str, Any]:
    """What a decision's log entry says was decided on (its source and head span)."""
    return {"source": sug.source, "layer": sug.head.layer, "label": sug.head.label,
            "start": sug.head.start, "end": sug.head.end}


def provenance(store: Store, span_ids: Sequence[int]) -> dict[int, str]:
    """span id -> the suggestion source it was accepted from (spans made or kept by an accept)."""
    out: dict[int, str] = {}
    ids = list(span_ids)
    with store.db.read() as session:
        for i in range(0, len(ids), 500):
            for row in session.exec(select(SuggestionDecision).where(
                    col(SuggestionDecision.span_id).in_(ids[i:i + 500]),
                    SuggestionDecision.decision == "accepted").order_by(
                        col(SuggestionDecision.id))):
                out[int(row.span_id)] = row.source  # type: ignore[arg-type]
    return out
