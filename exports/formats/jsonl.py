"""Our JSONL (and Prodigy/spaCy-style JSONL), in and out.

Out: `exports.jsonl` writes one (document, annotator) set per line.
In: a line with `spans` (`start`, `end`, `label`; optional `attributes`, `text`, `fragments`)
and optional `relations` (`head_span`/`child_span` by `id` or by start/end/label, `label` =
role) brings its annotations in; a line without them is a document only. Lines of one text
merge into one document with one set per annotator.

The file is streamed (`projects.importers.iter_jsonl`): documents are yielded in batches and
memory holds one batch, whatever the file size. Lines of the same text in different batches
still end up one document (the bulk insert attaches a later set to the document already there).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from copydesk.exports.formats.base import ExportJob, ReadContext, split_files
from copydesk.exports.interop import Interop, check_link, check_span, unknown_labels_error
from copydesk.exports.jsonl import META_KEYS, write_jsonl
from copydesk.projects.bulk import NewDocument, NewSet, NewSpan
from copydesk.projects.importers import JSONL_SUFFIXES, SourceError, content_hash, iter_jsonl
from copydesk.schema.model import Schema

OUTPUT = "file"
STREAMED = True  # read line by line; a big file is imported in batches (importing.py)
_PRODIGY_ANSWERS = {"accept": "done", "reject": "skipped", "ignore": "skipped"}
# Documents per yielded batch: bounds memory on a big file; a small file is one batch.
BATCH_DOCS = 2000
BATCH_CHARS = 32_000_000


def write(job: ExportJob) -> None:
    schema = job.schema
    split_files(job, "jsonl", lambda stream, paths, summary, tick:
                write_jsonl(stream, paths, schema, summary, tick))


def detect(path: Path, head: bytes) -> bool:
    if not path.is_file():
        return False
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return path.suffix.lower() in JSONL_SUFFIXES or (
        first.startswith(b"{") and path.suffix.lower() == ".json")


def read(path: Path, ctx: ReadContext, root: Path | None = None) -> Iterator[NewDocument]:
    return parse_jsonl(path, ctx.schema, ctx.defaults, ctx.interop)


def parse_jsonl(path: Path, schema: Schema, defaults: Any,
                interop: Interop | None = None) -> Iterator[NewDocument]:
    """Every line of a JSONL file as documents with annotation sets (lines of one text merge).

    Span labels and relation labels (roles) go through `--map`/`--drop`; a dropped span takes
    its relations with it. Unknown labels are collected over the whole file and refused in one
    line naming them all (with `--skip-invalid`, each such span is skipped and reported).
    """
    interop = interop or Interop()
    skips = interop.skips
    unknown: dict[str, int] = {}
    docs: dict[str, NewDocument] = {}
    chars = 0
    seen_sets: set[tuple[str, str]] = set()
    for doc in iter_jsonl(path):
        line = doc["line"]
        record = doc.get("record") or {}
        meta = doc.get("meta") or {}
        h = content_hash(doc["text"])
        new = docs.get(h)
        if new is None:
            if len(docs) >= BATCH_DOCS or chars >= BATCH_CHARS:
                if not unknown:
                    yield from docs.values()
                docs, chars = {}, 0
            source = meta.get("source")
            new = NewDocument(
                text=doc["text"], content_hash=h, external_id=doc.get("external_id"),
                title=doc.get("title") or "",
                source=source if isinstance(source, str) else doc["source"],
                meta={k: v for k, v in meta.items() if k not in META_KEYS},
            )
            docs[h] = new
            chars += len(new.text)
        annotated = "spans" in record or "annotator" in meta or "status" in meta
        if not annotated:
            continue
        answer = record.get("answer")
        status = meta.get("status")
        if not status and isinstance(answer, str):
            status = _PRODIGY_ANSWERS.get(answer)
        annotator, status = defaults.pick(meta.get("annotator") or record.get("_annotator_id"),
                                          status, line)
        raw_spans = record.get("spans") or []
        if not isinstance(raw_spans, list):
            raise SourceError("\"spans\" must be a list", line)
        kept_raw, dropped_keys = map_spans(schema, interop, raw_spans, unknown, line)
        if unknown and not skips.lenient:
            continue  # refused at the end, naming every unknown label
        spans, links = annotations(schema, interop, new, record.get("relations"), kept_raw,
                                   dropped_keys, line, f"line {line}")
        if (h, annotator) in seen_sets:
            raise SourceError(f"a second set of annotations by {annotator!r} for the same "
                              "text", line)
        seen_sets.add((h, annotator))
        new.sets.append(NewSet(annotator=annotator, status=status, spans=spans, links=links,
                               offsets_checked=True))
    if unknown and not skips.lenient:
        raise unknown_labels_error(unknown, schema, min(unknown.values()))
    yield from docs.values()


def annotations(schema: Schema, interop: Interop, new: NewDocument, relations: Any,
                kept_raw: list[Any], dropped_keys: set[tuple[Any, ...]], line: int | None,
                where: str) -> tuple[list[NewSpan], list[tuple[int, int, str]]]:
    """One record's spans (as `map_spans` left them) and relations (`head_span`/`child_span`
    by `id` or start/end/label, `label` = role, "" = the one role the two labels allow), each
    checked by the store's rules; a broken one is skipped (`--skip-invalid`) or rejects the
    file, and a relation to a skipped span is skipped too. Shared by the JSON-shaped readers
    (Label Studio and doccano records are turned into this shape)."""
    skips = interop.skips
    index = new.graphemes  # once per document, for every span check below
    spans: list[NewSpan] = []
    by_id: dict[Any, int] = {}
    by_key: dict[tuple[Any, ...], int] = {}
    broken: set[tuple[Any, ...]] = set()
    for raw in kept_raw:
        before = len(spans)
        if isinstance(raw, dict) and raw.get("_skip"):  # unknown label, already reported
            broken.add(("id", raw.get("id")) if "id" in raw else
                       ("key", raw.get("start"), raw.get("end"), raw.get("_theirs")))
            continue
        with skips.guard(line):
            spans.append(check_span(schema, new.text, raw, line, where, index))
        if not isinstance(raw, dict):
            continue
        if len(spans) == before:  # skipped: its relations go too
            broken.add(("id", raw.get("id")) if "id" in raw else
                       ("key", raw.get("start"), raw.get("end"), raw.get("_theirs")))
            continue
        if "id" in raw:
            by_id[raw["id"]] = before
        by_key.setdefault((spans[before].start, spans[before].end, raw["_theirs"]), before)
    links: list[tuple[int, int, str]] = []
    if relations is not None and not isinstance(relations, list):
        raise SourceError(f"{where}: \"relations\" must be a list", line)
    for rel in relations or []:
        with skips.guard(line):
            link = _relation(schema, interop, spans, links, rel, by_id, by_key, dropped_keys,
                             broken, line, where)
            if link is not None:
                links.append(link)
    return spans, links


def _relation(schema: Schema, interop: Interop, spans: list[NewSpan],
              links: list[tuple[int, int, str]], rel: Any, by_id: dict[Any, int],
              by_key: dict[tuple[Any, ...], int], dropped_keys: set[tuple[Any, ...]],
              broken: set[tuple[Any, ...]], line: int | None, where: str
              ) -> tuple[int, int, str] | None:
    if not isinstance(rel, dict):
        raise SourceError(f"{where}: each relation must be an object", line)
    role = rel.get("label")
    if not isinstance(role, str):
        raise SourceError(f"{where}: relation without a label (role)", line)
    if interop.drops(role):
        interop.count_drop(role)
        return None
    ends = []
    for side in ("head_span", "child_span"):
        ref = rel.get(side)
        if not isinstance(ref, dict):
            raise SourceError(f"{where}: relation without {side}", line)
        idx = by_id.get(ref["id"]) if "id" in ref else None
        key = ("key", ref.get("start"), ref.get("end"), ref.get("label"))
        if idx is None:
            idx = by_key.get(key[1:])
        if idx is None and (("id", ref.get("id")) in dropped_keys or key in dropped_keys):
            return None  # an end was dropped: so is the relation
        if idx is None and (("id", ref.get("id")) in broken or key in broken):
            raise SourceError(f"{where}: relation {role}: its {side} {ref.get('label')} "
                              f"{ref.get('start')}-{ref.get('end')} was skipped", line)
        if idx is None:
            raise SourceError(f"{where}: relation {side} {ref.get('label')} "
                              f"{ref.get('start')}-{ref.get('end')} is not in spans", line)
        ends.append(idx)
    if not role:  # no label: the one role the schema allows between the two
        allowed = _roles_between(schema, spans[ends[0]], spans[ends[1]])
        if len(allowed) != 1:
            raise SourceError(f"{where}: relation {spans[ends[0]].label} -> "
                              f"{spans[ends[1]].label} has no label and the schema allows "
                              f"{len(allowed)} roles there", line)
        return check_link(schema, spans, links, ends[0], ends[1], allowed[0], line, where)
    ours = next((c for c in interop.candidates(role)
                 if c in _roles_between(schema, spans[ends[0]], spans[ends[1]])),
                interop.candidates(role)[0])
    return check_link(schema, spans, links, ends[0], ends[1], ours, line, where)


def map_spans(schema: Schema, interop: Interop, raw_spans: list[Any], unknown: dict[str, int],
               line: int | None) -> tuple[list[dict[str, Any]], set[tuple[Any, ...]]]:
    """The line's spans with labels mapped (`_theirs` keeps the file's label for relation
    lookups); dropped ones left out, their keys returned so their relations go too. An unknown
    label is collected in `unknown` (strict) or skipped as broken (`--skip-invalid`)."""
    kept: list[dict[str, Any]] = []
    dropped: set[tuple[Any, ...]] = set()
    resolved = interop.resolved  # foreign label -> ours (None: unknown), for the whole import
    for raw in raw_spans:
        if not isinstance(raw, dict) or not isinstance(raw.get("label"), str):
            kept.append(raw)  # check_span names what is wrong
            continue
        theirs = raw["label"]
        if theirs in interop.drop:
            interop.count_drop(theirs)
            if "id" in raw:
                dropped.add(("id", raw["id"]))
            dropped.add(("key", raw.get("start"), raw.get("end"), theirs))
            continue
        if theirs in resolved:
            ours = resolved[theirs]
        else:
            ours = resolved[theirs] = next(
                (c for c in interop.candidates(theirs) if schema.label(c) is not None), None)
        if ours is None:
            if interop.skips.lenient:
                with interop.skips.guard(line):
                    raise unknown_labels_error([theirs], schema, line)
                # its relations are skipped as relations to a broken span
                kept.append({**raw, "label": None, "_theirs": theirs, "_skip": True})
                continue
            unknown.setdefault(theirs, line or 0)
            continue
        mapped = raw.copy()
        mapped["label"] = ours
        mapped["_theirs"] = theirs
        kept.append(mapped)
    return kept, dropped


def _roles_between(schema: Schema, head: NewSpan, tail: NewSpan) -> list[str]:
    head_label, tail_label = schema.label(head.label), schema.label(tail.label)
    if head_label is None or tail_label is None:
        return []
    return list(schema.valid_roles(head_label, tail_label))
