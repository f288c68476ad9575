"""A corrected article becomes a new version of its document; every annotation set follows.

`update_document` is one write transaction per document: the old text is kept as a
`DocumentVersion` row, the document's text, hash and version number change, and every span of
every annotation set is carried over (projects.versions), keeping its id, so links, event
arguments and attribution parts follow their spans without being touched. A span a correction
moved to a best guess, or whose text was deleted, is marked `needs_review` with its old text;
nothing is deleted. Each set's log gets a `new_version` entry, which undo does not cross (older
entries hold offsets in the old text).

Permissions: on PostgreSQL only a lead may write `document` and `document_version` (the server
refuses anyone else, projects.security); on SQLite the team policy is advisory, as for import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, update
from sqlmodel import Session, select

from copydesk.projects import fragments as frag
from copydesk.projects.actions import NewVersion, encode
from copydesk.projects.errors import PermissionDenied, StoreError
from copydesk.projects.importers import Rejected, collect, content_hash, read_sources
from copydesk.projects.models import (
    Action,
    AnnotationSet,
    Document,
    DocumentVersion,
    Span,
    SuggestionDecision,
    utcnow,
)
from copydesk.projects.store import Store
from copydesk.projects.versions import EDITED, REMOVED, TextMap, line_diff

__all__ = ["UpdateReport", "UpdateResult", "VersionInfo", "find_by_external_id",
           "update_document", "update_paths", "version_text", "versions"]


@dataclass
class UpdateResult:
    """What one document's update did (the per-document summary line)."""

    doc_id: int
    external_id: str
    unchanged: bool = False
    version: int = 1
    spans: int = 0
    moved: int = 0
    edited: int = 0
    removed: int = 0
    sets: int = 0

    @property
    def needs_review(self) -> int:
        return self.edited + self.removed

    def summary(self) -> str:
        name = self.external_id or f"document {self.doc_id}"
        if self.unchanged:
            return f"{name}: unchanged (version {self.version})"
        return (f"{name}: version {self.version}; {self.spans} span(s) in {self.sets} set(s): "
                f"{self.moved} moved, {self.needs_review} need review "
                f"({self.edited} edited, {self.removed} removed)")


@dataclass
class VersionInfo:
    number: int
    created_at: str
    chars: int
    current: bool = False
    replaced_by: str = ""
    diff: list[str] = field(default_factory=list)


def find_by_external_id(session: Session, external_id: str) -> list[Document]:
    return list(session.exec(select(Document).where(Document.external_id == external_id)
                             .order_by(Document.id)).all())


def update_document(store: Store, doc_id: int, new_text: str, *, who: str = "",
                    source: str = "") -> UpdateResult:
    """Make `new_text` the current version of `doc_id`, carrying every annotation set over.

    Identical text changes nothing (`unchanged`). A text another document already has is
    refused: two documents would then hold one text and a re-import could not tell them apart.
    """

    def write(session: Session) -> UpdateResult:
        doc = session.get(Document, doc_id)
        if doc is None:
            raise StoreError(f"no document with id {doc_id}")
        result = UpdateResult(doc_id=doc_id, external_id=doc.external_id or "",
                              version=int(doc.version or 1))
        if doc.text == new_text:
            result.unchanged = True
            return result
        digest = content_hash(new_text)
        other = session.exec(select(Document.id).where(Document.content_hash == digest,
                                                       Document.id != doc_id)).first()
        if other is not None:
            raise StoreError(f"the corrected text of {result.external_id or doc_id!r} is "
                             f"already document {other}; not updated")
        sets = list(session.exec(select(AnnotationSet).where(
            AnnotationSet.document_id == doc_id).order_by(AnnotationSet.annotator)).all())
        for aset in sets:  # in name order, so two updaters never wait on each other in a circle
            store.db.lock_set(session, doc_id, aset.annotator)
        now = utcnow()
        session.add(DocumentVersion(
            document_id=doc_id, number=int(doc.version or 1), text=doc.text,
            content_hash=doc.content_hash, source=doc.source or "",
            created_at=doc.version_at or doc.created_at, replaced_at=now, replaced_by=who))
        old_text = doc.text
        doc.text, doc.content_hash = new_text, digest
        doc.version = int(doc.version or 1) + 1
        doc.version_at = now
        if source:
            doc.source = source
        session.add(doc)
        session.flush()
        result.version = doc.version
        result.sets = len(sets)

        spans = list(session.exec(select(Span).where(Span.document_id == doc_id)).all())
        text_map = TextMap(old_text, new_text)
        rows: list[dict[str, Any]] = []
        per_set: dict[int, dict[str, int]] = {}
        for span in spans:
            carried = text_map.carry(span.id, frag.parts_of(span), span.text)
            counts = per_set.setdefault(int(span.set_id), {"moved": 0, "edited": 0,
                                                           "removed": 0})
            result.spans += 1
            # A span still waiting for review keeps the text it had before the first
            # correction, and stays marked even if this correction leaves it alone.
            waiting = bool(span.needs_review)
            needs = carried.needs_review or waiting
            if carried.status == REMOVED:
                reason = REMOVED
            elif carried.status == EDITED:
                reason = EDITED
            else:
                reason = span.review_reason if waiting else ""
            if carried.status == REMOVED:
                result.removed += 1
                counts["removed"] += 1
            elif carried.status == EDITED:
                result.edited += 1
                counts["edited"] += 1
            elif carried.shifted:
                result.moved += 1
                counts["moved"] += 1
            if not carried.shifted and carried.text == span.text and not carried.needs_review:
                continue
            rows.append({
                "b_id": span.id, "start": carried.start, "end": carried.end,
                "text": carried.text, "fragments": frag.encode(carried.parts),
                "needs_review": needs, "review_reason": reason,
                "review_old_text": (span.review_old_text if waiting else carried.old_text)
                if needs else None,
            })
        if rows:
            table = Span.__table__  # Core, not ORM: one executemany for every changed span
            session.connection().execute(
                update(table).where(table.c.id == bindparam("b_id")), rows)
        _shift_decisions(session, doc_id, text_map)
        for aset in sets:
            counts = per_set.get(int(aset.id), {"moved": 0, "edited": 0,  # type: ignore[arg-type]
                                                "removed": 0})
            kind, payload = encode(NewVersion.make(doc_id, doc.version - 1, doc.version, who,
                                                   **counts))
            session.add(Action(set_id=aset.id, annotator=aset.annotator, kind=kind,
                               payload=payload, session=store.session_id))
        return result

    result = store.db.run_write(write)
    if not result.unchanged:
        store.saw_version(doc_id, result.version)
    return result


def _shift_decisions(session: Session, doc_id: int, text_map: TextMap) -> None:
    """Move annotators' decisions on machine suggestions with the text they were made on.

    They are keyed by offsets (projects.suggest.decisions); one on unchanged text moves exactly,
    like the suggestion it decided. One on edited text stays where it was: the suggestion there
    is then offered again, which asks the annotator rather than guessing for them.
    """
    table = SuggestionDecision.__table__  # type: ignore[attr-defined]
    rows = []
    for row_id, start, end in session.connection().execute(
            select(table.c.id, table.c.start, table.c.end).where(
                table.c.document_id == doc_id)).all():
        shift = text_map.exact(start, end)
        if shift:
            rows.append({"b_id": row_id, "start": start + shift, "end": end + shift})
    if rows:
        session.connection().execute(
            update(table).where(table.c.id == bindparam("b_id")), rows)


def versions(store: Store, doc_id: int, *, diff: bool = True) -> list[VersionInfo]:
    """Every version of a document, oldest first, each with a diff against the one before."""
    with store.db.read() as session:
        doc = session.get(Document, doc_id)
        if doc is None:
            raise StoreError(f"no document with id {doc_id}")
        old = list(session.exec(select(DocumentVersion).where(
            DocumentVersion.document_id == doc_id).order_by(DocumentVersion.number)).all())
    out: list[VersionInfo] = []
    texts: list[str] = []
    for row in old:
        out.append(VersionInfo(number=row.number, created_at=row.created_at,
                               chars=len(row.text), replaced_by=row.replaced_by))
        texts.append(row.text)
    out.append(VersionInfo(number=int(doc.version or 1),
                           created_at=doc.version_at or doc.created_at, chars=len(doc.text),
                           current=True))
    texts.append(doc.text)
    if diff:
        for i in range(1, len(out)):
            out[i].diff = line_diff(texts[i - 1], texts[i])
    return out


def version_text(store: Store, doc_id: int, number: int) -> str:
    """The text of one version (the current one is the document's own text)."""
    with store.db.read() as session:
        doc = session.get(Document, doc_id)
        if doc is None:
            raise StoreError(f"no document with id {doc_id}")
        if number == int(doc.version or 1):
            return doc.text
        row = session.exec(select(DocumentVersion).where(
            DocumentVersion.document_id == doc_id, DocumentVersion.number == number)).first()
        if row is None:
            raise StoreError(f"document {doc_id} has no version {number}")
        return row.text


# JSONL fields that hold annotations (ours, Prodigy/spaCy-style, doccano): not read by --update.
_ANNOTATION_KEYS = frozenset({"spans", "relations", "entities", "label", "annotations"})


@dataclass
class UpdateReport:
    """`copydesk import --update`: one line per document, then the totals."""

    results: list[UpdateResult] = field(default_factory=list)
    added: list[int] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [r.summary() for r in self.results]

    def summary(self) -> str:
        updated = [r for r in self.results if not r.unchanged]
        return (f"updated {len(updated)}, unchanged {len(self.results) - len(updated)}, "
                f"new {len(self.added)}, rejected {len(self.rejected)}; "
                f"spans moved {sum(r.moved for r in updated)}, "
                f"needing review {sum(r.needs_review for r in updated)}")


def update_paths(store: Store, paths: Iterable[Path | str], *, who: str = "",
                 progress: Callable[[int, int], None] | None = None) -> UpdateReport:
    """Read .txt/.md files, folders and JSONL; a document whose id is already in the project
    gets the file's text as a new version (or stays unchanged), any other comes in as new.

    The id is the JSONL record's `id`, else the file name without its suffix (`.txt`, `.md`,
    and so brat's `.txt` beside its `.ann`). One transaction per document: a rejected one
    (an id two documents share, a text another document has) leaves the others updated.
    """
    files, rejected = collect(paths)
    report = UpdateReport(rejected=list(rejected))
    for index, path, docs in read_sources(files, report.rejected):
        for doc in docs:
            line = doc.get("line")
            ext = doc.get("external_id")
            carried = sorted(set(doc.get("record") or {}) & _ANNOTATION_KEYS)
            if carried:
                where = f"{path}:{line}" if line else str(path)
                report.notes.append(f"{where}: {', '.join(carried)} not read: --update carries "
                                    "the project's own annotations over to the new text")
            if not ext:
                report.rejected.append(Rejected(str(path), "no \"id\": --update needs one to "
                                                "find the document to correct", line))
                continue
            with store.db.read() as session:
                found = [int(d.id) for d in find_by_external_id(session, ext)]  # type: ignore[arg-type]
            if len(found) > 1:
                report.rejected.append(Rejected(
                    str(path), f"id {ext!r} names {len(found)} documents "
                    f"({', '.join(map(str, found))}); not updated", line))
                continue
            try:
                if not found:
                    doc["content_hash"] = content_hash(doc["text"])
                    [new_id] = store.add_documents([doc])
                    if new_id is None:
                        report.rejected.append(Rejected(
                            str(path), f"id {ext!r} is new but its text is already in the "
                            "project under another id; not imported", line))
                    else:
                        report.added.append(new_id)
                    continue
                report.results.append(update_document(store, found[0], doc["text"], who=who,
                                                      source=doc.get("source") or ""))
            except PermissionDenied:
                raise  # the same refusal for every document: say it once
            except StoreError as exc:
                report.rejected.append(Rejected(str(path), str(exc), line))
        if progress is not None:
            progress(index, len(files))
    return report
