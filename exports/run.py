"""`run_export`: read the store once, split, and hand records to one format writer.

Output layout (also in `copydesk export --help`):

| format | without --split        | with --split                                  |
|--------|------------------------|-----------------------------------------------|
| jsonl  | OUT is a file          | OUT/train.jsonl, OUT/dev.jsonl, OUT/test.jsonl |
| spacy  | OUT is a .spacy file * | OUT/train.spacy, OUT/dev.spacy, OUT/test.spacy * |
| conll  | OUT is a file          | OUT/train.conll, OUT/dev.conll, OUT/test.conll |
| brat   | OUT/ANNOTATOR/*.txt|ann | OUT/train/ANNOTATOR/..., OUT/dev/..., OUT/test/... |
| hf     | OUT/train.jsonl        | OUT/train.jsonl, OUT/validation.jsonl, OUT/test.jsonl |

Every format, with where its OUT goes, is a row of the registry (`exports.formats.TABLE`).

* A spaCy split of more than 500 records is a folder of DocBin shards instead
(`OUT/part-00001.spacy`, ... or `OUT/train/part-00001.spacy`, ...): spaCy reads a folder of
.spacy files as one corpus, and memory stays flat whatever the corpus size.

Records are read from the store one at a time and written as they come (never the whole corpus
in memory). Everything is written into a temporary sibling of OUT and renamed into place at the
end, so a failed or interrupted export leaves no half-written output. An existing OUT (file, or
non-empty folder) is replaced only with --force.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from copydesk.exports import parallel
from copydesk.exports.common import atomic_dir, atomic_file, check_target, clear_leftovers
from copydesk.exports.formats import export_names, get
from copydesk.exports.formats.base import ExportJob
from copydesk.exports.model import ExportError, ExportOptions, ExportSummary, Stream
from copydesk.exports.reader import assign_splits, iter_records, read_plan
from copydesk.projects.store import Store
from copydesk.schema.model import ENTITY, Schema

ProgressFn = Callable[[int, int], None]


def run_export(store: Store, schema: Schema, fmt: str, out: Path | str,
               options: ExportOptions, progress: ProgressFn | None = None) -> ExportSummary:
    """Export the project; returns the summary. Raises ExportError with nothing written.

    What a killed earlier run left beside OUT is cleared first (`clear_leftovers`), and an
    error of the disk (full, read-only, quota) names OUT instead of a bare `[Errno 28]`."""
    out = Path(out)
    clear_leftovers(out)
    try:
        return _run_export(store, schema, fmt, out, options, progress)
    except OSError as exc:
        if isinstance(exc, ExportError):
            raise
        raise ExportError(disk_error(out, exc)) from exc


def disk_error(out: Path, exc: OSError) -> str:
    """One line for an OSError met while writing `out`."""
    import errno

    if exc.errno == errno.ENOSPC:
        what = "no space left on the device"
    elif exc.errno == errno.EDQUOT:
        what = "disk quota exceeded"
    else:
        what = (exc.strerror or str(exc)).rstrip(".").lower()
    where = f" (at {exc.filename})" if exc.filename and str(exc.filename) != str(out) else ""
    return (f"{out}: {what} while writing the export{where}; nothing was written "
            "(the temporary files were removed)")


def _run_export(store: Store, schema: Schema, fmt: str, out: Path,
                options: ExportOptions, progress: ProgressFn | None = None) -> ExportSummary:
    """Format-blind: the format's module (exports.formats) checks its options, then writes the
    records into a temporary file or folder (its `OUTPUT`: "file", "folder", or "own" for a
    writer that places its own files) that is renamed to OUT when it returns."""
    row = get(fmt)
    if row is None or not row.exports:
        raise ExportError(f"unknown format {fmt!r}; use one of {', '.join(export_names())}")
    out = Path(out)
    for label in options.labels:
        if label not in schema:
            raise ExportError(f"--label {label!r}: no such label in schema {schema.name}")
    if options.rename and not row.renames:
        raise ExportError(f"--map renames labels in brat exports only, not {fmt}")
    module = row.load()
    check = getattr(module, "check_export", None)
    if check is not None:
        check(schema, options)  # before reading anything: one clear line, nothing written
    tag_layer = options.layers[0] if options.layers else ENTITY
    options = replace(options, known_labels=frozenset(
        (label.layer, label.name) for label in schema.labels))
    summary = ExportSummary(fmt=fmt, out=str(out))
    plan = read_plan(store, options)
    is_folder = getattr(module, "is_folder", None)
    folder = (is_folder(options, plan) if is_folder is not None else
              module.OUTPUT == "folder" or bool(options.split))
    check_target(out, folder=folder, force=options.force)
    summary.records = len(plan)
    summary.documents = len({row.doc_id for row in plan})
    splits = assign_splits(plan, options.split, options.seed)
    names: tuple[str, ...] = ("",)
    if options.split:
        names = ("train", "test") if len(options.split) == 2 else ("train", "dev", "test")
        summary.splits = {name: len({r.doc_id for r in plan if splits[r.doc_id] == name})
                          for name in names}
    total = len(plan)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    # One pass over the store: each record is read, written to its split's output and dropped.
    # (A generator: nothing is read when the work goes to worker processes instead.)
    stream: Stream = ((splits[rec.doc_id], rec) for rec in
                      iter_records(store, options, plan, summary.skipped))

    def run_parts(part: Callable[[str, int], Path], write: Callable[..., Any], size: int = 0,
                  allowed: Callable[[], bool] | None = None
                  ) -> list[tuple[parallel.Chunk, Any]] | None:
        """The plan's chunks written by worker processes (exports.parallel), or None when
        this process should do the work itself; `allowed`, a format's own condition, is asked
        only when workers would be used."""
        chunks = parallel.plan_chunks(plan, splits, names, part, size)
        workers = parallel.worker_count(options, len(chunks))
        if workers < 2 or (allowed is not None and not allowed()):
            return None
        return parallel.run_chunks(store.db.backend, options, chunks, workers, write,
                                   summary, tick)

    def job(root: Path) -> ExportJob:
        return ExportJob(store=store, schema=schema, out=out, root=root, options=options,
                         summary=summary, plan=plan, splits=splits, names=names,
                         stream=stream, tick=tick, tag_layer=tag_layer, run_parts=run_parts)

    if module.OUTPUT == "own":
        module.write(job(out))
    else:
        target = atomic_dir(out, force=options.force) if folder else \
            atomic_file(out, force=options.force)
        with target as tmp:
            module.write(job(tmp))
    return summary


__all__ = ["ProgressFn", "run_export"]
