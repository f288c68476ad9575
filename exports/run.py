"""`run_export`: read the store once, split, and hand records to one format writer.

Output layout (also in `copydesk export --help`):

| format | without --split        | with --split                                  |
|--------|------------------------|-----------------------------------------------|
| jsonl  | OUT is a file          | OUT/train.jsonl, OUT/dev.jsonl, OUT/test.jsonl |
| spacy  | OUT is a .spacy file * | OUT/train.spacy, OUT/dev.spacy, OUT/test.spacy * |
| conll  | OUT is a file          | OUT/train.conll, OUT/dev.conll, OUT/test.conll |
| brat   | OUT/ANNOTATOR/*.txt|ann | OUT/train/ANNOTATOR/..., OUT/dev/..., OUT/test/... |
| hf     | OUT/train.jsonl        | OUT/train.jsonl, OUT/validation.jsonl, OUT/test.jsonl |

* A spaCy split of more than 500 records is a folder of DocBin shards instead
(`OUT/part-00001.spacy`, ... or `OUT/train/part-00001.spacy`, ...): spaCy reads a folder of
.spacy files as one corpus, and memory stays flat whatever the corpus size.

Records are read from the store one at a time and written as they come (never the whole corpus
in memory). Everything is written into a temporary sibling of OUT and renamed into place at the
end, so a failed or interrupted export leaves no half-written output. An existing OUT (file, or
non-empty folder) is replaced only with --force.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from copydesk.exports import parallel
from copydesk.exports.common import atomic_dir, atomic_file, check_target, clear_leftovers
from copydesk.exports.model import FORMATS, ExportError, ExportOptions, ExportSummary, Stream
from copydesk.exports.reader import assign_splits, iter_records, read_plan
from copydesk.projects.store import Store
from copydesk.schema.model import ENTITY, Schema

ProgressFn = Callable[[int, int], None]
EXTENSIONS = {"jsonl": "jsonl", "spacy": "spacy", "conll": "conll"}


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
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    out = Path(out)
    for label in options.labels:
        if label not in schema:
            raise ExportError(f"--label {label!r}: no such label in schema {schema.name}")
    tag_layer = ENTITY
    if fmt in ("conll", "hf"):
        if len(options.layers) > 1:
            raise ExportError(f"{fmt} tags one layer at a time; give one --layer")
        tag_layer = options.layers[0] if options.layers else ENTITY
    if options.rename and fmt != "brat":
        raise ExportError(f"--map renames labels in brat exports only, not {fmt}")
    if fmt == "brat":
        from copydesk.exports.brat import BratNames

        BratNames(schema, options.rename)  # a bad --map is refused before reading anything
    if fmt == "spacy":
        from copydesk.exports.spacy_bin import require_spacy

        require_spacy()  # before reading anything: one clear line, nothing written
    summary = ExportSummary(fmt=fmt, out=str(out))
    plan = read_plan(store, options)
    from copydesk.exports.spacy_bin import SHARD_DOCS  # light: spaCy itself loads later

    sharded = fmt == "spacy" and not options.split and len(plan) > SHARD_DOCS
    check_target(out, folder=fmt in ("brat", "hf") or bool(options.split) or sharded,
                 force=options.force)
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

    if fmt == "brat":
        from copydesk.exports.brat import write_brat

        with atomic_dir(out, force=options.force) as tmp:
            write_brat(stream, plan, splits, tmp, schema, summary, tick, options.rename)
    elif fmt == "hf":
        from copydesk.exports.conll import write_hf

        with atomic_dir(out, force=options.force) as tmp:
            if not (options.hf_format == "jsonl"
                    and _hf_in_parallel(store, options, tmp, names, tag_layer, schema, run_parts)):
                write_hf(stream, names, tmp, tag_layer, schema, options.hf_format, summary, tick)
    elif fmt == "spacy":
        from copydesk.exports.spacy_bin import SHARD_DOCS as shard_docs
        from copydesk.exports.spacy_bin import write_spacy

        counts = {name: sum(1 for r in plan if splits[r.doc_id] == name) for name in names}
        write_spacy(stream, counts, out, schema, options, summary, tick,
                    lambda part, write: run_parts(part, write, shard_docs) is not None)
    else:
        target = atomic_dir(out, force=options.force) if options.split else \
            atomic_file(out, force=options.force)
        with target as tmp:
            paths = ({name: tmp / f"{name}.{EXTENSIONS[fmt]}" for name in names}
                     if options.split else {"": tmp})
            with parallel.parts_folder(out) as parts:
                chunked = run_parts(parallel.part_names(parts),
                                    _files_part_writer(fmt, schema, tag_layer))
                if chunked is not None:
                    parallel.join_parts([chunk for chunk, _ in chunked], paths)
                else:
                    _write_files(fmt, stream, paths, schema, tag_layer, summary, tick)
    return summary


def _files_part_writer(fmt: str, schema: Schema, tag_layer: str) -> Callable[..., Any]:
    """jsonl / conll in a worker: the chunk's records into its part file."""
    def write(stream: Stream, chunk: parallel.Chunk, summary: ExportSummary) -> None:
        _write_files(fmt, stream, {chunk.split: chunk.part}, schema, tag_layer, summary,
                     lambda: None)
    return write


def _hf_in_parallel(store: Store, options: ExportOptions, root: Path, names: tuple[str, ...],
                    layer: str, schema: Schema, run_parts: Callable[..., Any]) -> bool:
    """hf rows by worker processes, then the split files and the card; False (nothing
    written) when the work stays in this process, or when a label outside the schema's layer
    would need a class id numbered in reading order."""
    from copydesk.exports.conll import HF_SPLITS, hf_part_writer, hf_tag_names, write_hf_card
    from copydesk.exports.reader import labels_in_layer

    tag_names = hf_tag_names(schema, layer, [])

    def schema_labels_only() -> bool:  # a read of every span label: only if it may pay
        return labels_in_layer(store, options, layer) <= {name[2:] for name in tag_names[1:]}

    with parallel.parts_folder(root) as parts:
        results = run_parts(parallel.part_names(parts), hf_part_writer(layer, tag_names),
                            allowed=schema_labels_only)
        if results is None:
            return False
        totals: dict[str, tuple[int, Counter[str]]] = {name: (0, Counter()) for name in names}
        for chunk, (rows, counts) in results:
            n, c = totals[chunk.split]
            totals[chunk.split] = (n + rows, c + counts)
        written = {name: root / f"{HF_SPLITS[name]}.jsonl" for name in names
                   if totals[name][0] or not name}
        parallel.join_parts([chunk for chunk, _ in results], written)
        write_hf_card(root, [(name, root / f"{HF_SPLITS[name]}.jsonl", *totals[name])
                             for name in names], layer, schema, tag_names)
    return True


def _write_files(fmt: str, stream: Stream, paths: dict[str, Path], schema: Schema,
                 tag_layer: str, summary: ExportSummary, tick: Callable[[], None]) -> None:
    """jsonl / conll: one file per split, all open at once, each record to its split's file."""
    if fmt == "jsonl":
        from copydesk.exports.jsonl import write_jsonl

        write_jsonl(stream, paths, schema, summary, tick)
    elif fmt == "conll":
        from copydesk.exports.conll import write_conll

        write_conll(stream, paths, tag_layer, summary, tick)
    else:  # pragma: no cover - guarded above
        raise ExportError(f"unknown format {fmt!r}")


__all__ = ["ProgressFn", "run_export"]
