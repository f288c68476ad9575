"""Reading the store for export: three Core queries for all sets, spans and links.

One query per document would cost a round trip each (10,000 documents, 10,000 queries); these
queries stream every row once, ordered so records can be assembled in a single pass. Every span is
checked against the document text here, before any writer runs, so a corrupted offset stops the
export with nothing written.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

from sqlalchemy import select

from copydesk.exports.model import ExportError, ExportLink, ExportOptions, ExportSpan, Record
from copydesk.projects import fragments as frag
from copydesk.projects.models import AnnotationSet, Document, Link, Span, SuggestionDecision
from copydesk.projects.store import Store

_DOC = Document.__table__  # type: ignore[attr-defined]
_SET = AnnotationSet.__table__  # type: ignore[attr-defined]
_SPAN = Span.__table__  # type: ignore[attr-defined]
_LINK = Link.__table__  # type: ignore[attr-defined]
_DECISION = SuggestionDecision.__table__  # type: ignore[attr-defined]
# Record meta key listing spans accepted from machine suggestions (projects.suggest.decisions):
# [{"id": span position in the record, "source": "suggest:patterns"}, ...]; absent when none.
SUGGESTED_META = "suggested_spans"


def document_key(doc_id: int, external_id: str | None) -> str:
    """The id written to exports: the external id, else `doc-<id>`.

    Import stores it back as the external id, so a re-export of an imported export writes the
    same key (database ids are not stable across projects; keys are).
    """
    return external_id if external_id else f"doc-{doc_id}"


def read_records(store: Store, options: ExportOptions,
                 skipped: Counter[str] | None = None) -> list[Record]:
    """Every (document, annotator) set that passes the filters, sorted by document then annotator.

    Stale spans and links (label no longer in the schema) are left out and counted in `skipped`.
    Raises ExportError naming the document and span when a span's stored text is not what the
    document holds at its offsets.
    """
    skipped = skipped if skipped is not None else Counter()
    layers = set(options.layers)
    labels = set(options.labels)
    set_query = (
        select(_SET.c.id, _SET.c.document_id, _SET.c.annotator, _SET.c.status,
               _DOC.c.external_id, _DOC.c.title, _DOC.c.source, _DOC.c.meta, _DOC.c.text)
        .join(_DOC, _DOC.c.id == _SET.c.document_id)
        .order_by(_SET.c.document_id, _SET.c.annotator)
    )
    if options.status != "all":
        set_query = set_query.where(_SET.c.status == options.status)
    if options.annotators:
        wanted_annotators = list(options.annotators)
        if options.prefer:
            wanted_annotators.append(options.prefer)
        set_query = set_query.where(_SET.c.annotator.in_(wanted_annotators))

    records: dict[int, Record] = {}
    with store.db.engine.connect() as conn:
        for (set_id, doc_id, annotator, status, ext, title, source, meta,
             text) in conn.execute(set_query):
            try:
                meta_dict = json.loads(meta or "{}")
            except json.JSONDecodeError:
                meta_dict = {}
            records[set_id] = Record(
                doc_id=doc_id, key=document_key(doc_id, ext), external_id=ext,
                title=title or "", source=source or "",
                meta=meta_dict if isinstance(meta_dict, dict) else {},
                text=text, annotator=annotator, status=status,
            )
        if options.prefer:
            records = _one_set_per_document(records, options)
        if not records:
            return []
        wanted = _set_filter(options)
        span_query = (
            select(_SPAN.c.id, _SPAN.c.set_id, _SPAN.c.layer, _SPAN.c.label, _SPAN.c.start,
                   _SPAN.c.end, _SPAN.c.text, _SPAN.c.attributes, _SPAN.c.stale,
                   _SPAN.c.fragments)
            .join(_SET, _SET.c.id == _SPAN.c.set_id)
            .where(*wanted)
            .order_by(_SPAN.c.set_id, _SPAN.c.start, _SPAN.c.end, _SPAN.c.layer,
                      _SPAN.c.label, _SPAN.c.id)
        )
        by_db_id: dict[int, tuple[int, int]] = {}
        raw: dict[int, list[tuple]] = defaultdict(list)
        for row in conn.execute(span_query):
            if row[0] is None or row[1] not in records:
                continue
            if row[8]:
                skipped["stale spans"] += 1
                continue
            if layers and row[2] not in layers:
                continue
            if labels and row[3] not in labels:
                continue
            raw[row[1]].append(row)
        for set_id, rows in raw.items():
            rec = records[set_id]
            text = rec.text
            spans = rec.spans
            for (span_id, _set, layer, label, start, end, covered, attrs, _stale,
                 stored_parts) in rows:
                parts = frag.decode(stored_parts, start, end) if stored_parts else ()
                there = frag.joined_text(text, parts) if parts else text[start:end]
                if there != covered:
                    raise ExportError(
                        f"document {rec.key} (id {rec.doc_id}, annotator {rec.annotator}): "
                        f"span {span_id} {label} {start}-{end} says {covered!r} but the text "
                        f"there is {there!r}; nothing was exported"
                    )
                index = len(spans)
                by_db_id[span_id] = (set_id, index)
                spans.append(ExportSpan(
                    index=index, db_id=span_id, layer=layer, label=label, start=start, end=end,
                    text=covered, attributes=json.loads(attrs) if attrs and attrs != "{}" else {},
                    fragments=parts,
                ))
        link_query = (
            select(_LINK.c.set_id, _LINK.c.head_id, _LINK.c.tail_id, _LINK.c.role,
                   _LINK.c.stale)
            .join(_SET, _SET.c.id == _LINK.c.set_id)
            .where(*wanted)
        )
        for set_id, head_id, tail_id, role, stale in conn.execute(link_query):
            if set_id not in records:
                continue
            if stale:
                skipped["stale links"] += 1
                continue
            head = by_db_id.get(head_id)
            tail = by_db_id.get(tail_id)
            if head is None or tail is None:
                continue  # an end was filtered out (layer/label) or is stale
            records[set_id].links.append(ExportLink(head[1], tail[1], role))
        _add_provenance(conn, records, by_db_id)
    out = sorted(records.values(), key=lambda r: (r.doc_id, r.annotator))
    for rec in out:
        rec.links.sort(key=lambda link: (link.head, link.tail, link.role))
    return out


def _add_provenance(conn: object, records: dict[int, Record],
                    by_db_id: dict[int, tuple[int, int]]) -> None:
    """Mark spans an annotator accepted from a suggestion, in their record's meta."""
    for rec in records.values():
        rec.meta.pop(SUGGESTED_META, None)  # only this project's decisions, not an import's
    ids = list(by_db_id)
    origin: dict[int, str] = {}
    for i in range(0, len(ids), 500):
        for span_id, source in conn.execute(  # type: ignore[attr-defined]
                select(_DECISION.c.span_id, _DECISION.c.source)
                .where(_DECISION.c.span_id.in_(ids[i:i + 500]),
                       _DECISION.c.decision == "accepted")
                .order_by(_DECISION.c.id)):
            origin[int(span_id)] = source
    for span_id, source in sorted(origin.items(), key=lambda kv: by_db_id[kv[0]]):
        set_id, index = by_db_id[span_id]
        records[set_id].meta.setdefault(SUGGESTED_META, []).append(
            {"id": index, "source": source})


def _set_filter(options: ExportOptions) -> list:
    clauses = []
    if options.status != "all":
        clauses.append(_SET.c.status == options.status)
    if options.annotators:
        names = [*options.annotators, *([options.prefer] if options.prefer else [])]
        clauses.append(_SET.c.annotator.in_(names))
    return clauses


def assign_splits(records: Iterable[Record], ratios: tuple[int, ...] | None,
                  seed: int) -> dict[int, str]:
    """document id -> split name, by a seeded shuffle of the sorted document ids.

    Splits are by document (every annotator's set of one document lands in the same split), so
    no text leaks between train and test. Sizes are rounded down for dev/test and the rest goes
    to train, so a tiny corpus still trains on something.
    """
    doc_ids = sorted({rec.doc_id for rec in records})
    if not ratios:
        return {doc_id: "" for doc_id in doc_ids}
    import random

    names = ("train", "test") if len(ratios) == 2 else ("train", "dev", "test")
    order = list(doc_ids)
    random.Random(seed).shuffle(order)
    total = sum(ratios)
    n = len(order)
    sizes = [n * r // total for r in ratios]
    sizes[0] = n - sum(sizes[1:])
    out: dict[int, str] = {}
    pos = 0
    for name, size in zip(names, sizes, strict=True):
        for doc_id in order[pos:pos + size]:
            out[doc_id] = name
        pos += size
    return out


def parse_split(text: str) -> tuple[int, ...]:
    """`80,10,10` -> (80, 10, 10); two or three non-negative whole numbers, not all zero."""
    try:
        parts = tuple(int(p) for p in text.split(","))
    except ValueError as exc:
        raise ExportError(f"--split {text!r}: give two or three whole numbers, e.g. 80,10,10"
                          ) from exc
    if len(parts) not in (2, 3) or any(p < 0 for p in parts) or sum(parts) == 0:
        raise ExportError(f"--split {text!r}: give two (train,test) or three (train,dev,test) "
                          "non-negative numbers, e.g. 80,10,10")
    return parts


ProgressFn = Callable[[int, int], None]


def _one_set_per_document(records: dict[int, Record], options: ExportOptions) -> dict[int, Record]:
    """`--prefer NAME`: keep NAME's set of each document, or one fallback set where it has none.

    The fallback is the first `--annotator` (in the order given) with a set on that document,
    else the alphabetically first annotator, so the choice is deterministic.
    """
    order = {name: rank for rank, name in enumerate(options.annotators)}
    by_doc: dict[int, list[tuple[int, Record]]] = defaultdict(list)
    for set_id, rec in records.items():
        by_doc[rec.doc_id].append((set_id, rec))

    def rank(item: tuple[int, Record]) -> tuple[int, int, str]:
        name = item[1].annotator
        return (0 if name == options.prefer else 1, order.get(name, len(order)), name)

    kept = dict(min(sets, key=rank) for sets in by_doc.values())
    return {set_id: rec for set_id, rec in records.items() if set_id in kept}
