"""`run_export`: read the store once, split, and hand records to one format writer.

Output layout (also in `copydesk export --help`):

| format | without --split        | with --split                                  |
|--------|------------------------|-----------------------------------------------|
| jsonl  | OUT is a file          | OUT/train.jsonl, OUT/dev.jsonl, OUT/test.jsonl |
| spacy  | OUT is a .spacy file   | OUT/train.spacy, OUT/dev.spacy, OUT/test.spacy |
| conll  | OUT is a file          | OUT/train.conll, OUT/dev.conll, OUT/test.conll |
| brat   | OUT/ANNOTATOR/*.txt|ann | OUT/train/ANNOTATOR/..., OUT/dev/..., OUT/test/... |
| hf     | OUT/train.jsonl        | OUT/train.jsonl, OUT/validation.jsonl, OUT/test.jsonl |

Everything is written into a temporary sibling of OUT and renamed into place at the end, so a
failed or interrupted export leaves no half-written output. An existing OUT (file, or non-empty
folder) is replaced only with --force.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from copydesk.exports.common import atomic_dir, atomic_file, check_target
from copydesk.exports.model import FORMATS, ExportError, ExportOptions, ExportSummary, Record
from copydesk.exports.reader import assign_splits, read_records
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
    check_target(out, folder=fmt in ("brat", "hf") or bool(options.split), force=options.force)
    summary = ExportSummary(fmt=fmt, out=str(out))
    records = read_records(store, options, summary.skipped)
    records_kept = records  # a set with no span of the layer still gives "O" sentences
    summary.records = len(records_kept)
    summary.documents = len({rec.doc_id for rec in records_kept})
    splits = assign_splits(records_kept, options.split, options.seed)
    groups: dict[str, list[Record]] = {}
    for rec in records_kept:
        groups.setdefault(splits[rec.doc_id], []).append(rec)
    if options.split:
        names = ("train", "test") if len(options.split) == 2 else ("train", "dev", "test")
        for name in names:
            groups.setdefault(name, [])
        summary.splits = {name: len({r.doc_id for r in groups[name]}) for name in names}
    elif not groups:
        groups[""] = []
    total = len(records_kept)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    if fmt == "brat":
        from copydesk.exports.brat import write_brat

        with atomic_dir(out, force=options.force) as tmp:
            write_brat(groups, tmp, schema, summary, tick, options.rename)
    elif fmt == "hf":
        from copydesk.exports.conll import write_hf

        with atomic_dir(out, force=options.force) as tmp:
            write_hf(groups, tmp, tag_layer, schema, options.hf_format, summary, tick)
    elif options.split:
        with atomic_dir(out, force=options.force) as tmp:
            _write_files(fmt, groups, {name: tmp / f"{name}.{EXTENSIONS[fmt]}"
                                       for name in groups}, schema, options, tag_layer,
                         summary, tick)
    else:
        with atomic_file(out, force=options.force) as tmp:
            _write_files(fmt, groups, {"": tmp}, schema, options, tag_layer, summary, tick)
    return summary


def _write_files(fmt: str, groups: dict[str, list[Record]], paths: dict[str, Path],
                 schema: Schema, options: ExportOptions, tag_layer: str,
                 summary: ExportSummary, tick: Callable[[], None]) -> None:
    if fmt == "jsonl":
        from copydesk.exports.jsonl import write_jsonl

        for name, recs in groups.items():
            write_jsonl(recs, paths[name], schema, summary, tick)
    elif fmt == "conll":
        from copydesk.exports.conll import write_conll

        for name, recs in groups.items():
            write_conll(recs, paths[name], tag_layer, summary, tick)
    elif fmt == "spacy":
        from copydesk.exports.spacy_bin import write_spacy

        write_spacy(groups, paths, schema, options.lang, summary, tick)
    else:  # pragma: no cover - guarded above
        raise ExportError(f"unknown format {fmt!r}")


__all__ = ["ProgressFn", "run_export"]
