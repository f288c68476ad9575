"""Bulk writes for import: documents with their annotations, in one transaction per call.

The per-edit Store API costs one IMMEDIATE transaction per span (~0.4 ms); importing an
annotated corpus of 100,000 spans that way takes minutes. Here documents, annotation sets, spans
and links go in with SQLAlchemy Core `insert(...)` over lists of dicts inside one
`store.db.run_write`, so a file is all-or-nothing and fast.

Callers validate labels, roles and attributes against the schema (they know the file and line
to blame); this module re-checks only what would corrupt the store: offsets inside the text, the
stored text equal to the text at the offsets, no grapheme cluster cut in two.

Rule for documents already in the project (same content hash): the document is not imported
again, but an annotator's annotations in the file are attached to it when that annotator has no
spans on it yet; if they do, the file's annotations for that annotator are skipped (counted in
`BulkResult.kept_existing`), never merged, so nobody's work is changed behind their back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from copydesk.projects import fragments as frag
from copydesk.projects.actions import Import, encode
from copydesk.projects.errors import StoreError
from copydesk.projects.gold import reopen_if_needed
from copydesk.projects.models import (
    STATUSES,
    Action,
    AnnotationSet,
    Document,
    DocumentVersion,
    Link,
    SchemaSnapshot,
    Span,
    utcnow,
)
from copydesk.projects.permissions import GOLD
from copydesk.projects.store import Store, check_fragments, check_grapheme_edges, check_range
from copydesk.projects.textutil import GraphemeIndex, grapheme_index
from copydesk.schema.model import Schema

_DOC = Document.__table__  # type: ignore[attr-defined]
_SET = AnnotationSet.__table__  # type: ignore[attr-defined]
_SPAN = Span.__table__  # type: ignore[attr-defined]
_LINK = Link.__table__  # type: ignore[attr-defined]
_ACTION = Action.__table__  # type: ignore[attr-defined]
_CHUNK = 500  # ids per IN (...) list, well under SQLite's variable limit


@dataclass(slots=True)
class NewSpan:
    layer: str
    label: str
    start: int
    end: int
    attributes: dict[str, Any] = field(default_factory=dict)
    # 2+ sorted pieces for a discontinuous span (start/end = outer bounds); () for one piece
    fragments: tuple[tuple[int, int], ...] = ()


@dataclass
class NewSet:
    """One annotator's annotations of one document; links are (head, tail, role) by index."""

    annotator: str
    status: str
    spans: list[NewSpan] = field(default_factory=list)
    links: list[tuple[int, int, str]] = field(default_factory=list)
    comment: str = ""
    # Set by a caller that ran `store.validate_span` on every span against this document's
    # text (the JSONL and brat importers do): the offsets need no second look here.
    offsets_checked: bool = False


@dataclass
class NewDocument:
    text: str
    content_hash: str
    external_id: str | None = None
    title: str = ""
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    sets: list[NewSet] = field(default_factory=list)
    _graphemes: GraphemeIndex | None = field(default=None, repr=False, compare=False)

    @property
    def graphemes(self) -> GraphemeIndex:
        """The text's grapheme index, kept with the document so no check builds it twice."""
        if self._graphemes is None:
            self._graphemes = grapheme_index(self.text)
        return self._graphemes


@dataclass
class BulkResult:
    imported: int = 0
    duplicates: int = 0
    sets: int = 0
    spans: int = 0
    links: int = 0
    kept_existing: list[str] = field(default_factory=list)
    document_ids: list[int] = field(default_factory=list)


def check_set(doc: NewDocument, aset: NewSet) -> None:
    """What would corrupt the store if a caller let it through: status, annotator, offsets,
    graphemes, link ends. Per span it costs two set lookups in the text's cached
    `GraphemeIndex` (built once per document, shared with the store)."""
    if aset.status not in STATUSES:
        raise StoreError(f"unknown status {aset.status!r}; use one of {', '.join(STATUSES)}")
    if not aset.annotator.strip():
        raise StoreError("an annotator name is required")
    if not aset.offsets_checked:
        for span in aset.spans:
            check_new_span(doc, span)
    for head, tail, _role in aset.links:
        if not (0 <= head < len(aset.spans) and 0 <= tail < len(aset.spans)):
            raise StoreError("a link points at a span that is not in the file")


def check_new_span(doc: NewDocument, span: NewSpan) -> None:
    """One span's offsets against its document (range, then both edges on grapheme bounds)."""
    where = doc.external_id or "being imported"
    try:
        if len(span.fragments) > 1:  # each piece, their order and their outer bounds
            check_fragments(where, doc.text, span.start, span.end, span.fragments, None,
                            doc.graphemes)
            return
        check_range(where, doc.text, span.start, span.end)
        check_grapheme_edges(where, doc.text, span.start, span.end, doc.graphemes)
    except StoreError as exc:
        raise StoreError(f"span {span.start}-{span.end} ({span.label}): {exc}") from exc


def insert_documents(store: Store, docs: list[NewDocument], *, origin: str = "",
                     schema: Schema | None = None) -> BulkResult:
    """Insert documents and their annotation sets in one transaction (see module docstring).

    `schema` is the schema the caller validated labels against: if the project's schema is no
    longer that one when the transaction starts (a `schema apply` landed meanwhile), nothing is
    written and the caller is told to run the import again.

    Set-oriented: a handful of statements per call whatever the number of documents, sets and
    spans (one `executemany` per table), so a 10,000-document file costs what its rows cost.
    """
    for doc in docs:
        for aset in doc.sets:
            check_set(doc, aset)

    def write(session: Session) -> BulkResult:
        _same_schema(session, store, schema)
        result = BulkResult()
        conn = session.connection()
        doc_ids, fresh_ids = _write_documents(conn, docs, result)
        # an earlier text of a corrected document (no annotations: else refused above) has
        # nothing to plan
        planned = _plan_sets(conn, [d for d in docs if d.content_hash in doc_ids], doc_ids,
                             fresh_ids, result)
        _write_sets(conn, store, planned, origin, result)
        finished = {item.doc_id for item in planned
                    if item.aset.status == "done" and item.aset.annotator != GOLD}
        for doc_id in sorted(finished):  # finished work can bring gold new candidates
            reopen_if_needed(session, doc_id, f"import of {origin or 'annotations'}")
        return result

    # Exclusive on the project: no set writer (an annotator saving right now) runs beside the
    # import, so the ids read back after each executemany are ours (PostgreSQL; SQLite's
    # IMMEDIATE transaction already excludes every other writer).
    return store.db.run_write(write, exclusive=True)


def _same_schema(session: Session, store: Store, schema: Schema | None) -> None:
    store.tx(session).schema()  # rows below take store.schema_id: the current snapshot
    current = store.current_schema_id(session)
    if schema is None or current is None:
        return
    snap = session.get(SchemaSnapshot, current)
    if snap is not None and snap.sha256 != schema.sha256:
        raise StoreError(f"the project's schema changed to {snap.name} {snap.version} while "
                         "this file was being read; nothing from it was imported, run the "
                         "import again")


def _write_documents(conn: Any, docs: list[NewDocument],
                     result: BulkResult) -> tuple[dict[str, int], set[int]]:
    """(content hash -> document id for every doc, ids inserted now); duplicates counted."""
    hashes = [doc.content_hash for doc in docs]
    existing: dict[str, int] = {}
    for i in range(0, len(hashes), _CHUNK):
        existing.update(conn.execute(
            select(_DOC.c.content_hash, _DOC.c.id).where(
                _DOC.c.content_hash.in_(hashes[i:i + _CHUNK]))
        ).all())
    older = _earlier_versions(conn, [h for h in hashes if h not in existing])
    fresh: list[tuple[Any, ...]] = []
    queued: set[str] = set()
    now = utcnow()
    for doc in docs:
        if doc.content_hash in older:
            if doc.sets:
                name = doc.external_id or doc.title or doc.source
                raise StoreError(
                    f"{name!r} is an earlier text of document {older[doc.content_hash]}, "
                    "corrected since: its annotations belong to the old text, so nothing "
                    "from this file was imported (a correction is `import --update`)")
            continue
        if doc.content_hash in existing or doc.content_hash in queued:
            continue
        queued.add(doc.content_hash)
        fresh.append((doc.external_id, doc.title, doc.text, doc.content_hash, doc.source,
                      json.dumps(doc.meta, ensure_ascii=False, sort_keys=True), now))
    fresh_ids: set[int] = set()
    if fresh:
        before = _max_id(conn, _DOC)
        _executemany(conn, _DOC, ("external_id", "title", "text", "content_hash", "source",
                                  "meta", "created_at"), fresh)
        for doc_id, h in conn.execute(select(_DOC.c.id, _DOC.c.content_hash)
                                      .where(_DOC.c.id > before)):
            existing[h] = doc_id
            fresh_ids.add(doc_id)
    seen: set[str] = set()
    for doc in docs:
        if doc.content_hash in older:  # the document is here, as a newer version of it
            result.duplicates += 1
            continue
        doc_id = existing[doc.content_hash]
        if doc_id in fresh_ids and doc.content_hash not in seen:
            result.imported += 1
            result.document_ids.append(doc_id)
        else:
            result.duplicates += 1
        seen.add(doc.content_hash)
    return existing, fresh_ids


def _earlier_versions(conn: Any, hashes: list[str]) -> dict[str, int]:
    """content hash -> document id, for texts that are an earlier version of a document."""
    table = DocumentVersion.__table__  # type: ignore[attr-defined]
    out: dict[str, int] = {}
    for i in range(0, len(hashes), _CHUNK):
        out.update(conn.execute(
            select(table.c.content_hash, table.c.document_id).where(
                table.c.content_hash.in_(hashes[i:i + _CHUNK]))).all())
    return out


@dataclass(slots=True)
class _Planned:
    doc: NewDocument
    doc_id: int
    aset: NewSet
    set_id: int | None  # None: a new set


def _plan_sets(conn: Any, docs: list[NewDocument], doc_ids: dict[str, int], fresh_ids: set[int],
               result: BulkResult) -> list[_Planned]:
    """Which sets to write: new ones, and existing ones whose annotator has no spans yet (the
    rule in the module docstring); the others are reported in `kept_existing`."""
    old_ids = sorted({doc_ids[d.content_hash] for d in docs if d.sets} - fresh_ids)
    sets: dict[tuple[int, str], int] = {}
    counts: dict[int, int] = {}
    for i in range(0, len(old_ids), _CHUNK):
        chunk = old_ids[i:i + _CHUNK]
        for set_id, doc_id, annotator in conn.execute(
                select(_SET.c.id, _SET.c.document_id, _SET.c.annotator)
                .where(_SET.c.document_id.in_(chunk))):
            sets[(doc_id, annotator)] = set_id
        counts.update(conn.execute(
            select(_SPAN.c.set_id, func.count()).where(_SPAN.c.document_id.in_(chunk))
            .group_by(_SPAN.c.set_id)).all())
    planned: list[_Planned] = []
    for doc in docs:
        doc_id = doc_ids[doc.content_hash]
        for aset in doc.sets:
            set_id = sets.get((doc_id, aset.annotator))
            has = counts.get(set_id, 0) if set_id is not None else 0
            if has:
                result.kept_existing.append(
                    f"document {doc.external_id or doc_id}: {aset.annotator} already has "
                    f"{has} spans there; the file's annotations for them were not imported")
                continue
            planned.append(_Planned(doc, doc_id, aset, set_id))
    return planned


def _write_sets(conn: Any, store: Store, planned: list[_Planned], origin: str,
                result: BulkResult) -> None:
    """Sets, spans, links and one `import` action per set, one executemany per table."""
    if not planned:
        return
    now = utcnow()
    for item in planned:
        if item.set_id is not None:
            conn.execute(_SET.update().where(_SET.c.id == item.set_id).values(
                status=item.aset.status, updated_at=now))
    new = [item for item in planned if item.set_id is None]
    if new:
        before = _max_id(conn, _SET)
        _executemany(conn, _SET, ("document_id", "annotator", "status", "comment",
                                  "created_at", "updated_at"),
                     [(item.doc_id, item.aset.annotator, item.aset.status, item.aset.comment,
                       now, now) for item in new])
        ids = {(doc_id, annotator): set_id for set_id, doc_id, annotator in conn.execute(
            select(_SET.c.id, _SET.c.document_id, _SET.c.annotator).where(_SET.c.id > before))}
        for item in new:
            item.set_id = ids[(item.doc_id, item.aset.annotator)]
    schema_id = store.schema_id
    span_rows: list[tuple[Any, ...]] = []
    for item in planned:
        text, set_id, doc_id = item.doc.text, item.set_id, item.doc_id
        span_rows.extend(
            (set_id, doc_id, s.layer, s.label, s.start, s.end,
             frag.joined_text(text, s.fragments) if s.fragments else text[s.start:s.end],
             json.dumps(s.attributes, sort_keys=True, ensure_ascii=False) if s.attributes
             else "{}", schema_id, "", now, frag.encode(s.fragments))
            for s in item.aset.spans)
    span_ids: list[int] = []
    if span_rows:
        # AUTOINCREMENT ids may skip (sqlite_sequence), so read the ids back rather than
        # assume; rows inserted in one executemany under our write lock come back in order.
        before = _max_id(conn, _SPAN)
        _executemany(conn, _SPAN, _SPAN_COLUMNS, span_rows)
        span_ids = [row[0] for row in conn.execute(
            select(_SPAN.c.id).where(_SPAN.c.id > before).order_by(_SPAN.c.id))]
        if len(span_ids) != len(span_rows):  # pragma: no cover - we hold the write lock
            raise StoreError("span ids could not be read back; nothing was imported")
    link_rows: list[tuple[Any, ...]] = []
    action_rows: list[tuple[Any, ...]] = []
    pos = 0
    for item in planned:
        aset = item.aset
        ids = span_ids[pos:pos + len(aset.spans)]
        pos += len(aset.spans)
        link_rows.extend((item.set_id, ids[h], ids[t], role, schema_id, "", now)
                         for h, t, role in aset.links)
        result.sets += 1
        if not aset.spans:
            continue
        action_rows.append((item.set_id, aset.annotator, now, *encode(Import.make(
            origin, len(aset.spans), len(aset.links), aset.status))))
        result.spans += len(aset.spans)
        result.links += len(aset.links)
    if link_rows:
        _executemany(conn, _LINK, ("set_id", "head_id", "tail_id", "role", "schema_id",
                                   "stale", "created_at"), link_rows)
    if action_rows:
        _executemany(conn, _ACTION, ("set_id", "annotator", "at", "kind", "payload"),
                     action_rows)


_SPAN_COLUMNS = ("set_id", "document_id", "layer", "label", "start", "end", "text",
                 "attributes", "schema_id", "stale", "created_at", "fragments")


def _max_id(conn: Any, table: Any) -> int:
    return int(conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar())


def _executemany(conn: Any, table: Any, columns: tuple[str, ...],
                 rows: list[tuple[Any, ...]]) -> None:
    """INSERT rows (tuples in `columns` order) with the driver's executemany.

    Names are quoted by the dialect (`end` is a keyword); the per-row parameter handling of a
    Core `insert(...)` with a list of dicts is skipped, which for 400,000 spans costs more than
    the inserts themselves (every value here is already a str, int or None).
    """
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(table.c[name].name) for name in columns)
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    marks = ", ".join(mark for _ in columns)
    conn.exec_driver_sql(f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})", rows)
