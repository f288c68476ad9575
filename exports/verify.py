"""Exports as a fingerprint: what `copydesk db copy` compares before and after a move.

Two stores hold the same corpus for every user of it when every export format that carries the
whole corpus (JSONL with links and attributes, brat standoff per annotator) comes out byte for
byte the same, over every status and annotator.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from copydesk.exports.model import ExportOptions
from copydesk.exports.run import run_export
from copydesk.projects.store import Store
from copydesk.schema.model import Schema

FINGERPRINT_FORMATS: tuple[str, ...] = ("jsonl", "brat")


def export_files(store: Store, schema: Schema) -> dict[str, bytes]:
    """Relative path -> bytes of a full export in each fingerprint format."""
    options = ExportOptions(status="all")
    files: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="copydesk-verify-") as tmp:
        root = Path(tmp)
        for fmt in FINGERPRINT_FORMATS:
            out = root / (f"export.{fmt}" if fmt == "jsonl" else fmt)
            run_export(store, schema, fmt, out, options)
            paths = [out] if out.is_file() else sorted(p for p in out.rglob("*") if p.is_file())
            for path in paths:
                files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


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
