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

from collections.abc import Callable
from pathlib import Path

from copydesk.exports.common import atomic_dir, atomic_file, check_target
from copydesk.exports.model import FORMATS, ExportError, ExportOptions, ExportSummary, Stream
from copydesk.exports.reader import assign_splits, iter_records, read_plan
from copydesk.projects.store import Store
from copydesk.schema.model import ENTITY, Schema

ProgressFn = Callable[[int, int], None]
EXTENSIONS = {"jsonl": "jsonl", "spacy": "spacy", "conll": "conll"}


def run_export(store: Store, schema: Schema, fmt: str, out: Path | str,
               options: ExportOptions, progress: ProgressFn | None = None) -> ExportSummary:
    """Export the project; returns the summary. Raises ExportError with nothing written."""
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
    stream: Stream = ((splits[rec.doc_id], rec) for rec in
                      iter_records(store, options, plan, summary.skipped))
    if fmt == "brat":
        from copydesk.exports.brat import write_brat

        with atomic_dir(out, force=options.force) as tmp:
            write_brat(stream, plan, splits, tmp, schema, summary, tick, options.rename)
    elif fmt == "hf":
        from copydesk.exports.conll import write_hf

        with atomic_dir(out, force=options.force) as tmp:
            write_hf(stream, names, tmp, tag_layer, schema, options.hf_format, summary, tick)
    elif fmt == "spacy":
        from copydesk.exports.spacy_bin import write_spacy

        counts = {name: sum(1 for r in plan if splits[r.doc_id] == name) for name in names}
        write_spacy(stream, counts, out, schema, options, summary, tick)
    elif options.split:
        with atomic_dir(out, force=options.force) as tmp:
            _write_files(fmt, stream, {name: tmp / f"{name}.{EXTENSIONS[fmt]}"
                                       for name in names}, schema, tag_layer, summary, tick)
    else:
        with atomic_file(out, force=options.force) as tmp:
            _write_files(fmt, stream, {"": tmp}, schema, tag_layer, summary, tick)
    return summary


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
