"""Export work spread over one process per core, with the bytes one process would write.

The plan (every set to export, in order) is cut into chunks of `CHUNK` records within each
split. Each worker process reads its chunk's records on its own database connection and hands
them to the format's own writer, which writes one part file; the parent then joins each split's
parts in plan order (a file copy), or, for spaCy, each chunk is one DocBin shard written in
place. Records never cross processes: only the chunk numbers go out, and counts and warnings
come back. Warnings come split by split (all of train's, then dev's, ...), not interleaved.

Used only where it is safe and pays:
- the `fork` start method exists (Linux, macOS): workers inherit the loaded modules, the schema
  and the job, so nothing is imported or pickled again;
- no other thread runs in the parent (forking a threaded process can deadlock in the child);
- there are at least two chunks, and more than one core (or `--jobs N`);
- the format's output is a concatenation of per-record output: jsonl, conll, hf as jsonl, and
  spaCy (one shard per chunk). Parquet row groups and brat's file pairs stay in one process
  (brat is bound by creating its small files; writing them on threads did not help here).

The workers read while others may write, as a one-process export does: each chunk is read in
its own snapshot, so an export taken while annotators save shows every set as it was at some
moment during the export, never half a save.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from copydesk.exports.model import ExportError, ExportOptions, ExportSummary, Stream
from copydesk.exports.reader import SetRow, iter_records
from copydesk.projects.backends import Backend

CHUNK = 500  # records per worker task; equal to spacy_bin.SHARD_DOCS, so a chunk is a shard

# A part writer: (the chunk's stream, the chunk, its summary) -> anything picklable
PartWriter = Callable[[Stream, "Chunk", ExportSummary], Any]


@dataclass(frozen=True, slots=True)
class Chunk:
    """Consecutive records of one split, written to `part` by one worker."""

    split: str
    rows: list[SetRow]
    part: Path


@dataclass(slots=True)
class _Job:
    backend: Backend
    options: ExportOptions
    chunks: list[Chunk]
    write: PartWriter


_JOB: _Job | None = None  # set in the parent just before the workers fork; they read it


def worker_count(options: ExportOptions, chunks: int) -> int:
    """How many processes to use (1 = stay in this one); see the module docstring."""
    if chunks < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if other_threads_running():
        return 1
    cores = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
             else os.cpu_count() or 1)
    wanted = options.jobs if options.jobs > 0 else cores
    return max(1, min(wanted, chunks))


def other_threads_running() -> bool:
    """True when a thread besides this one runs (a TUI, a progress monitor): no fork then."""
    return threading.active_count() > 1


def plan_chunks(plan: Sequence[SetRow], splits: dict[int, str], names: Sequence[str],
                part: Callable[[str, int], Path], size: int = 0) -> list[Chunk]:
    """Each split's records in plan order, cut every `size` records; `part(split, k)` names
    the k-th chunk's output."""
    size = size or CHUNK
    chunks: list[Chunk] = []
    for name in names:
        rows = [row for row in plan if splits[row.doc_id] == name]
        for k, first in enumerate(range(0, len(rows), size)):
            chunks.append(Chunk(name, rows[first:first + size], part(name, k)))
    return chunks


def part_names(folder: Path) -> Callable[[str, int], Path]:
    """Where chunk k of a split writes its part: `folder/train-00003`, `folder/all-00000`."""
    return lambda split, k: folder / f"{split or 'all'}-{k:05d}"


def run_chunks(backend: Backend, options: ExportOptions, chunks: list[Chunk], workers: int,
               write: PartWriter, summary: ExportSummary,
               tick: Callable[[], None]) -> list[tuple[Chunk, Any]]:
    """Write every chunk with `write` in `workers` processes; returns (chunk, what `write`
    returned) in order, and adds each chunk's counts and warnings to `summary` in order. An
    error in any chunk (an ExportError naming a document) is raised here after the others
    stop."""
    global _JOB
    _JOB = _Job(backend, options, chunks, write)
    results: list[tuple[Chunk, Any]] = []
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                 initializer=die_with_parent,
                                 initargs=(os.getpid(),)) as pool:
            futures = [pool.submit(_work, i) for i in range(len(chunks))]
            try:
                for chunk, future in zip(chunks, futures, strict=True):
                    part_summary, result = future.result()
                    merge_summary(summary, part_summary)
                    results.append((chunk, result))
                    for _ in chunk.rows:
                        tick()
            except BaseException:
                pool.shutdown(cancel_futures=True)
                raise
    except BrokenProcessPool as exc:  # a worker killed (out of memory, a signal): one line
        raise ExportError("an export worker process stopped before its part was written "
                          "(killed, or out of memory?); nothing was written. Try --jobs 1"
                          ) from exc
    finally:
        _JOB = None
    return results


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(parent: int) -> None:
    """In a worker, first thing: end when the export that forked it ends, however it ends.

    A `kill -9` of the parent skips every cleanup, and a worker left behind would live on
    (reparented, tens of MB, the database and its -wal open). On Linux the kernel sends the
    worker SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG); elsewhere a daemon thread
    watches the parent's pid. Either way the parent may have died before this ran: checked
    once more at the end."""
    import signal

    armed = False
    if hasattr(os, "sched_getaffinity"):  # Linux
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if not armed:
        def watch() -> None:
            import time

            while os.getppid() == parent:
                time.sleep(0.5)
            os._exit(1)

        threading.Thread(target=watch, name="copydesk-parent-watch", daemon=True).start()
    if os.getppid() != parent:
        os._exit(1)


def _work(index: int) -> tuple[ExportSummary, Any]:
    job = _JOB
    assert job is not None, "export worker started without a job"
    chunk = job.chunks[index]
    engine = job.backend.make_engine(create=False)  # never the parent's pooled connections
    try:
        summary = ExportSummary()
        records = iter_records(engine, job.options, chunk.rows, summary.skipped,
                               only_planned=True)
        result = job.write(((chunk.split, rec) for rec in records), chunk, summary)
        return summary, result
    finally:
        engine.dispose()


def merge_summary(into: ExportSummary, part: ExportSummary) -> None:
    into.spans += part.spans
    into.links += part.links
    into.labels.update(part.labels)
    into.skipped.update(part.skipped)
    into.warnings.extend(part.warnings)


def join_parts(chunks: Sequence[Chunk], targets: dict[str, Path]) -> None:
    """Each split's part files, in order, copied into `targets[split]` (created even when the
    split has no records, as the one-process writers do)."""
    for split, target in targets.items():
        with open(target, "wb") as out:
            for chunk in chunks:
                if chunk.split == split and chunk.part.exists():
                    with open(chunk.part, "rb") as src:
                        shutil.copyfileobj(src, out, 1 << 20)
                    chunk.part.unlink()


@contextmanager
def parts_folder(beside: Path) -> Iterator[Path]:
    """A temporary folder for part files next to the output (same disk), removed at the end."""
    import tempfile

    beside.parent.mkdir(parents=True, exist_ok=True)
    # named with our pid, so a later run clears it if we die (exports.common.clear_leftovers)
    folder = Path(tempfile.mkdtemp(prefix=f".{beside.name}.parts-{os.getpid()}-",
                                   dir=beside.parent))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


__all__ = ["CHUNK", "Chunk", "join_parts", "merge_summary", "part_names", "parts_folder",
           "plan_chunks", "run_chunks", "worker_count"]
