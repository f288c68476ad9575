"""Plain `.txt`/`.md` files: documents without annotations (import only)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from copydesk.exports.formats.base import ReadContext
from copydesk.projects.bulk import NewDocument
from copydesk.projects.importers import TEXT_SUFFIXES, content_hash, read_text_file


def detect(path: Path, head: bytes) -> bool:
    return path.is_file() and path.suffix.lower() in TEXT_SUFFIXES


def read(path: Path, ctx: ReadContext) -> Iterator[NewDocument]:
    for doc in read_text_file(path):
        yield NewDocument(text=doc["text"], content_hash=content_hash(doc["text"]),
                          external_id=doc.get("external_id"), title=doc.get("title") or "",
                          source=doc.get("source") or "", meta=doc.get("meta") or {})
