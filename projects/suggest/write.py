"""Writing suggestions into their own annotation sets: idempotent, in bulk, and clearable.

A run computes, per document, the full list of a source's suggestions and compares it with what
that source's set already holds. Equal: nothing is written (a re-run changes no row, no id and
logs nothing). Different: the set's spans and links are replaced in the same transaction. Rows
go in through SQLAlchemy Core `insert` over lists of dicts, `BATCH` documents per IMMEDIATE
transaction, so 10,000 documents cost a few hundred transactions, not one per span, and an
annotator saving meanwhile waits at most one batch.

Suggestion sets are written with status `done` (the machine has finished them), so exports,
`agreement` and `evaluate` see them with their defaults. Rejections and accepted copies live
elsewhere (`decisions`), so re-running or clearing never undoes a person's decision.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlmodel import Session

from copydesk.projects import fragments as frag
from copydesk.projects.actions import SuggestRun, encode
from copydesk.projects.bulk import NewSpan
from copydesk.projects.errors import StoreError
from copydesk.projects.models import Action, AnnotationSet, Document, Link, Span, utcnow
from copydesk.projects.store import Store, check_attributes, check_fragments, check_label
from copydesk.projects.suggest import is_suggestion_set

_DOC = Document.__table__  # type: ignore[attr-defined]
_SET = AnnotationSet.__table__  # type: ignore[attr-defined]
_SPAN = Span.__table__  # type: ignore[attr-defined]
_LINK = Link.__table__  # type: ignore[attr-defined]
_ACTION = Action.__table__  # type: ignore[attr-defined]

BATCH = 200
FINISHED = ("done", "skipped", "flagged")


@dataclass
class Proposal:
    """One document's suggestions from one source; links are (head, tail, role) by index."""

    spans: list[NewSpan] = field(default_factory=list)
    links: list[tuple[int, int, str]] = field(default_factory=list)

    def key(self) -> tuple[Any, ...]:
        """What makes two proposals the same, whatever order they were produced in."""
        span_keys = [_span_key(s.layer, s.label, s.start, s.end, s.attributes,
                               frag.encode(s.fragments)) for s in self.spans]
        links = sorted((span_keys[h], span_keys[t], role) for h, t, role in self.links)
        return (tuple(sorted(span_keys)), tuple(links))


def _span_key(layer: str, label: str, start: int, end: int,
              attributes: dict[str, Any] | str, fragments: str | None) -> tuple[Any, ...]:
    """What makes two suggested spans the same: offsets, label, attributes and pieces (the
    `fragments` column's own encoding, "" for a one-piece span)."""
    attrs = attributes if isinstance(attributes, str) else json.dumps(
        attributes, sort_keys=True, ensure_ascii=False)
    return (start, end, layer, label, attrs if attrs != "{}" else "{}", fragments or "")


@dataclass
class WriteResult:
    documents: int = 0
    written: int = 0
    unchanged: int = 0
    spans: int = 0
    links: int = 0


def select_documents(store: Store, docs: str) -> list[int]:
    """`all`: every document; `todo`: those no person has finished (done, skipped, flagged)."""
    if docs not in ("todo", "all"):
        raise StoreError(f"--docs {docs!r}: use todo or all")
    with store.db.read() as session:
        ids = [int(i) for i in session.execute(select(_DOC.c.id).order_by(_DOC.c.id)).scalars()]
        if docs == "all":
            return ids
        finished = {int(d) for d, who in session.execute(
            select(_SET.c.document_id, _SET.c.annotator).where(_SET.c.status.in_(FINISHED)))
            if not is_suggestion_set(who)}
    return [i for i in ids if i not in finished]


def document_texts(store: Store, doc_ids: Sequence[int]) -> Iterable[tuple[int, str]]:
    """(id, text) for the documents, read 500 at a time so memory stays one chunk."""
    for i in range(0, len(doc_ids), 500):
        chunk = list(doc_ids[i:i + 500])
        with store.db.read() as session:
            rows = session.execute(select(_DOC.c.id, _DOC.c.text)
                                   .where(_DOC.c.id.in_(chunk)).order_by(_DOC.c.id)).all()
        yield from ((int(d), t) for d, t in rows)


def validate(store: Store, proposal: Proposal) -> None:
    """Labels and attributes against the schema (offsets come from the tokenizer)."""
    for span in proposal.spans:
        layer = check_label(store.schema, span.label)
        if layer != span.layer:
            raise StoreError(f"label {span.label} is in layer {layer}, not {span.layer}")
        check_attributes(store.schema, span.label, span.attributes)


def write_suggestions(store: Store, source: str, proposals: Iterable[tuple[int, Proposal]],
                      *, progress: Callable[[int], None] | None = None) -> WriteResult:
    """Replace `source`'s suggestions on each given document (see the module docstring).

    Documents absent from `proposals` are left alone; a document given with an empty proposal
    loses that source's old suggestions.
    """
    if not is_suggestion_set(source):
        raise StoreError(f"{source!r} is not a suggestion source (names start with suggest:)")
    result = WriteResult()
    batch: list[tuple[int, Proposal]] = []
    for item in proposals:
        validate(store, item[1])
        batch.append(item)
        if len(batch) >= BATCH:
            _flush(store, source, batch, result)
            if progress is not None:
                progress(len(batch))
            batch = []
    if batch:
        _flush(store, source, batch, result)
        if progress is not None:
            progress(len(batch))
    return result


def _flush(store: Store, source: str, batch: list[tuple[int, Proposal]],
           result: WriteResult) -> None:
    def write(session: Session) -> WriteResult:
        part = WriteResult()
        conn = session.connection()
        doc_ids = [d for d, _ in batch]
        sets = dict(conn.execute(select(_SET.c.document_id, _SET.c.id).where(
            _SET.c.annotator == source, _SET.c.document_id.in_(doc_ids))).all())
        current = _current_keys(conn, list(sets.values()))
        changed: list[tuple[int, Proposal]] = []
        for doc_id, proposal in batch:
            part.documents += 1
            set_id = sets.get(doc_id)
            same = (not proposal.spans if set_id is None
                    else current.get(set_id, ((), ())) == proposal.key())
            if same:
                part.unchanged += 1
            else:
                changed.append((doc_id, proposal))
                part.written += 1
                part.spans += len(proposal.spans)
                part.links += len(proposal.links)
        if changed:
            _replace(conn, store, source, changed, sets)
        return part

    part = store.db.run_write(write)
    for name in ("documents", "written", "unchanged", "spans", "links"):
        setattr(result, name, getattr(result, name) + getattr(part, name))


def _current_keys(conn: Any, set_ids: list[int]) -> dict[int, tuple[Any, ...]]:
    spans: dict[int, list[tuple[Any, ...]]] = {}
    by_id: dict[int, tuple[Any, ...]] = {}
    links: dict[int, list[tuple[Any, ...]]] = {}
    if not set_ids:
        return {}
    for row in conn.execute(select(_SPAN.c.id, _SPAN.c.set_id, _SPAN.c.layer, _SPAN.c.label,
                                   _SPAN.c.start, _SPAN.c.end, _SPAN.c.attributes,
                                   _SPAN.c.fragments)
                            .where(_SPAN.c.set_id.in_(set_ids))):
        key = _span_key(row[2], row[3], row[4], row[5], row[6] or "{}", row[7])
        by_id[int(row[0])] = key
        spans.setdefault(int(row[1]), []).append(key)
    for set_id, head, tail, role in conn.execute(
            select(_LINK.c.set_id, _LINK.c.head_id, _LINK.c.tail_id, _LINK.c.role)
            .where(_LINK.c.set_id.in_(set_ids))):
        links.setdefault(int(set_id), []).append((by_id.get(head), by_id.get(tail), role))
    return {sid: (tuple(sorted(spans.get(sid, []))), tuple(sorted(links.get(sid, []))))
            for sid in set_ids}


def _replace(conn: Any, store: Store, source: str, changed: list[tuple[int, Proposal]],
             sets: dict[int, int]) -> None:
    """Replace the suggestions of every changed document of a batch with a handful of
    set-based statements (one per table), not a handful per document."""
    now = utcnow()
    doc_ids = [d for d, _ in changed]
    texts = dict(conn.execute(select(_DOC.c.id, _DOC.c.text)
                              .where(_DOC.c.id.in_(doc_ids))).all())
    missing = [d for d in doc_ids if d not in sets]
    if missing:
        conn.execute(insert(_SET), [{
            "document_id": d, "annotator": source, "status": "done", "comment": "",
            "created_at": now, "updated_at": now} for d in missing])
        sets.update(conn.execute(select(_SET.c.document_id, _SET.c.id).where(
            _SET.c.annotator == source, _SET.c.document_id.in_(missing))).all())
    old = [sets[d] for d in doc_ids if d not in missing]
    if old:
        conn.execute(delete(_LINK).where(_LINK.c.set_id.in_(old)))
        conn.execute(delete(_SPAN).where(_SPAN.c.set_id.in_(old)))
        conn.execute(_SET.update().where(_SET.c.id.in_(old)).values(status="done",
                                                                     updated_at=now))
    rows: list[dict[str, Any]] = []
    for doc_id, proposal in changed:
        text = texts[doc_id]
        for s in proposal.spans:
            if not 0 <= s.start < s.end <= len(text):
                raise StoreError(f"suggestion {s.label} {s.start}-{s.end} is outside "
                                 f"document {doc_id}")
            covered = (check_fragments(doc_id, text, s.start, s.end, s.fragments, None)
                       if len(s.fragments) > 1 else text[s.start:s.end])
            rows.append({
                "set_id": sets[doc_id], "document_id": doc_id, "layer": s.layer,
                "label": s.label, "start": s.start, "end": s.end, "text": covered,
                "attributes": json.dumps(s.attributes, sort_keys=True, ensure_ascii=False),
                "schema_id": store.schema_id, "stale": "", "created_at": now,
                "fragments": frag.encode(s.fragments),
            })
    ids: list[int] = []
    if rows:
        first_id = int(conn.execute(select(func.coalesce(func.max(_SPAN.c.id), 0))).scalar())
        conn.execute(insert(_SPAN), rows)
        # AUTOINCREMENT ids may skip, so read them back in insertion (= id) order.
        ids = [int(r[0]) for r in conn.execute(
            select(_SPAN.c.id).where(_SPAN.c.id > first_id).order_by(_SPAN.c.id))]
        if len(ids) != len(rows):  # pragma: no cover - we hold the write lock
            raise StoreError("suggestion span ids could not be read back; nothing was written")
    links: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    offset = 0
    for doc_id, proposal in changed:
        mine = ids[offset:offset + len(proposal.spans)]
        offset += len(proposal.spans)
        links.extend({"set_id": sets[doc_id], "head_id": mine[h], "tail_id": mine[t],
                      "role": role, "schema_id": store.schema_id, "stale": "",
                      "created_at": now} for h, t, role in proposal.links)
        kind, payload = encode(SuggestRun.make(len(proposal.spans), len(proposal.links)))
        actions.append({"set_id": sets[doc_id], "annotator": source, "at": now,
                        "kind": kind, "payload": payload})
    if links:
        conn.execute(insert(_LINK), links)
    conn.execute(insert(_ACTION), actions)


def clear_suggestions(store: Store, sources: Sequence[str]) -> dict[str, int]:
    """Remove the given sources' sets (spans, links, log) entirely; people's work is untouched.

    Returns source -> spans removed. Decisions (rejections, accepted copies) are kept: they
    belong to the annotators who made them.
    """
    for source in sources:
        if not is_suggestion_set(source):
            raise StoreError(f"{source!r} is not a suggestion source")

    def write(session: Session) -> dict[str, int]:
        conn = session.connection()
        out: dict[str, int] = {}
        for source in sources:
            set_ids = [int(i) for i in conn.execute(
                select(_SET.c.id).where(_SET.c.annotator == source)).scalars()]
            removed = 0
            for i in range(0, len(set_ids), 500):
                chunk = set_ids[i:i + 500]
                removed += int(conn.execute(select(func.count()).select_from(_SPAN)
                                            .where(_SPAN.c.set_id.in_(chunk))).scalar())
                conn.execute(delete(_LINK).where(_LINK.c.set_id.in_(chunk)))
                conn.execute(delete(_SPAN).where(_SPAN.c.set_id.in_(chunk)))
                conn.execute(delete(_ACTION).where(_ACTION.c.set_id.in_(chunk)))
                conn.execute(delete(_SET).where(_SET.c.id.in_(chunk)))
            out[source] = removed
        return out

    return store.db.run_write(write)
