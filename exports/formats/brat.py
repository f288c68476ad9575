"""brat standoff, in and out: the registry's row for the writer in `exports.brat` and the
reader in `exports.brat_import` (both kept where they are; this module only plugs them in).

A folder is brat when it holds `.ann` files; each `.ann` is read (and accepted or refused) on
its own, in the order the folder's copydesk-meta.jsonl lists them (then by name), so
documents get the ids, and re-exports the order, that the export had.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from copydesk.exports.brat import META_FILE, BratNames, write_brat
from copydesk.exports.brat_import import meta_order, read_brat
from copydesk.exports.formats.base import ExportJob, ReadContext
from copydesk.exports.model import ExportOptions
from copydesk.projects.bulk import NewDocument
from copydesk.schema.model import Schema

OUTPUT = "folder"


def check_export(schema: Schema, options: ExportOptions) -> None:
    BratNames(schema, options.rename)  # a bad --map is refused before reading anything


def write(job: ExportJob) -> None:
    write_brat(job.stream, job.plan, job.splits, job.root, job.schema, job.summary, job.tick,
               job.options.rename)


def detect(path: Path, head: bytes) -> bool:
    if path.is_file():
        return path.suffix.lower() == ".ann"
    return path.is_dir() and any(_visible(path, p) for p in path.rglob("*.ann"))


def _visible(root: Path, p: Path) -> bool:
    return not any(part.startswith(".") for part in p.relative_to(root).parts)


def units(path: Path) -> list[Path]:
    """The `.ann` files of a folder, each imported on its own, in export order."""
    if path.is_file():
        return [path]
    order = meta_order(path) if (path / META_FILE).is_file() else {}
    found = [p for p in path.rglob("*.ann") if _visible(path, p)]

    def rank(p: Path) -> tuple[int, str]:
        key = p.relative_to(path).with_suffix("").as_posix()
        return (order.get(key, len(order)), str(p))

    return sorted(found, key=rank)


def read(path: Path, ctx: ReadContext, root: Path | None = None) -> Iterator[NewDocument]:
    """One `.ann`; with `--skip-invalid` the lines the brat reader left out join the run's
    list of skipped annotations (exports.lenient)."""
    doc, skipped = read_brat(path, ctx.schema, ctx.defaults, root, ctx.interop,
                             skip_invalid=ctx.skips.lenient)
    for item in skipped:
        ctx.skips.add(item.file, item.line, item.reason)
    yield doc
