"""Importing files of any registered format (exports.formats): the driver.

Each path is recognised by its content (`exports.formats.detect`) and read by its format's
module; the summary line says which format each was read as.

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
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from copydesk.exports.brat import known_names
from copydesk.exports.formats import TABLE, Format, detect
from copydesk.exports.formats.base import ReadContext
from copydesk.exports.formats.jsonl import parse_jsonl
from copydesk.exports.interop import Interop
from copydesk.exports.lenient import HINT, Skipped, Skips, is_skippable
from copydesk.projects.bulk import BulkResult, NewDocument, insert_documents
from copydesk.projects.errors import StoreError
from copydesk.projects.importers import Rejected, SourceError
from copydesk.projects.models import STATUSES
from copydesk.projects.store import Store
from copydesk.schema.model import Schema

DEFAULT_ANNOTATOR = "import"
DEFAULT_STATUS = "todo"
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
    skipped: list[Skipped] = field(default_factory=list)  # --skip-invalid
    skipped_line: str = ""  # `skipped 1 invalid annotation in 1 file`
    formats: dict[str, int] = field(default_factory=dict)  # format title -> files read as it

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
        if self.formats:
            text += "; read as " + ", ".join(
                f"{title} ({n} file{'s' if n != 1 else ''})" for title, n in self.formats.items())
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


BIG_DOCS = 2000  # a file yielding more documents than this is imported in two passes
BIG_CHARS = 32_000_000
Unit = tuple[Path, Format, Path | None]  # a file read (and accepted or refused) on its own


def plan_units(paths: Iterable[Path | str]) -> tuple[list[Unit], list[Rejected]]:
    """Every file to read with its format, in a stable order: named files as given, folders
    walked (a brat or XMI folder by its format's own order; any other folder recursively,
    by name, each file recognised by content and files of no known format left aside)."""
    units: list[Unit] = []
    rejected: list[Rejected] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            fmt = detect(path)
            if fmt is not None:
                units.extend((p, fmt, path) for p in fmt.load().units(path))
                continue
            for p in sorted(path.rglob("*")):
                if (p.is_file() and p.suffix.lower() in _FOLDER_SUFFIXES
                        and not any(part.startswith(".") for part in p.relative_to(path).parts)):
                    found = detect(p)
                    if found is not None:
                        units.append((p, found, None))
        elif path.is_file():
            fmt = detect(path)
            if fmt is None:
                names = ", ".join(f.title for f in TABLE if f.imports)
                rejected.append(Rejected(str(path), f"unsupported file type: not one of the "
                                         f"formats copydesk reads ({names})"))
            else:
                units.append((path, fmt, None))
        elif path.exists():
            rejected.append(Rejected(str(path), "not a regular file"))
        else:
            rejected.append(Rejected(str(path), "no such file or folder"))
    return units, rejected


_FOLDER_SUFFIXES = frozenset({".txt", ".md", ".jsonl", ".ndjson", ".json", ".zip"})


def import_annotated(store: Store, schema: Schema, paths: Iterable[Path | str], *,
                     annotator: str | None = None, status: str | None = None,
                     progress: ProgressFn | None = None,
                     mapping: dict[str, str] | None = None,
                     drop: Iterable[str] = (), skip_invalid: bool = False) -> AnnotatedReport:
    """Import every path; each file is all-or-nothing (one transaction, or rejected whole),
    unless `skip_invalid`: then a file's broken annotations are skipped and listed
    (`report.skipped`), and the rest of it is imported (see exports.lenient).

    `mapping` (THEIRS -> OURS) and `drop` (THEIRS) translate a foreign vocabulary (see
    `exports.interop`).
    """
    defaults = _Defaults(annotator, status)
    bad = sorted({ours for ours in (mapping or {}).values()} - known_names(schema))
    if bad:
        raise StoreError(f"--map ...={bad[0]}: {bad[0]!r} is not a label, role, attribute or "
                         f"event type of schema {schema.name} {schema.version}")
    interop = Interop(mapping=dict(mapping or {}), drop=frozenset(drop),
                      skips=Skips(lenient=skip_invalid))
    ctx = ReadContext(schema=schema, defaults=defaults, interop=interop)
    units, rejected = plan_units(paths)
    report = AnnotatedReport(rejected=list(rejected))
    plain: list[NewDocument] = []  # plain text files go in 500 at a time, as before
    taken: Counter[str] = Counter()

    def flush() -> None:
        if plain:
            report.add(insert_documents(store, plain, origin="text files"))
            plain.clear()

    for index, (path, fmt, root) in enumerate(units, start=1):
        mark = interop.checkpoint()
        interop.skips.file = str(path)
        try:
            if fmt.name == "text":
                plain.extend(fmt.load().read(path, ctx))
                if len(plain) >= 500:
                    flush()
            else:
                _import_unit(store, schema, path, fmt, root, ctx, report, mark)
            taken[fmt.title] += 1
        except SourceError as exc:
            interop.rollback(mark)
            # a brat .txt that cannot be read is named itself, not its .ann (TextFileError)
            reason = f"{exc.reason}; {HINT}" if is_skippable(exc) else exc.reason
            report.rejected.append(Rejected(str(getattr(exc, "file", path)), reason,
                                            exc.line))
        except (StoreError, OSError, ValueError) as exc:
            interop.rollback(mark)
            report.rejected.append(Rejected(str(path), str(exc)))
        if progress is not None:
            progress(index, len(units))
    flush()
    report.notes.extend(interop.notes)
    report.dropped = interop.summary()
    report.skipped = list(interop.skips.items)
    report.skipped_line = interop.skips.summary()
    report.formats = dict(taken)
    return report


def _import_unit(store: Store, schema: Schema, path: Path, fmt: Format, root: Path | None,
                 ctx: ReadContext, report: AnnotatedReport, mark: Any) -> None:
    """One file: read whole and inserted in one transaction when it is small (or when its
    format is not streamed); a big file of a streamed format (`STREAMED = True`: JSONL,
    doccano) is read twice: a first pass checks every line and keeps nothing (a broken file is
    refused with nothing written), the second inserts batch by batch, so memory holds one
    batch whatever the file size."""
    module = fmt.load()
    if not getattr(module, "STREAMED", False):
        # the reader holds the whole file anyway (one JSON value, one XMI, one .ann): it is
        # checked whole before anything is yielded, then written in one transaction
        with collector_paused():
            docs_all = list(module.read(path, ctx, root))
            if docs_all:
                report.add(insert_documents(store, docs_all, origin=str(path), schema=schema))
        return
    with collector_paused():
        batch: list[NewDocument] = []
        chars = 0
        docs = iter(module.read(path, ctx, root))
        for doc in docs:
            batch.append(doc)
            chars += len(doc.text)
            if len(batch) > BIG_DOCS or chars > BIG_CHARS:
                break
        else:
            if batch:
                report.add(insert_documents(store, batch, origin=str(path), schema=schema))
            return
        batch.clear()
        for _ in docs:  # first pass: check the rest, keep nothing
            pass
        ctx.interop.rollback(mark)  # the second pass counts drops and skips again
        batch, chars = [], 0
        for doc in module.read(path, ctx, root):
            batch.append(doc)
            chars += len(doc.text)
            if len(batch) >= BIG_DOCS or chars >= BIG_CHARS:
                report.add(insert_documents(store, batch, origin=str(path), schema=schema))
                batch, chars = [], 0
        if batch:
            report.add(insert_documents(store, batch, origin=str(path), schema=schema))


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


__all__ = ["DEFAULT_ANNOTATOR", "DEFAULT_STATUS", "AnnotatedReport", "import_annotated",
           "parse_jsonl", "plan_units"]
