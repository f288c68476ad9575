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
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from copydesk.exports.brat import (
    ATTRIBUTION_TYPE,
    CONTENT_ROLE,
    META_FILE,
    SOURCE_ROLE,
    BratNames,
    brat_name,
)
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
    decode,
    read_jsonl,
    read_text_file,
    title_of,
)
from copydesk.projects.models import STATUSES
from copydesk.projects.store import Store, validate_link, validate_span
from copydesk.projects.textutil import GraphemeIndex, grapheme_index
from copydesk.schema.model import CUE, SOURCE, Schema

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


# ----------------------------------------------------------------------------- checks
def _check_span(schema: Schema, text: str, raw: Any, line: int | None, where: str,
                index: GraphemeIndex | None = None) -> NewSpan:
    if not isinstance(raw, dict):
        raise SourceError(f"{where}: each span must be an object with start, end, label", line)
    start, end, label = raw.get("start"), raw.get("end"), raw.get("label")
    if not (isinstance(start, int) and isinstance(end, int) and not isinstance(start, bool)):
        raise SourceError(f"{where}: span start/end must be whole numbers", line)
    if not isinstance(label, str):
        raise SourceError(f"{where}: span {start}-{end} has no label", line)
    attrs = raw.get("attributes") or {}
    if not isinstance(attrs, dict) or None in attrs.values():
        raise SourceError(f"{where}: span {label} {start}-{end}: attributes must be an object "
                          "of values", line)
    try:  # the store's own rules: label, offsets, covered text, graphemes, attributes
        layer, _, attrs = validate_span(schema, where, text, label, start, end,
                                        text=raw.get("text"), attributes=attrs, index=index)
    except StoreError as exc:
        raise SourceError(f"{where}: span {label} {start}-{end}: {exc}", line) from exc
    return NewSpan(layer=layer, label=label, start=start, end=end,
                   attributes=dict(sorted(attrs.items())) if attrs else {})


def _check_link(schema: Schema, spans: list[NewSpan], links: list[tuple[int, int, str]],
                head: int, tail: int, role: str, line: int | None,
                where: str) -> tuple[int, int, str]:
    """One link, checked by the store's rules against the links already read for its head."""
    try:
        validate_link(schema, spans[head].label, spans[tail].label, role,
                      same_span=head == tail, tail_key=tail,
                      siblings=[(t, r) for h, t, r in links if h == head])
    except StoreError as exc:
        raise SourceError(f"{where}: {exc}", line) from exc
    return head, tail, role


# ----------------------------------------------------------------------------- JSONL
def parse_jsonl(path: Path, schema: Schema, defaults: _Defaults) -> list[NewDocument]:
    """Every line of a JSONL file as documents with annotation sets (lines of one text merge)."""
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
        index = new.graphemes  # once per document, for every span check below
        spans = [_check_span(schema, new.text, raw, line, where, index) for raw in raw_spans]
        by_id: dict[Any, int] = {}
        by_key: dict[tuple[int, int, str], int] = {}
        relations = record.get("relations") or []
        for i, (raw, span) in enumerate(zip(raw_spans, spans, strict=True) if relations
                                        else ()):
            if "id" in raw:
                by_id[raw["id"]] = i
            by_key.setdefault((span.start, span.end, span.label), i)
        links = []
        for rel in relations:
            if not isinstance(rel, dict):
                raise SourceError("each relation must be an object", line)
            ends = []
            for side in ("head_span", "child_span"):
                ref = rel.get(side)
                if not isinstance(ref, dict):
                    raise SourceError(f"relation without {side}", line)
                idx = by_id.get(ref["id"]) if "id" in ref else None
                if idx is None:
                    idx = by_key.get((ref.get("start"), ref.get("end"), ref.get("label")))
                if idx is None:
                    raise SourceError(f"relation {side} {ref.get('label')} "
                                      f"{ref.get('start')}-{ref.get('end')} is not in spans",
                                      line)
                ends.append(idx)
            role = rel.get("label")
            if not isinstance(role, str):
                raise SourceError("relation without a label (role)", line)
            links.append(_check_link(schema, spans, links, ends[0], ends[1], role, line, where))
        if any(s.annotator == annotator for s in new.sets):
            raise SourceError(f"a second set of annotations by {annotator!r} for the same "
                              "text", line)
        new.sets.append(NewSet(annotator=annotator, status=status, spans=spans, links=links,
                               offsets_checked=True))
    return list(docs.values())


# ----------------------------------------------------------------------------- brat
_T_LINE = re.compile(r"^(T\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)\t?(.*)$")


def _find_meta(ann: Path, stop: Path | None) -> tuple[Path | None, dict[str, dict[str, Any]]]:
    for folder in ann.parents:
        candidate = folder / META_FILE
        if candidate.is_file():
            out = {}
            for line in decode(candidate.read_bytes()).split("\n"):
                if line.strip():
                    entry = json.loads(line)
                    out[entry["file"]] = entry
            return folder, out
        if stop is not None and folder == stop:
            break
    return None, {}


def parse_brat(ann: Path, schema: Schema, defaults: _Defaults,
               stop: Path | None = None) -> NewDocument:
    """One .ann with its .txt (same name) as a document and one annotation set."""
    txt = ann.with_suffix(".txt")
    if not txt.is_file():
        raise SourceError(f"no {txt.name} beside it (brat needs the text)")
    text = decode(txt.read_bytes())
    graphemes = grapheme_index(text)
    names = BratNames(schema)
    root, metas = _find_meta(ann, stop)
    entry: dict[str, Any] = {}
    if root is not None:
        entry = metas.get(ann.relative_to(root).with_suffix("").as_posix(), {})
    annotator, status = defaults.pick(entry.get("annotator"), entry.get("status"), None)
    spans: list[NewSpan] = []
    tids: dict[str, int] = {}
    deferred: list[tuple[int, str]] = []
    for number, line in enumerate(decode(ann.read_bytes()).split("\n"), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        if line[0] == "T":
            m = _T_LINE.match(line)
            if m is None:
                raise SourceError(f"malformed T line {line!r}", number)
            label = names.label_of(m.group(2))
            if label is None:
                raise SourceError(f"unknown label {m.group(2)!r} (schema {schema.name} "
                                  f"{schema.version} has no such label)", number)
            offsets = [tuple(map(int, p.split())) for p in m.group(3).split(";")]
            start, end = min(o[0] for o in offsets), max(o[1] for o in offsets)
            shown = " ".join(text[a:b] for a, b in offsets)
            if m.group(4) and m.group(4) != shown:
                raise SourceError(f"{m.group(1)} says {m.group(4)!r} but the text there is "
                                  f"{shown!r}", number)
            tids[m.group(1)] = len(spans)
            spans.append(_check_span(schema, text, {"start": start, "end": end,
                                                    "label": label}, number, f"{m.group(1)}",
                                     graphemes))
        else:
            deferred.append((number, line))
    links: list[tuple[int, int, str]] = []
    eids: dict[str, int] = {}
    attrs: dict[int, dict[str, str]] = {}
    for number, line in deferred:
        kind, _, rest = line.partition("\t")
        fields = rest.split()
        if kind.startswith("E"):
            pairs = [f.split(":", 1) for f in fields]
            etype, trigger = pairs[0]
            if trigger not in tids:
                raise SourceError(f"{kind}: trigger {trigger} is not a T line", number)
            if etype == ATTRIBUTION_TYPE:
                args = {role: tids.get(ref) for role, ref in pairs[1:]}
                content = args.get(CONTENT_ROLE)
                if content is None:
                    raise SourceError(f"{kind}: Attribution without a Content", number)
                eids[kind] = content
                links.append(_check_link(schema, spans, links, content, tids[trigger], CUE, number,
                                         kind))
                if args.get(SOURCE_ROLE) is not None:
                    links.append(_check_link(schema, spans, links, content, args[SOURCE_ROLE],
                                             SOURCE, number, kind))
                continue
            head = tids[trigger]
            eids[kind] = head
            for brole, ref in pairs[1:]:
                role = names.role_of(spans[head].label, brole)
                if role is None or ref not in tids:
                    raise SourceError(f"{kind}: unknown role {brole!r} of "
                                      f"{spans[head].label} or argument {ref}", number)
                links.append(_check_link(schema, spans, links, head, tids[ref], role, number, kind))
        elif kind.startswith("R"):
            rtype, arg1, arg2 = fields[0], fields[1].split(":")[1], fields[2].split(":")[1]
            if rtype not in (SOURCE_ROLE, brat_name(SOURCE)) or arg1 not in tids or \
                    arg2 not in tids:
                raise SourceError(f"{kind}: unknown relation {rtype!r}", number)
            links.append(_check_link(schema, spans, links, tids[arg1], tids[arg2], SOURCE, number,
                                     kind))
        elif kind.startswith(("A", "M")):
            name, target = fields[0], fields[1]
            value = fields[2] if len(fields) > 2 else "true"
            index = tids.get(target, eids.get(target))
            if index is None:
                raise SourceError(f"{kind}: attribute on unknown annotation {target}", number)
            attrs.setdefault(index, {})[name] = value
    for index, values in attrs.items():
        span = spans[index]
        raw = {"start": span.start, "end": span.end, "label": span.label,
               "attributes": _attr_names(schema, span.label, values)}
        spans[index] = _check_span(schema, text, raw, None, ann.name, graphemes)
    ext = entry.get("id") or txt.stem
    title = entry.get("title") if isinstance(entry.get("title"), str) else title_of(
        text, ".txt")
    return NewDocument(
        text=text, content_hash=content_hash(text), external_id=ext, title=title or txt.stem,
        source=entry.get("source") if isinstance(entry.get("source"), str) else str(txt),
        meta=entry.get("meta") or {},
        sets=[NewSet(annotator=annotator, status=status, spans=spans, links=links,
                     offsets_checked=True)],
    )


def _attr_names(schema: Schema, label: str, values: dict[str, str]) -> dict[str, str]:
    spec = schema.label(label)
    by_brat = {brat_name(a.name): a.name for a in spec.attributes} if spec else {}
    return {by_brat.get(k, k): v for k, v in values.items()}


# ----------------------------------------------------------------------------- driver
def _split_paths(paths: Iterable[Path | str]) -> tuple[list[tuple[Path, Path | None]],
                                                      list[Path | str]]:
    """(brat .ann files with the folder they were found under, every other path)."""
    brat: list[tuple[Path, Path | None]] = []
    other: list[Path | str] = []
    for item in paths:
        path = Path(item)
        if path.is_file() and path.suffix.lower() == ".ann":
            brat.append((path, None))
        elif path.is_dir() and any(path.rglob("*.ann")):
            brat.extend((p, path) for p in sorted(path.rglob("*.ann"))
                        if not any(part.startswith(".") for part in p.relative_to(path).parts))
        else:
            other.append(item)
    return brat, other


def import_annotated(store: Store, schema: Schema, paths: Iterable[Path | str], *,
                     annotator: str | None = None, status: str | None = None,
                     progress: ProgressFn | None = None) -> AnnotatedReport:
    """Import every path; each file is all-or-nothing (one transaction, or rejected whole)."""
    defaults = _Defaults(annotator, status)
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
        try:
            if kind == "brat":
                docs = [parse_brat(path, schema, defaults, stop)]
            elif path.suffix.lower() in JSONL_SUFFIXES:
                with collector_paused():
                    docs = parse_jsonl(path, schema, defaults)
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
            report.rejected.append(Rejected(str(path), exc.reason, exc.line))
        except (StoreError, OSError, json.JSONDecodeError, ValueError) as exc:
            report.rejected.append(Rejected(str(path), str(exc)))
        if progress is not None:
            progress(index, len(jobs))
    flush()
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
