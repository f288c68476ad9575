"""doccano's JSONL, in and out (`copydesk export doccano OUT.jsonl`).

doccano has two shapes, both read (code-point offsets, as doccano counts them):
- sequence labelling: `{"text", "label": [[start, end, "LABEL"], ...]}`;
- relation extraction: `{"text", "entities": [{"id", "label", "start_offset", "end_offset"}],
  "relations": [{"id", "from_id", "to_id", "type"}]}` (the type is the role; from -> to is
  head -> tail).
doccano keeps no annotator or status in these files: they come from `--annotator`/`--status`
(or from our own `copydesk` field). Every other field of a line is kept as the document's
metadata, as doccano keeps extra columns.

Out: the relation shape (it holds everything the other does, and doccano's relation projects
import it), one line per (document, annotator) set, in doccano's column order. A
discontinuous span is one entity per piece; span attributes, the pieces of a span, and the
document's id, title, annotator and status ride in a `copydesk` field (doccano keeps it as
metadata), so a round trip gives the same project back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from copydesk.exports.common import standard_json
from copydesk.exports.formats.base import ExportJob, ReadContext, split_files
from copydesk.exports.formats.jsonl import annotations, map_spans
from copydesk.exports.interop import unknown_labels_error
from copydesk.exports.model import ExportSummary, Record, Stream
from copydesk.projects.bulk import NewDocument, NewSet
from copydesk.projects.importers import SourceError, content_hash, iter_jsonl_lines, title_of

OUTPUT = "file"
STREAMED = True  # read line by line; a big file is imported in batches (importing.py)
_LABEL_SHAPE = re.compile(rb'"label"\s*:\s*\[\s*(\[|\])')
_ENTITY_SHAPE = re.compile(rb'"entities"\s*:\s*\[\s*(\{\s*"[a-z_]+"|\])')


# ----------------------------------------------------------------------------- reading
def detect(path: Path, head: bytes) -> bool:
    """A JSONL file whose first line has doccano's `label: [[s, e, L]]` or its entities with
    `start_offset` (JSON strings cannot hold a raw quote, so a key seen here is a key)."""
    if not path.is_file():
        return False
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
    if not first.startswith(b"{"):
        return False
    return bool(_LABEL_SHAPE.search(first)) or (
        _ENTITY_SHAPE.search(first) is not None and (b'"start_offset"' in first
                                                     or b'"relations"' in first))


def read(path: Path, ctx: ReadContext, root: Path | None = None) -> Iterator[NewDocument]:
    """Streamed line by line; documents are yielded as they are complete (lines of one text
    merge; a later line of an earlier text attaches its set when inserted)."""
    unknown: dict[str, int] = {}
    docs: dict[str, NewDocument] = {}
    for number, record in iter_jsonl_lines(path):
        if len(docs) >= 2000:
            if not unknown:
                yield from docs.values()
            docs = {}
        _line(ctx, record, number, unknown, docs)
    if unknown and not ctx.skips.lenient:
        raise unknown_labels_error(unknown, ctx.schema, min(unknown.values()))
    yield from docs.values()


def _line(ctx: ReadContext, record: Any, number: int, unknown: dict[str, int],
          docs: dict[str, NewDocument]) -> None:
    if not isinstance(record, dict):
        raise SourceError("each line must be a JSON object with \"text\"", number)
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise SourceError("missing or empty \"text\"", number)
    ours = record.get("copydesk") if isinstance(record.get("copydesk"), dict) else {}
    h = content_hash(text)
    doc = docs.get(h)
    if doc is None:
        ext = ours.get("id", record.get("id"))
        meta = ours.get("meta") if "copydesk" in record else {
            k: v for k, v in record.items()
            if k not in ("id", "text", "label", "entities", "relations")}
        doc = docs[h] = NewDocument(
            text=text, content_hash=h, external_id=None if ext is None else str(ext),
            title=ours.get("title") or title_of(text, ".txt"), source=ours.get("source") or "",
            meta=meta if isinstance(meta, dict) else {})
    raw_spans, relations = _shape(record, ours, number)
    annotator, status = ctx.defaults.pick(ours.get("annotator"), ours.get("status"), number)
    kept, dropped = map_spans(ctx.schema, ctx.interop, raw_spans, unknown, number)
    if unknown and not ctx.skips.lenient:
        return
    spans, links = annotations(ctx.schema, ctx.interop, doc, relations, kept, dropped, number,
                               f"line {number}")
    if any(s.annotator == annotator for s in doc.sets):
        raise SourceError(f"a second set of annotations by {annotator!r} for the same text",
                          number)
    doc.sets.append(NewSet(annotator=annotator, status=status, spans=spans, links=links,
                           offsets_checked=True))


def _shape(record: dict[str, Any], ours: dict[str, Any], number: int
           ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Both doccano shapes as our raw spans and relations (pieces of one span joined)."""
    spans: list[dict[str, Any]] = []
    relations: list[dict[str, Any]] = []
    if "entities" in record:
        entities = record["entities"]
        if not isinstance(entities, list):
            raise SourceError("\"entities\" must be a list", number)
        for ent in entities:
            if not isinstance(ent, dict):
                raise SourceError("each entity must be an object", number)
            spans.append({"id": ent.get("id"), "start": ent.get("start_offset"),
                          "end": ent.get("end_offset"), "label": ent.get("label")})
        rels = record.get("relations") or []
        if not isinstance(rels, list):
            raise SourceError("\"relations\" must be a list", number)
        for rel in rels:
            if not isinstance(rel, dict):
                raise SourceError("each relation must be an object", number)
            relations.append({"head_span": {"id": rel.get("from_id")},
                              "child_span": {"id": rel.get("to_id")},
                              "label": rel.get("type") if rel.get("type") is not None else ""})
    else:
        labels = record.get("label") or []
        if not isinstance(labels, list):
            raise SourceError("\"label\" must be a list of [start, end, label]", number)
        for k, item in enumerate(labels):
            if not (isinstance(item, list) and len(item) == 3):
                raise SourceError(f"label {k + 1}: write it as [start, end, \"LABEL\"]", number)
            spans.append({"id": f"l{k}", "start": item[0], "end": item[1], "label": item[2]})
    attrs = ours.get("attributes") if isinstance(ours.get("attributes"), dict) else {}
    pieces = ours.get("pieces") if isinstance(ours.get("pieces"), dict) else {}
    by_id = {str(s["id"]): s for s in spans}
    merged: set[str] = set()
    for first, rest in pieces.items():
        span = by_id.get(str(first))
        if span is None or not isinstance(rest, list):
            continue
        parts = [[span["start"], span["end"]]]
        for other in rest:
            piece = by_id.get(str(other))
            if piece is not None:
                parts.append([piece["start"], piece["end"]])
                merged.add(str(other))
        if all(isinstance(v, int) for p in parts for v in p):
            span["fragments"] = sorted(parts)
            span["start"] = min(p[0] for p in parts)
            span["end"] = max(p[1] for p in parts)
    for sid, values in attrs.items():
        if str(sid) in by_id and isinstance(values, dict):
            by_id[str(sid)]["attributes"] = values
    return [s for s in spans if str(s["id"]) not in merged], relations


# ----------------------------------------------------------------------------- writing
def write(job: ExportJob) -> None:
    split_files(job, "jsonl", write_doccano)


def write_doccano(stream: Stream, paths: dict[str, Path], summary: ExportSummary,
                  tick: Callable[[], None]) -> None:
    handles: dict[str, TextIO] = {}
    try:
        for name, path in paths.items():
            handles[name] = open(path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
        for split, rec in stream:
            handles[split].write(standard_json(_line_of(rec)) + "\n")
            summary.spans += len(rec.spans)
            summary.links += len(rec.links)
            summary.labels.update(span.label for span in rec.spans)
            tick()
    finally:
        for fh in handles.values():
            fh.close()


def _line_of(rec: Record) -> dict[str, Any]:
    entities: list[dict[str, Any]] = []
    pieces: dict[str, list[int]] = {}
    attrs: dict[str, dict[str, Any]] = {}
    next_id = len(rec.spans)  # ids 0..n-1 are the spans (their positions); pieces after
    for span in rec.spans:
        for n, (a, b) in enumerate(span.parts):
            eid = span.index if n == 0 else next_id
            if n:
                pieces.setdefault(str(span.index), []).append(next_id)
                next_id += 1
            entities.append({"id": eid, "label": span.label, "start_offset": a,
                             "end_offset": b})
        if span.attributes:
            attrs[str(span.index)] = dict(span.attributes)
    ours: dict[str, Any] = {"id": rec.external_id, "title": rec.title,
                            "annotator": rec.annotator, "status": rec.status}
    if rec.source:
        ours["source"] = rec.source
    if rec.meta:
        ours["meta"] = rec.meta
    if attrs:
        ours["attributes"] = attrs
    if pieces:
        ours["pieces"] = pieces
    return {"text": rec.text, "entities": entities,
            "relations": [{"id": k, "from_id": link.head, "to_id": link.tail, "type": link.role}
                          for k, link in enumerate(rec.links)],
            "copydesk": ours}
