"""Importing annotated files: our JSONL and brat exports, and Prodigy/spaCy-style JSONL.

Rules (also in `copydesk import --help`):
- Plain `.txt`/`.md` files and JSONL lines without annotations import as before (documents only).
- A JSONL line with `spans` (`start`, `end`, `label`; optional `attributes`, `text`) and
  optional `relations` (`head_span`/`child_span` by `id` or by start/end/label, `label` = role)
  brings its annotations in. A brat folder (`.txt` + `.ann` pairs, with or without
  annotation.conf) or `.ann` files do too.
- Annotator and status: what the file gives (`meta.annotator`/`meta.status` in our JSONL,
  Prodigy's `_annotator_id` and `answer` (accept -> done, reject/ignore -> skipped), the
  `copydesk-meta.jsonl` beside a copydesk brat export); else `--annotator` (default "import",
  so machine pre-annotations stay apart from people's work until someone takes them over with
  `--annotator NAME`) and `--status` (default "todo": nobody has reviewed them yet).
- Every label, role and attribute must be in the project schema: a file with an unknown one is
  rejected whole, naming the file, line and label; nothing of it is written.
- A document already in the project (same text) is not imported twice; its annotations in the
  file are attached for an annotator who has no spans on it yet, and skipped (reported) for one
  who has (see `projects.bulk`).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from copydesk.exports.brat import META_FILE, known_names
from copydesk.exports.brat_import import meta_order, parse_brat
from copydesk.exports.interop import Interop, check_link, check_span, unknown_labels_error
from copydesk.exports.jsonl import META_KEYS
from copydesk.projects.bulk import BulkResult, NewDocument, NewSet, NewSpan, insert_documents
from copydesk.projects.db import StoreError
from copydesk.projects.importers import (
    JSONL_SUFFIXES,
    TEXT_SUFFIXES,
    Rejected,
    SourceError,
    collect,
    content_hash,
    read_jsonl,
    read_text_file,
)
from copydesk.projects.models import STATUSES
from copydesk.projects.store import Store
from copydesk.schema.model import Schema

DEFAULT_ANNOTATOR = "import"
DEFAULT_STATUS = "todo"
_PRODIGY_ANSWERS = {"accept": "done", "reject": "skipped", "ignore": "skipped"}
ProgressFn = Callable[[int, int], None]


@dataclass
class AnnotatedReport:
    imported: int = 0
    duplicates: int = 0
    sets: int = 0
    spans: int = 0
    links: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    document_ids: list[int] = field(default_factory=list)
    dropped: str = ""  # `dropped 5 (Speaker 3, ...)` from --drop

    def add(self, result: BulkResult) -> None:
        self.imported += result.imported
        self.duplicates += result.duplicates
        self.sets += result.sets
        self.spans += result.spans
        self.links += result.links
        self.notes.extend(result.kept_existing)
        self.document_ids.extend(result.document_ids)

    def summary(self) -> str:
        text = (f"imported {self.imported}, skipped as duplicate {self.duplicates}, "
                f"rejected {len(self.rejected)}")
        if self.sets:
            text += (f"; annotations: {self.sets} sets, {self.spans} spans, "
                     f"{self.links} links")
        if self.dropped:
            text += f"; {self.dropped}"
        return text


class _Defaults:
    def __init__(self, annotator: str | None, status: str | None) -> None:
        if status is not None and status not in STATUSES:
            raise StoreError(f"--status {status!r}: use one of {', '.join(STATUSES)}")
        self.annotator = annotator
        self.status = status

    def pick(self, annotator: Any, status: Any, line: int | None) -> tuple[str, str]:
        """File values win; options fill the gaps (module docstring)."""
        name = annotator if isinstance(annotator, str) and annotator.strip() else (
            self.annotator or DEFAULT_ANNOTATOR)
        stat = status if isinstance(status, str) and status else (self.status or DEFAULT_STATUS)
        if stat not in STATUSES:
            raise SourceError(f"unknown status {stat!r}; use one of {', '.join(STATUSES)}",
                              line)
        return name, stat


_check_span = check_span
_check_link = check_link


# ----------------------------------------------------------------------------- JSONL
def parse_jsonl(path: Path, schema: Schema, defaults: _Defaults,
                interop: Interop | None = None) -> list[NewDocument]:
    """Every line of a JSONL file as documents with annotation sets (lines of one text merge).

    Span labels and relation labels (roles) go through `--map`/`--drop`; a dropped span takes
    its relations with it. Unknown labels are collected over the whole file and refused in one
    line naming them all.
    """
    interop = interop or Interop()
    unknown: dict[str, int] = {}
    docs: dict[str, NewDocument] = {}
    for doc in read_jsonl(path):
        line = doc["line"]
        record = doc.get("record") or {}
        meta = doc.get("meta") or {}
        h = content_hash(doc["text"])
        new = docs.get(h)
        if new is None:
            source = meta.get("source")
            new = NewDocument(
                text=doc["text"], content_hash=h, external_id=doc.get("external_id"),
                title=doc.get("title") or "",
                source=source if isinstance(source, str) else doc["source"],
                meta={k: v for k, v in meta.items() if k not in META_KEYS},
            )
            docs[h] = new
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
        where = f"line {line}"
        kept_raw, dropped_keys = _map_spans(schema, interop, raw_spans, unknown, line)
        if unknown:
            continue  # refused at the end, naming every unknown label
        index = new.graphemes  # once per document, for every span check below
        spans = [_check_span(schema, new.text, raw, line, where, index) for raw in kept_raw]
        by_id: dict[Any, int] = {}
        by_key: dict[tuple[int, int, str], int] = {}
        for i, (raw, span) in enumerate(zip(kept_raw, spans, strict=True)):
            if "id" in raw:
                by_id[raw["id"]] = i
            by_key.setdefault((span.start, span.end, raw["_theirs"]), i)
        links = []
        for rel in record.get("relations") or []:
            if not isinstance(rel, dict):
                raise SourceError("each relation must be an object", line)
            role = rel.get("label")
            if not isinstance(role, str):
                raise SourceError("relation without a label (role)", line)
            if interop.drops(role):
                interop.count_drop(role)
                continue
            ends = []
            for side in ("head_span", "child_span"):
                ref = rel.get(side)
                if not isinstance(ref, dict):
                    raise SourceError(f"relation without {side}", line)
                idx = by_id.get(ref["id"]) if "id" in ref else None
                if idx is None:
                    idx = by_key.get((ref.get("start"), ref.get("end"), ref.get("label")))
                if idx is None and (("id", ref.get("id")) in dropped_keys or (
                        "key", ref.get("start"), ref.get("end"), ref.get("label"))
                        in dropped_keys):
                    break  # an end was dropped: so is the relation
                if idx is None:
                    raise SourceError(f"relation {side} {ref.get('label')} "
                                      f"{ref.get('start')}-{ref.get('end')} is not in spans",
                                      line)
                ends.append(idx)
            if len(ends) < 2:
                continue
            ours = next((c for c in interop.candidates(role)
                         if c in _roles_between(schema, spans[ends[0]], spans[ends[1]])),
                        interop.candidates(role)[0])
            links.append(_check_link(schema, spans, links, ends[0], ends[1], ours, line,
                                     where))
        if any(s.annotator == annotator for s in new.sets):
            raise SourceError(f"a second set of annotations by {annotator!r} for the same "
                              "text", line)
        new.sets.append(NewSet(annotator=annotator, status=status, spans=spans, links=links,
                               offsets_checked=True))
    if unknown:
        raise unknown_labels_error(unknown, schema, min(unknown.values()))
    return list(docs.values())


def _map_spans(schema: Schema, interop: Interop, raw_spans: list[Any], unknown: dict[str, int],
               line: int | None) -> tuple[list[dict[str, Any]], set[tuple[Any, ...]]]:
    """The line's spans with labels mapped (`_theirs` keeps the file's label for relation
    lookups); dropped ones left out, their keys returned so their relations go too."""
    kept: list[dict[str, Any]] = []
    dropped: set[tuple[Any, ...]] = set()
    resolved = interop.resolved  # foreign label -> ours (None: unknown), for the whole import
    for raw in raw_spans:
        if not isinstance(raw, dict) or not isinstance(raw.get("label"), str):
            kept.append(raw)  # _check_span names what is wrong
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


# ----------------------------------------------------------------------------- driver
def _split_paths(paths: Iterable[Path | str]) -> tuple[list[tuple[Path, Path | None]],
                                                      list[Path | str]]:
    """(brat .ann files with the folder they were found under, every other path).

    A folder's files come in the order its copydesk-meta.jsonl lists them (then by name), so
    documents get the ids, and re-exports the order, that the export had.
    """
    brat: list[tuple[Path, Path | None]] = []
    other: list[Path | str] = []
    for item in paths:
        path = Path(item)
        if path.is_file() and path.suffix.lower() == ".ann":
            brat.append((path, None))
        elif path.is_dir() and any(path.rglob("*.ann")):
            order = meta_order(path) if (path / META_FILE).is_file() else {}
            found = [p for p in path.rglob("*.ann")
                     if not any(part.startswith(".") for part in p.relative_to(path).parts)]

            def rank(p: Path, order: dict[str, int] = order, root: Path = path
                     ) -> tuple[int, str]:
                key = p.relative_to(root).with_suffix("").as_posix()
                return (order.get(key, len(order)), str(p))

            brat.extend((p, path) for p in sorted(found, key=rank))
        else:
            other.append(item)
    return brat, other


def import_annotated(store: Store, schema: Schema, paths: Iterable[Path | str], *,
                     annotator: str | None = None, status: str | None = None,
                     progress: ProgressFn | None = None,
                     mapping: dict[str, str] | None = None,
                     drop: Iterable[str] = ()) -> AnnotatedReport:
    """Import every path; each file is all-or-nothing (one transaction, or rejected whole).

    `mapping` (THEIRS -> OURS) and `drop` (THEIRS) translate a foreign vocabulary (see
    `exports.interop`).
    """
    defaults = _Defaults(annotator, status)
    bad = sorted({ours for ours in (mapping or {}).values()} - known_names(schema))
    if bad:
        raise StoreError(f"--map ...={bad[0]}: {bad[0]!r} is not a label, role, attribute or "
                         f"event type of schema {schema.name} {schema.version}")
    interop = Interop(mapping=dict(mapping or {}), drop=frozenset(drop))
    brat, other = _split_paths(paths)
    files, rejected = collect(other)
    report = AnnotatedReport(rejected=list(rejected))
    jobs: list[tuple[Path, Path | None, str]] = [(p, None, "file") for p in files]
    jobs += [(p, stop, "brat") for p, stop in brat]
    plain: list[NewDocument] = []  # plain text files go in 500 at a time, as before

    def flush() -> None:
        if plain:
            report.add(insert_documents(store, plain, origin="text files"))
            plain.clear()

    for index, (path, stop, kind) in enumerate(jobs, start=1):
        mark = interop.checkpoint()
        try:
            if kind == "brat":
                docs = [parse_brat(path, schema, defaults, stop, interop)]
            elif path.suffix.lower() in JSONL_SUFFIXES:
                with collector_paused():
                    docs = parse_jsonl(path, schema, defaults, interop)
            elif path.suffix.lower() in TEXT_SUFFIXES:
                plain.extend(_plain(d) for d in read_text_file(path))
                if len(plain) >= 500:
                    flush()
                docs = []
            else:  # pragma: no cover - collect() filters suffixes
                continue
            if docs:
                with collector_paused():
                    report.add(insert_documents(store, docs, origin=str(path),
                                                schema=schema))
        except SourceError as exc:
            interop.rollback(mark)
            # a brat .txt that cannot be read is named itself, not its .ann (TextFileError)
            report.rejected.append(Rejected(str(getattr(exc, "file", path)), exc.reason,
                                            exc.line))
        except (StoreError, OSError, json.JSONDecodeError, ValueError) as exc:
            interop.rollback(mark)
            report.rejected.append(Rejected(str(path), str(exc)))
        if progress is not None:
            progress(index, len(jobs))
    flush()
    report.notes.extend(interop.notes)
    report.dropped = interop.summary()
    return report


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a file's records are built and written.

    A 400,000-span file allocates millions of small containers, none of them cyclic garbage;
    the collector's repeated passes over them cost about a third of the parse. Reference
    counting still frees everything; the collector is restored (and catches up) afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _plain(doc: dict[str, Any]) -> NewDocument:
    return NewDocument(text=doc["text"], content_hash=content_hash(doc["text"]),
                       external_id=doc.get("external_id"), title=doc.get("title") or "",
                       source=doc.get("source") or "", meta=doc.get("meta") or {})


__all__ = ["DEFAULT_ANNOTATOR", "DEFAULT_STATUS", "AnnotatedReport", "import_annotated",
           "parse_brat", "parse_jsonl"]
