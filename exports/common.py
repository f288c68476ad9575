"""Shared pieces: atomic output, token lookups, and IOB2 tagging with overlap reports.

Tokens always come from `projects.textutil.tokenize`, the one tokenizer the annotation screen
also snaps to, so `token_start`/`token_end` in every format agree with what annotators saw.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import orjson

from copydesk.exports.model import ExportError, ExportSpan, ExportSummary, Record
from copydesk.projects.textutil import tokenize

__all__ = ["atomic_dir", "atomic_file", "check_target", "clear_leftovers", "fast_json",
           "fsync_tree", "iob_tags", "pid_alive", "split_tokens", "standard_json", "token_span",
           "tokens_of"]


# `json.dumps(value, ensure_ascii=False, separators=(",", ":"))`, the exports' JSON layout
standard_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def fast_json(value: Any) -> str:
    """`value` as `standard_json` writes it, by orjson in one C call: the same bytes for
    strings, whole numbers and lists/dicts of them (property-tested; floats differ, so values
    that may hold them go to `standard_json`). What orjson refuses, such as a lone surrogate,
    takes the standard encoder."""
    try:
        return orjson.dumps(value).decode("utf-8")
    except TypeError:
        return standard_json(value)


class TokenCache:
    """Tokens of the last document seen: records come sorted by document, so annotators of one
    document share one tokenization instead of redoing it."""

    def __init__(self) -> None:
        self._doc: int | None = None
        self._value: tuple[list[tuple[int, int]], list[int], list[int]] = ([], [], [])

    def get(self, rec: Record) -> tuple[list[tuple[int, int]], list[int], list[int]]:
        if rec.doc_id != self._doc:
            toks = tokenize(rec.text)
            self._value = (toks, [s for s, _ in toks], [e for _, e in toks])
            self._doc = rec.doc_id
        return self._value


def tokens_of(text: str) -> list[tuple[int, int]]:
    return tokenize(text)


def token_span(starts: Sequence[int], ends: Sequence[int], start: int,
               end: int) -> tuple[int, int] | None:
    """(first, last) token indices overlapping [start, end), last inclusive (as Prodigy), or None.

    Same rule as `TextIndex.token_span`; repeated here over plain lists so exporters need not
    build a full TextIndex (sentences, lines) when they only want tokens.
    """
    first = bisect_right(ends, start)
    last = bisect_left(starts, end) - 1
    if first > last:
        return None
    return first, last


def split_tokens(starts: Sequence[int], ends: Sequence[int],
                 cuts: Iterable[int]) -> tuple[list[int], list[int]]:
    """Tokens cut at every offset in `cuts` that falls strictly inside one, so no span edge is
    inside a token (`Kurdistan` | `24-based` when a GPE ends after `Kurdistan`).

    Without this, IOB tags would widen the span to the whole token with no word. Each cut is
    looked up by bisection and only the tokens it falls in are rebuilt, so a document whose
    spans sit on token edges (nearly all) costs one copy of the lists.
    """
    out_s, out_e = list(starts), list(ends)
    inside: dict[int, list[int]] = {}
    for cut in set(cuts):
        i = bisect_right(starts, cut) - 1
        if i >= 0 and starts[i] < cut < ends[i]:
            inside.setdefault(i, []).append(cut)
    for i in sorted(inside, reverse=True):  # from the back, so earlier indices stay valid
        points = sorted(inside[i])
        out_s[i:i + 1] = [starts[i], *points]
        out_e[i:i + 1] = [*points, ends[i]]
    return out_s, out_e


def iob_tags(rec: Record, spans: Sequence[ExportSpan], starts: Sequence[int],
             ends: Sequence[int], summary: ExportSummary) -> list[str]:
    """IOB2 tags over the record's tokens, one layer's spans.

    A discontinuous span is tagged piece by piece: `B-` at the first token of each piece, `I-`
    on the rest of that piece, the gap between pieces left to whatever else is there.
    Overlapping pieces cannot share tokens in IOB: the earliest-starting wins, the longest on a
    tie, and every piece dropped is reported (document, span, the span it lost to) in the
    summary warnings. A span that covers no token at all is reported too.
    """
    tags = ["O"] * len(starts)
    ranked = []
    for span in spans:
        found = False
        for p_start, p_end in span.parts:
            ts = token_span(starts, ends, p_start, p_end)
            if ts is not None:
                found = True
                ranked.append((ts[0], -(ts[1] - ts[0]), p_start, span.label, ts, span))
        if not found:
            summary.skipped["spans covering no token"] += 1
            summary.warnings.append(f"document {rec.key} ({rec.annotator}): span "
                                    f"{span.label} {span.start}-{span.end} {span.text!r} covers "
                                    "no token; left out")
    ranked.sort(key=lambda item: item[:4])
    last_end = -1
    kept: ExportSpan | None = None
    counted: set[int] = set()
    for first, _neg, _s, _l, (a, b), span in ranked:
        if first <= last_end and kept is not None:
            summary.skipped["overlapping spans (IOB keeps the first, longest)"] += 1
            summary.warnings.append(
                f"document {rec.key} ({rec.annotator}): span {span.label} "
                f"{span.start}-{span.end} {span.text!r} overlaps {kept.label} "
                f"{kept.start}-{kept.end} {kept.text!r}; kept the first (longest), dropped it")
            continue
        tags[a] = f"B-{span.label}"
        for i in range(a + 1, b + 1):
            tags[i] = f"I-{span.label}"
        last_end = b
        kept = span
        if span.index not in counted:  # a span in pieces counts once
            counted.add(span.index)
            summary.labels[span.label] += 1
            summary.spans += 1
    return tags


def _umask() -> int:
    """The process umask, read without changing it where Linux allows (threads may export)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _tmp_sibling(out: Path, suffix: str) -> Path:
    """A fresh folder beside `out`, with the permissions a plain `mkdir` would give it
    (`mkdtemp` makes it 0700, which would then become the exported folder's mode). Its name
    carries this process's id, so a later run can tell a dead run's leftovers from a live
    run's work (`clear_leftovers`)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-{os.getpid()}-", suffix=suffix,
                                   dir=out.parent))
    folder.chmod(0o777 & ~_umask())
    return folder


# What a run of ours leaves beside OUT while it works: the temporary output, the part files of
# worker processes, and a replaced folder on its way out. `KIND-PID-random` (or `old-PID`).
_LEFTOVER_KINDS = ("tmp", "parts", "old")
# Leftovers named by an older copydesk carry no process id: cleared once this old.
_UNNAMED_LEFTOVER_SECONDS = 6 * 3600


def pid_alive(pid: int) -> bool:
    """True when process `pid` exists (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive, and not ours to judge
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def clear_leftovers(out: Path) -> list[Path]:
    """Remove what a dead run of ours left beside `out` (a `kill -9`, a power cut): hidden
    temporary outputs and part folders whose process is gone. A live run's are kept, so two
    exports to one place do not undo each other. Returns what was removed."""
    import re
    import time

    parent = out.parent
    if not parent.is_dir():
        return []
    pattern = re.compile(rf"\.{re.escape(out.name)}\.({'|'.join(_LEFTOVER_KINDS)})-"
                         r"(?:(\d+)(?:-|$))?")
    removed: list[Path] = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return []
    for entry in entries:
        found = pattern.match(entry.name)
        if found is None:
            continue
        pid = found.group(2)
        if pid is not None:
            if int(pid) == os.getpid() or pid_alive(int(pid)):
                continue
        else:
            try:
                age = time.time() - entry.lstat().st_mtime
            except OSError:
                continue
            if age < _UNNAMED_LEFTOVER_SECONDS:
                continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


def fsync_tree(path: Path) -> None:
    """Flush `path` (a file, or a folder and every file in it) to the disk, before the rename
    that publishes it: without this a power cut can leave a complete-looking empty file."""
    if path.is_dir():
        for root, _dirs, files in os.walk(path):
            for name in files:
                _fsync(Path(root, name), os.O_RDONLY)
            _fsync_dir(Path(root))
    else:
        _fsync(path, os.O_RDONLY)


def _fsync(path: Path, flags: int) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    """Make a rename inside `path` durable; some systems cannot open a folder: skipped."""
    with suppress(OSError):
        _fsync(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))


def check_target(out: Path, *, folder: bool, force: bool) -> None:
    """Refuse, before any work, an OUT that exists and would be replaced without --force.

    One rule for files and folders: an existing file, or a non-empty folder, is replaced only
    with --force (and then only once the new output is complete).
    """
    if folder:
        if out.exists() and not out.is_dir():
            raise ExportError(f"{out}: is a file; this export writes a folder")
        if out.is_dir() and any(out.iterdir()) and not force:
            raise ExportError(f"{out}: folder exists and is not empty; pass --force to "
                              "replace it")
        return
    if out.is_dir():
        raise ExportError(f"{out}: is a folder; this export writes one file there "
                          "(pass a file name, or use --split for a folder)")
    if out.exists() and not force:
        raise ExportError(f"{out}: file exists; pass --force to replace it")


@contextmanager
def atomic_file(out: Path, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside `out`; on success it replaces `out` in one rename."""
    check_target(out, folder=False, force=force)
    folder = _tmp_sibling(out, "")
    tmp = folder / out.name
    try:
        yield tmp
        fsync_tree(tmp)
        os.replace(tmp, out)
        _fsync_dir(out.parent)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def atomic_dir(out: Path, *, force: bool) -> Iterator[Path]:
    """Yield an empty temporary folder beside `out`, renamed to `out` on success.

    An existing non-empty `out` is replaced only with --force, and then only after the new
    folder is complete (old moved aside, new renamed in, old deleted).
    """
    check_target(out, folder=True, force=force)
    tmp = _tmp_sibling(out, "")
    try:
        yield tmp
        fsync_tree(tmp)
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            os.replace(out, old)
            os.replace(tmp, out)
            _fsync_dir(out.parent)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
            _fsync_dir(out.parent)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
