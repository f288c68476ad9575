"""The small interface every format module implements, and what it is handed.

A format module (one per format, listed in `exports.formats.TABLE`) defines any of:

- `write(job: ExportJob) -> None`: write the records of `job.stream` under `job.root`
  (a temporary sibling of OUT that `run_export` renames into place when the writer returns);
- `check_export(schema, options) -> None`: refuse bad options before anything is read;
- `detect(path: Path, head: bytes) -> bool`: whether a file (its first bytes in `head`) or a
  folder (`head == b""`) is in this format, judged by content, not only by name;
- `read(path: Path, ctx: ReadContext) -> Iterable[NewDocument]`: the documents of a file or
  folder with their annotation sets. A reader may yield as it goes (a big JSONL file is
  streamed); with `STREAMED = True` the driver inserts a big file's documents in batches
  (after a first pass has checked all of it), else all in one transaction.

Nothing here knows one format from another; `run_export` and `import_annotated` only talk to
this interface, so adding a format is one module and one row of the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from copydesk.exports.interop import Interop
from copydesk.exports.lenient import Skips
from copydesk.exports.model import ExportOptions, ExportSummary, Stream
from copydesk.projects.store import Store
from copydesk.schema.model import Schema

__all__ = ["ExportJob", "ReadContext", "part_writer", "split_files"]


@dataclass
class ExportJob:
    """Everything a writer may need; most use `stream`, `paths()` and `summary`."""

    store: Store
    schema: Schema
    out: Path  # the user's OUT (for messages); write under `root`
    root: Path  # a temporary file or folder renamed to OUT at the end
    options: ExportOptions
    summary: ExportSummary
    plan: list[Any]
    splits: dict[int, str]
    names: tuple[str, ...]  # ("",) without --split, else ("train", "dev", "test")
    stream: Stream
    tick: Callable[[], None]
    tag_layer: str
    # run_parts(part_name, write, size=0, allowed=None): worker processes (exports.parallel)
    run_parts: Callable[..., Any]

    def paths(self, extension: str) -> dict[str, Path]:
        """Split name -> output file: `root` itself without --split, else root/NAME.ext."""
        if self.options.split:
            return {name: self.root / f"{name}.{extension}" for name in self.names}
        return {"": self.root}


def split_files(job: ExportJob, extension: str,
                write: Callable[[Stream, dict[str, Path], ExportSummary, Callable[[], None]],
                                None]) -> None:
    """A file-per-split writer run in worker processes when the corpus is big enough (each
    chunk into a part file, then joined in order), else in this process: same bytes either
    way. `write(stream, paths, summary, tick)` writes each record as one self-contained block
    (a worker counts into its chunk's own summary, merged back in order)."""
    from copydesk.exports import parallel

    paths = job.paths(extension)
    with parallel.parts_folder(job.out) as parts:
        chunked = job.run_parts(parallel.part_names(parts), part_writer(write))
        if chunked is not None:
            parallel.join_parts([chunk for chunk, _ in chunked], paths)
        else:
            write(job.stream, paths, job.summary, job.tick)


def part_writer(write: Callable[..., None]) -> Callable[..., None]:
    """`write` as a worker runs it: one chunk's records into its part file, counted in the
    chunk's own summary."""
    def part(stream: Stream, chunk: Any, summary: ExportSummary) -> None:
        write(stream, {chunk.split: chunk.part}, summary, lambda: None)
    return part


@dataclass
class ReadContext:
    """What a reader needs besides the path: the schema, the defaults for annotator and
    status, the `--map`/`--drop` translation, and the lenient-import collector."""

    schema: Schema
    defaults: Any  # exports.importing._Defaults: .pick(annotator, status, line)
    interop: Interop
    notes: list[str] = field(default_factory=list)

    @property
    def skips(self) -> Skips:
        return self.interop.skips
