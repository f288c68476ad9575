"""Exports as a fingerprint: what `copydesk db copy` compares before and after a move.

Two stores hold the same corpus for every user of it when every export format that carries the
whole corpus (JSONL with links and attributes, brat standoff per annotator) comes out byte for
byte the same, over every status and annotator.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path

from copydesk.exports.common import pid_alive
from copydesk.exports.model import ExportOptions
from copydesk.exports.run import run_export
from copydesk.projects.store import Store
from copydesk.schema.model import Schema

FINGERPRINT_FORMATS: tuple[str, ...] = ("jsonl", "brat")
VERIFY_PREFIX = "copydesk-verify-"  # then the pid of the run: copydesk-verify-1234-xxxx
UNNAMED_SECONDS = 6 * 3600  # a verify folder named without a pid is cleared once this old


def export_files(store: Store, schema: Schema) -> dict[str, bytes]:
    """Relative path -> bytes of a full export in each fingerprint format."""
    # everything, machine suggestions included: the copy must hold every set
    options = ExportOptions(status="all", include_suggestions=True)
    files: dict[str, bytes] = {}
    clear_verify_leftovers()
    with tempfile.TemporaryDirectory(prefix=f"{VERIFY_PREFIX}{os.getpid()}-") as tmp:
        root = Path(tmp)
        for fmt in FINGERPRINT_FORMATS:
            out = root / (f"export.{fmt}" if fmt == "jsonl" else fmt)
            run_export(store, schema, fmt, out, options)
            paths = [out] if out.is_file() else sorted(p for p in out.rglob("*") if p.is_file())
            for path in paths:
                files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


def clear_verify_leftovers(folder: Path | None = None) -> list[Path]:
    """Remove the verify folders a killed `db copy` left in the temporary folder (up to a full
    export each): those named by a process that is gone. A live copy's folder is kept."""
    folder = Path(folder or tempfile.gettempdir())
    removed: list[Path] = []
    try:
        entries = list(folder.glob(f"{VERIFY_PREFIX}*"))
    except OSError:
        return removed
    for entry in entries:
        pid = entry.name[len(VERIFY_PREFIX):].split("-", 1)[0]
        try:
            info = entry.stat()
        except OSError:
            continue
        if info.st_uid != os.getuid():
            continue
        if pid.isdigit() and "-" in entry.name[len(VERIFY_PREFIX):]:
            if int(pid) == os.getpid() or pid_alive(int(pid)):
                continue  # a live run's
        elif time.time() - info.st_mtime < UNNAMED_SECONDS:
            continue  # an older copydesk's name (no pid): only once surely abandoned
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


def digest(files: dict[str, bytes]) -> str:
    """One sha256 over every file name and content, in name order."""
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return h.hexdigest()


def differences(before: dict[str, bytes], after: dict[str, bytes]) -> list[str]:
    """File names that differ or exist on one side only (empty: byte-identical)."""
    return sorted(name for name in set(before) | set(after)
                  if before.get(name) != after.get(name))
