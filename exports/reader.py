"""Reading the store for export: a small plan, then records streamed one at a time.

`read_plan` lists the sets to export (ids, names, status: no text), enough to decide splits,
file names and counts up front. `iter_records` then walks three Core queries (texts, spans,
links) ordered by (document, annotator) and merges them into one `Record` per set, so an export
holds one record in memory, not the corpus, and reads every row once. Every span is checked
against the document text as it passes; writers write into a temporary path, so a corrupted
offset stops the export with nothing left at the destination.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from copydesk.exports.model import ExportError, ExportLink, ExportOptions, ExportSpan, Record
from copydesk.projects import fragments as frag
from copydesk.projects.models import AnnotationSet, Document, Link, Span, SuggestionDecision
from copydesk.projects.store import Store
from copydesk.projects.suggest.selection import people_clause

_DOC = Document.__table__  # type: ignore[attr-defined]
_SET = AnnotationSet.__table__  # type: ignore[attr-defined]
_SPAN = Span.__table__  # type: ignore[attr-defined]
_LINK = Link.__table__  # type: ignore[attr-defined]
_DECISION = SuggestionDecision.__table__  # type: ignore[attr-defined]
# Record meta key listing spans accepted from machine suggestions (projects.suggest.decisions):
# [{"id": span position in the record, "source": "suggest:patterns"}, ...]; absent when none.
SUGGESTED_META = "suggested_spans"
# Record meta key listing spans a corrected text moved to a best guess, exported only with
# `--include-unreviewed` (projects.docversions): [{"id", "reason", "old_text"}, ...].
UNREVIEWED_META = "unreviewed_spans"


def document_key(doc_id: int, external_id: str | None) -> str:
    """The id written to exports: the external id, else `doc-<id>`.

    Import stores it back as the external id, so a re-export of an imported export writes the
    same key (database ids are not stable across projects; keys are).
    """
    return external_id if external_id else f"doc-{doc_id}"


@dataclass(frozen=True, slots=True)
class SetRow:
    """One (document, annotator) set to export, without its text or spans: the plan."""

    set_id: int
    doc_id: int
    annotator: str
    status: str
    external_id: str | None
    title: str
    source: str
    meta: str

    @property
    def key(self) -> str:
        return document_key(self.doc_id, self.external_id)


def read_plan(store: Store, options: ExportOptions) -> list[SetRow]:
    """Every set that passes the filters, sorted by document then annotator; no text, no spans.

    Small (a few fields per set), so splits, file names and counts can be decided before the
    records themselves stream past once.
    """
    query = (
        select(_SET.c.id, _SET.c.document_id, _SET.c.annotator, _SET.c.status,
               _DOC.c.external_id, _DOC.c.title, _DOC.c.source, _DOC.c.meta)
        .join(_DOC, _DOC.c.id == _SET.c.document_id)
        .where(*_set_filter(options))
        .order_by(_SET.c.document_id, _SET.c.annotator)
    )
    with store.db.engine.connect() as conn:
        plan = {row[0]: SetRow(row[0], row[1], row[2], row[3], row[4], row[5] or "",
                               row[6] or "", row[7] or "{}") for row in conn.execute(query)}
    if options.prefer:
        plan = _one_set_per_document(plan, options)
    return sorted(plan.values(), key=lambda r: (r.doc_id, r.annotator))


def iter_records(source: Store | Engine, options: ExportOptions, plan: list[SetRow],
                 skipped: Counter[str] | None = None, *,
                 only_planned: bool = False) -> Iterator[Record]:
    """The planned sets as Records, one at a time, in plan order: memory holds one record.

    Three cursors walk documents, spans and links in the same (document, annotator) order and
    are merged here, so the corpus is read once and never held whole. Stale spans and links
    (label no longer in the schema) are left out and counted in `skipped`; so is a bad span
    row (its stored text is not what the document holds at its offsets, offsets outside the
    text, attributes that are not a JSON object), named there with its document.
    `only_planned` reads the plan's documents only (an export worker's chunk of the plan),
    not every document that passes the filters.
    """
    skipped = skipped if skipped is not None else Counter()
    if not plan:
        return
    engine = _engine(source)
    layers = set(options.layers)
    labels = set(options.labels)
    wanted = _set_filter(options)
    documents = sorted({row.doc_id for row in plan}) if only_planned else None
    if documents is not None:
        wanted.append(_SET.c.document_id.in_(documents))
    order = (_SET.c.document_id, _SET.c.annotator)
    text_query = (select(*order, _DOC.c.text).join(_DOC, _DOC.c.id == _SET.c.document_id)
                  .where(*wanted).order_by(*order))
    span_query = (
        select(*order, _SPAN.c.id, _SPAN.c.layer, _SPAN.c.label, _SPAN.c.start,
               _SPAN.c.end, _SPAN.c.text, _SPAN.c.attributes, _SPAN.c.stale,
               _SPAN.c.fragments, _SPAN.c.needs_review, _SPAN.c.review_reason,
               _SPAN.c.review_old_text)
        .join(_SET, _SET.c.id == _SPAN.c.set_id)
        .where(*wanted)
        .order_by(*order, _SPAN.c.start, _SPAN.c.end, _SPAN.c.layer, _SPAN.c.label,
                  _SPAN.c.id)
    )
    link_query = (
        select(*order, _LINK.c.head_id, _LINK.c.tail_id, _LINK.c.role, _LINK.c.stale)
        .join(_SET, _SET.c.id == _LINK.c.set_id)
        .where(*wanted)
        .order_by(*order)
    )
    decision_query = (
        select(_DECISION.c.document_id, _DECISION.c.annotator, _DECISION.c.span_id,
               _DECISION.c.source)
        .where(_DECISION.c.decision == "accepted", _DECISION.c.span_id.is_not(None),
               *([_DECISION.c.document_id.in_(documents)] if documents is not None else []))
        .order_by(_DECISION.c.document_id, _DECISION.c.id)
    )
    with engine.connect() as conn:
        texts = _Merge(conn.execute(text_query))
        spans = _Merge(conn.execute(span_query))
        links = _Merge(conn.execute(link_query))
        decisions = _Merge(conn.execute(decision_query))
        for row in plan:
            key = (row.doc_id, row.annotator)
            text = texts.take(key)
            rec = Record(doc_id=row.doc_id, key=row.key, external_id=row.external_id,
                         title=row.title, source=row.source, meta=_meta(row.meta),
                         text=text[0][2] if text else "", annotator=row.annotator,
                         status=row.status)
            by_db_id: dict[int, int] = {}
            unreviewed: list[tuple[int, str, str | None]] = []
            for (_doc, _who, span_id, layer, label, start, end, covered, attrs,
                 stale, stored_parts, needs_review, reason, old_text) in spans.take(key):
                if stale:
                    skipped["stale spans"] += 1
                    continue
                if needs_review:
                    # a best guess after a correction; an empty one (its text was deleted)
                    # has nothing to export even when asked for
                    if start == end:
                        skipped["spans whose text a correction deleted (need review)"] += 1
                        continue
                    if not options.include_unreviewed:
                        skipped["spans needing review"] += 1
                        continue
                    unreviewed.append((span_id, reason, old_text))
                if (layers and layer not in layers) or (labels and label not in labels):
                    continue
                where = (f"span {span_id} of {rec.annotator} in document {rec.key} "
                         f"(id {rec.doc_id})")
                try:
                    if start < 0 or end <= start or end > len(rec.text):
                        raise ValueError(f"offsets {start}-{end} outside the text")
                    if (options.known_labels is not None
                            and (layer, label) not in options.known_labels):
                        raise ValueError(f"label {label!r} ({layer}) is not in the schema")
                    parts = frag.decode(stored_parts, start, end) if stored_parts else ()
                    there = frag.joined_text(rec.text, parts) if parts else rec.text[start:end]
                    if there != covered:
                        raise ValueError(f"says {covered!r} but the text there is {there!r}")
                    attributes = json.loads(attrs) if attrs and attrs != "{}" else {}
                    if not isinstance(attributes, dict):
                        raise ValueError("attributes are not a JSON object")
                except (ValueError, TypeError) as exc:
                    # One bad row (written by hand, or by an older bug) must not block the
                    # whole team's export: it is left out and named in the summary line.
                    skipped[f"bad rows ({where}: {exc})"[:300]] += 1
                    continue
                by_db_id[span_id] = len(rec.spans)
                rec.spans.append(ExportSpan(
                    index=len(rec.spans), db_id=span_id, layer=layer, label=label, start=start,
                    end=end, text=covered, attributes=attributes, fragments=parts))
            for _doc, _who, head_id, tail_id, role, stale in links.take(key):
                if stale:
                    skipped["stale links"] += 1
                    continue
                head, tail = by_db_id.get(head_id), by_db_id.get(tail_id)
                if head is None or tail is None:
                    continue  # an end was filtered out (layer/label) or is stale
                rec.links.append(ExportLink(head, tail, role))
            rec.links.sort(key=lambda link: (link.head, link.tail, link.role))
            _add_provenance(rec, by_db_id, decisions.take(key))
            rec.meta.pop(UNREVIEWED_META, None)  # only this project's review state
            if unreviewed:
                rec.meta[UNREVIEWED_META] = [
                    {"id": by_db_id[span_id], "reason": reason, "old_text": old_text}
                    for span_id, reason, old_text in unreviewed if span_id in by_db_id]
            yield rec


def labels_in_layer(source: Store | Engine, options: ExportOptions, layer: str) -> set[str]:
    """Every label of a live span in `layer` among the sets the filters pass."""
    engine = _engine(source)
    query = (select(_SPAN.c.label).distinct().join(_SET, _SET.c.id == _SPAN.c.set_id)
             .where(_SPAN.c.layer == layer, _SPAN.c.stale == "", *_set_filter(options)))
    with engine.connect() as conn:
        return {row[0] for row in conn.execute(query)}


def read_records(store: Store, options: ExportOptions,
                 skipped: Counter[str] | None = None) -> list[Record]:
    """Every set that passes the filters as a list (small projects, tests); see iter_records."""
    return list(iter_records(store, options, read_plan(store, options), skipped))


def _engine(source: Store | Engine) -> Engine:
    """The engine to read: the store's, or one an export worker made for itself."""
    return source.db.engine if isinstance(source, Store) else source


class _Merge:
    """Rows ordered by document id in their first column (annotator in the second), handed out
    set by set in step with the plan. Rows are grouped by document only: databases order
    annotator names by their own collation (PostgreSQL's may ignore case and punctuation), so
    the annotators of one document are sorted out here, keeping each one's rows in query order.
    Rows of documents or sets the plan dropped (the `--prefer` choice) are skipped."""

    __slots__ = ("doc", "group", "head", "rows")

    def __init__(self, result: Any) -> None:
        self.rows = iter(result)
        self.head = next(self.rows, None)
        self.doc: int | None = None
        self.group: dict[str, list[Any]] = {}

    def take(self, key: tuple[int, str]) -> list[Any]:
        doc_id, annotator = key
        if doc_id != self.doc:
            self.doc, self.group = doc_id, {}
            while self.head is not None and self.head[0] < doc_id:
                self.head = next(self.rows, None)
            while self.head is not None and self.head[0] == doc_id:
                self.group.setdefault(self.head[1], []).append(self.head)
                self.head = next(self.rows, None)
        return self.group.pop(annotator, [])


def _meta(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _set_filter(options: ExportOptions) -> list:
    clauses = []
    if options.status != "all":
        clauses.append(_SET.c.status == options.status)
    names = [*options.annotators, *([options.prefer] if options.prefer else [])]
    if options.annotators:
        clauses.append(_SET.c.annotator.in_(names))
    people = people_clause(_SET.c.annotator, include=options.include_suggestions, named=names)
    if people is not None:
        clauses.append(people)
    return clauses


def assign_splits(records: Iterable[Record | SetRow], ratios: tuple[int, ...] | None,
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


def _one_set_per_document(records: dict[int, SetRow],
                          options: ExportOptions) -> dict[int, SetRow]:
    """`--prefer NAME`: keep NAME's set of each document, or one fallback set where it has none.

    The fallback is the first `--annotator` (in the order given) with a set on that document,
    else the alphabetically first annotator, so the choice is deterministic.
    """
    order = {name: rank for rank, name in enumerate(options.annotators)}
    by_doc: dict[int, list[tuple[int, SetRow]]] = defaultdict(list)
    for set_id, rec in records.items():
        by_doc[rec.doc_id].append((set_id, rec))

    def rank(item: tuple[int, SetRow]) -> tuple[int, int, str]:
        name = item[1].annotator
        return (0 if name == options.prefer else 1, order.get(name, len(order)), name)

    kept = dict(min(sets, key=rank) for sets in by_doc.values())
    return {set_id: rec for set_id, rec in records.items() if set_id in kept}


def _add_provenance(rec: Record, by_db_id: dict[int, int], rows: list[Any]) -> None:
    """Mark spans the annotator accepted from a suggestion, in the record's meta."""
    rec.meta.pop(SUGGESTED_META, None)  # only this project's decisions, not an import's
    origin: dict[int, str] = {}
    for _doc, _who, span_id, source in rows:  # oldest first: the newest decision wins
        if span_id in by_db_id:
            origin[span_id] = source
    if origin:
        rec.meta[SUGGESTED_META] = [{"id": by_db_id[span_id], "source": source}
                                    for span_id, source in sorted(
                                        origin.items(), key=lambda kv: by_db_id[kv[0]])]
