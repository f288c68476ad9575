"""The one write API every part of copydesk uses: spans, links, status, undo and redo.

Each public write is one committed IMMEDIATE transaction that also appends to the action log, so
what the screen confirms is on disk, and undo/redo can be rebuilt from the log after a restart.
Every write is checked against the document text and the schema before anything is written.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, insert
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from copydesk.projects import fragments as frag
from copydesk.projects.actions import (
    BATCH_KINDS,
    LINK_FIELDS,
    REVIEW_FIELDS,
    SPAN_FIELDS,
    UNDO_BARRIERS,
    UNDOABLE,
    AddFragment,
    AddLink,
    AddSpan,
    ConfirmReview,
    FieldEdit,
    LogAction,
    Redo,
    RelabelSpan,
    RemoveFragment,
    RemoveLink,
    RemoveSpan,
    Replay,
    ReselectSpan,
    SetAttributes,
    SetRole,
    SetStatus,
    Undo,
    decode,
    encode,
    history_of,
    row_of,
)
from copydesk.projects.backends import text_length
from copydesk.projects.db import Database
from copydesk.projects.errors import DocumentChanged, StoreError
from copydesk.projects.gold import reopen_if_needed
from copydesk.projects.models import (
    STATUSES,
    Action,
    AnnotationSet,
    CurrentSchema,
    Document,
    DocumentVersion,
    Link,
    SchemaSnapshot,
    Span,
    utcnow,
)
from copydesk.projects.permissions import GOLD
from copydesk.projects.textutil import GraphemeIndex, grapheme_index
from copydesk.schema import parse_schema
from copydesk.schema.model import Schema

__all__ = ["BATCH_KINDS", "UNDOABLE", "UNDO_BARRIERS", "DocumentRow", "Store", "StoreError",
           "validate_link", "validate_span"]

# The action kinds, their payloads, how each is replayed or reverted and described: one class
# per kind in projects.actions (BATCH_KINDS, UNDOABLE and UNDO_BARRIERS are read from there and
# stay importable from here).
_T = TypeVar("_T")


@dataclass(frozen=True)
class DocumentRow:
    """A queue entry: enough to list documents without loading their text."""

    id: int
    title: str
    external_id: str | None
    length: int
    status: str
    spans: int
    comment: str = ""


@dataclass
class _History:
    undo: list[int] = field(default_factory=list)
    redo: list[int] = field(default_factory=list)


def _char_length() -> Any:
    """`length(text)`, or NULL for a text holding a NUL character (SQLite's `length()` stops
    there; see backends.text_length), measured in Python by `_true_lengths`."""
    return text_length(Document.text)


def _true_lengths(session: Session, rows: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Fill in the lengths `_char_length` left NULL (texts with a NUL) from Python's `len`."""
    missing = [row[0] for row in rows if row[3] is None]
    if not missing:
        return [tuple(row) for row in rows]
    lengths = {doc_id: len(text) for doc_id, text in session.exec(
        select(Document.id, Document.text).where(col(Document.id).in_(missing))).all()}
    return [(*row[:3], lengths.get(row[0], 0) if row[3] is None else row[3]) for row in rows]


def is_grapheme_boundary(text: str, offset: int) -> bool:
    """True where no extended grapheme cluster straddles `offset` (0 and the end always).

    A set lookup in the text's cached `GraphemeIndex`: the same answer for an offset near the
    end of a 600,000-character line as near its start.
    """
    if offset <= 0 or offset >= len(text):
        return True
    return grapheme_index(text).is_boundary(offset)


def check_label(schema: Schema, label: str) -> str:
    """The layer of a label new spans may take; refused if unknown or retired."""
    found = schema.label(label)
    if found is None:
        raise StoreError(f"unknown label {label!r}: the schema {schema.name!r} "
                         f"(version {schema.version}) has no such label")
    if found.merged_into:
        raise StoreError(f"label {label!r} is retired (merged into {found.merged_into!r}); "
                         f"use {found.merged_into}")
    return found.layer


KEPT_PREFIX = "brat:"


def _kept_value(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, list) and all(
        isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))
        for v in value)


def check_attributes(schema: Schema, label: str, attributes: dict[str, Any]) -> dict[str, Any]:
    """Attributes the label declares, with values from its list; None values are dropped.

    Keys under `KEPT_PREFIX` (`brat:notes`, `brat:norms`) are what a brat import keeps that
    copydesk has no field for; they are free text (or lists of it), not schema attributes.
    """
    spec = schema.label(label)
    assert spec is not None
    allowed = {attr.name: attr for attr in spec.attributes}
    for name, value in attributes.items():
        if isinstance(name, str) and name.startswith(KEPT_PREFIX):
            if not _kept_value(value):
                raise StoreError(f"attribute {name!r} must be text or a list of texts")
            continue
        attr = allowed.get(name)
        if attr is None:
            raise StoreError(f"label {label!r} has no attribute {name!r}")
        if value is not None and str(value) not in attr.values:
            raise StoreError(f"attribute {name!r} of {label!r} takes one of "
                             f"{', '.join(attr.values)}, not {value!r}")
    return {k: v for k, v in attributes.items() if v is not None}


def check_range(doc_id: int | str, doc_text: str, start: int, end: int) -> None:
    """Offsets must be whole numbers with 0 <= start < end <= len(text)."""
    if not (isinstance(start, int) and isinstance(end, int)):
        raise StoreError("span offsets must be whole numbers")
    if not 0 <= start < end <= len(doc_text):
        raise StoreError(f"span {start}-{end} is outside document {doc_id} "
                         f"(0-{len(doc_text)}) or empty")


def check_covered_text(doc_id: int | str, doc_text: str, start: int, end: int,
                       text: str | None) -> str:
    """The text at [start, end); refused if the caller's `text` says otherwise."""
    covered = doc_text[start:end]
    if text is not None and text != covered:
        raise StoreError(f"span {start}-{end} of document {doc_id} covers {covered!r}, "
                         f"not {text!r}")
    return covered


def check_grapheme_edges(doc_id: int | str, doc_text: str, start: int, end: int,
                         index: GraphemeIndex | None = None) -> None:
    """Neither edge may cut a grapheme cluster in two (cached per text: O(1) per edge).

    `index` is the text's `GraphemeIndex` when the caller holds it (the bulk importer keeps
    one per document); else the shared cache finds or builds it.
    """
    if index is None:
        index = grapheme_index(doc_text)
    for offset in (start, end):
        if not index.is_boundary(offset):
            raise StoreError(f"offset {offset} of document {doc_id} splits a character "
                             "(grapheme cluster) in two")


def check_offsets(doc_id: int | str, doc_text: str, start: int, end: int,
                  text: str | None, index: GraphemeIndex | None = None) -> str:
    """The text a span covers, refused if out of range, mismatched or splitting a grapheme.

    One function per rule above, so a span made of several fragments can run each on each.
    """
    check_range(doc_id, doc_text, start, end)
    covered = check_covered_text(doc_id, doc_text, start, end, text)
    check_grapheme_edges(doc_id, doc_text, start, end, index)
    return covered


def check_fragments(doc_id: int | str, doc_text: str, start: int, end: int,
                    parts: Sequence[tuple[int, int]], text: str | None,
                    index: GraphemeIndex | None = None) -> str:
    """The joined text of a span in pieces; each piece meets `check_offsets` (range, graphemes),
    the pieces are sorted and apart, and `start`/`end` are their outer bounds."""
    for a, b in parts:
        check_offsets(doc_id, doc_text, a, b, None, index)
    for (a0, b), (c, d) in pairwise(parts):
        if c <= b:
            raise StoreError(f"fragments {a0}-{b} and {c}-{d} of document {doc_id} "
                             + ("overlap" if c < b else "touch (make them one piece)"))
        if frag.LINE_BREAKS.fullmatch(doc_text, b, c):
            raise StoreError(f"fragments {a0}-{b} and {c}-{d} of document {doc_id} are apart "
                             "only by a line break: make them one span")
    if (start, end) != (parts[0][0], parts[-1][1]):
        raise StoreError(f"span {start}-{end} does not match the outer bounds of its fragments "
                         f"({parts[0][0]}-{parts[-1][1]})")
    covered = frag.joined_text(doc_text, parts)
    if text is not None and text != covered:
        shown = ";".join(f"{a} {b}" for a, b in parts)
        raise StoreError(f"span {shown} of document {doc_id} covers {covered!r}, not {text!r}")
    return covered


def validate_span(schema: Schema, doc_id: int | str, doc_text: str, label: str, start: int,
                  end: int, *, text: str | None = None,
                  attributes: dict[str, Any] | None = None,
                  index: GraphemeIndex | None = None,
                  fragments: Sequence[tuple[int, int]] | None = None,
                  ) -> tuple[str, str, dict[str, Any]]:
    """Every rule a new span must meet, in one place for the store and the bulk importers.

    `fragments` (two or more sorted pieces, see projects.fragments) makes the span
    discontinuous: every offset rule then applies per piece, and `text` is checked against the
    pieces' texts joined by a space. `index` is the document's `GraphemeIndex` when the caller
    holds it (an importer checking a document's spans one after another); each grapheme check
    is then O(1) whatever the offsets. Returns (layer, covered text, attributes); raises
    StoreError naming what is wrong.
    """
    layer = check_label(schema, label)
    attrs = check_attributes(schema, label, attributes) if attributes else {}
    if fragments is not None and len(fragments) > 1:
        return layer, check_fragments(doc_id, doc_text, start, end, fragments, text,
                                      index), attrs
    if fragments and tuple(fragments[0]) != (start, end):
        raise StoreError(f"span {start}-{end} does not match its one fragment "
                         f"{fragments[0][0]}-{fragments[0][1]}")
    return layer, check_offsets(doc_id, doc_text, start, end, text, index), attrs


def validate_link(schema: Schema, head: str, tail: str, role: str, *, same_span: bool,
                  tail_key: object, siblings: Iterable[tuple[object, str]]) -> None:
    """Every rule a new link must meet, for the store and the bulk importers alike.

    `siblings` are the head's other live links as (tail key, role): they decide duplicates and
    whether a one-filler role is already taken.
    """
    if same_span:
        raise StoreError("a span cannot be linked to itself")
    head_label, tail_label = schema.label(head), schema.label(tail)
    if head_label is None or tail_label is None:
        raise StoreError(f"cannot link {head!r} to {tail!r}: a label is not in the current "
                         "schema")
    valid = schema.valid_roles(head_label, tail_label)
    if role not in valid:
        if valid:
            hint = f"valid roles: {', '.join(valid)}"
        elif head_label.layer == "event":
            roles = ", ".join(f"{r.name} ({'|'.join(r.accepts)})" for r in head_label.roles)
            hint = f"{head} roles: {roles}" if roles else f"{head} has no roles"
        else:
            hint = "only event triggers and attribution contents take links"
        raise StoreError(f"{tail!r} cannot be the {role!r} of {head!r} ({hint})")
    taken = list(siblings)
    if (tail_key, role) in taken:
        raise StoreError(f"that {role} link already exists")
    spec = head_label.role(role) if head_label.layer == "event" else None
    repeats = (spec is not None and spec.repeat) or schema.relation(role) is not None
    if not repeats and any(r == role for _, r in taken):
        raise StoreError(f"{head!r} already has a {role!r}; the schema allows one")


def check_snapshot(snap: SchemaSnapshot) -> None:
    """Refuse a stored schema whose text is not the text its sha256 names.

    Every snapshot row is checked where it is read: a row written by hand (or planted by a
    role that could once insert snapshots) must never become anyone's schema.
    """
    actual = hashlib.sha256(snap.text.encode("utf-8")).hexdigest()
    if actual != snap.sha256:
        raise StoreError(f"schema snapshot {snap.id} does not match its sha256 (stored "
                         f"{snap.sha256[:12]}, text {actual[:12]}): it was altered outside "
                         "copydesk; ask the database owner to remove that row")


def snapshot_with_text(session: Session, schema: Schema) -> int | None:
    """The id of the snapshot holding exactly `schema`'s text: the hash finds it and the text
    is compared, so a row that only claims the hash is refused, never reused."""
    snap = session.exec(
        select(SchemaSnapshot).where(SchemaSnapshot.sha256 == schema.sha256)).first()
    if snap is None:
        return None
    check_snapshot(snap)
    if snap.text != schema.text:  # pragma: no cover - equal hashes of unequal texts
        raise StoreError(f"schema snapshot {snap.id} has this schema's sha256 but another text")
    return int(snap.id)  # type: ignore[arg-type]


class Store:
    """The project database; every write is checked against the project's current schema.

    The current schema is the one the database names (`current_schema`), read inside each write
    transaction: a process that loaded an older schema cannot store a label a `schema apply`
    has since retired. `self.schema` is this process's copy of it, refreshed whenever a write
    (or `refresh_schema`) finds the database has moved on.

    Each Store is one running app for undo: its edits carry `session_id`, and `undo` steps
    back only through this session's edits and those made before it opened (see `_history`).
    """

    def __init__(self, path: Path | str, schema: Schema | Callable[[], Schema], *,
                 create: bool = True) -> None:
        """Open the database; `schema` becomes the project's schema only if none is recorded
        yet (a new project, or one made before 0.2). A callable is called only then."""
        self.db = Database(path, create=create)
        self.session_id = uuid.uuid4().hex
        self._parsed: dict[int, Schema] = {}
        # A document's text changes only as a new version (projects.docversions), so checking
        # a span's offsets reads one small version number, not a long article, per keystroke.
        self._texts: dict[int, tuple[int, str]] = {}
        # The version of each document this app has shown (`document()`): an offset it sends
        # is an offset in that version, so a write against a newer one is refused.
        self._seen_versions: dict[int, int] = {}
        with self.db.read() as session:  # the usual case: a read, no write lock needed
            current = self.current_schema_id(session)
            found = self._adopt_or_record(session, schema) if current is not None else None
        self.schema, self.schema_id = found or self.db.run_write(
            lambda session: self._adopt_or_record(session, schema))
        with self.db.read() as session:
            # Edits older than this are everyone's history; newer ones belong to their session.
            self.horizon = int(session.exec(select(func.max(Action.id))).one() or 0)

    def document_text(self, session: Session, doc_id: int) -> str:
        """The current text, for checking offsets a write was given.

        Raises DocumentChanged when this app showed an older version of the document: the
        offsets it sends belong to the text the annotator saw, not to the corrected one.
        """
        version = session.exec(select(Document.version).where(Document.id == doc_id)).first()
        if version is None:
            raise StoreError(f"no document with id {doc_id}")
        seen = self._seen_versions.setdefault(doc_id, int(version))
        if seen != version:
            raise DocumentChanged(
                f"document {doc_id} was corrected (now version {version}) while it was open; "
                "this edit was not saved, everything saved before it was carried over: "
                "reopen the document and make it again")
        cached = self._texts.get(doc_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        text = session.exec(select(Document.text).where(Document.id == doc_id)).one()
        if len(self._texts) >= 16 and doc_id not in self._texts:
            self._texts.pop(next(iter(self._texts)))
        self._texts[doc_id] = (int(version), text)
        return text

    def saw_version(self, doc_id: int, version: int) -> None:
        """This app now shows `version` of the document (after reopening a corrected one)."""
        self._seen_versions[doc_id] = int(version)

    def document_version(self, doc_id: int) -> tuple[int, str]:
        """(version, content hash) of the current text: a small read, no article text."""
        with self.db.read() as session:
            row = session.exec(select(Document.version, Document.content_hash)
                               .where(Document.id == doc_id)).first()
        if row is None:
            raise StoreError(f"no document with id {doc_id}")
        return int(row[0] or 1), str(row[1])

    # ----------------------------------------------------------------- schema
    @staticmethod
    def _snapshot_in(session: Session, schema: Schema) -> int:
        """The snapshot row holding exactly `schema`'s text, made if new."""
        found = snapshot_with_text(session, schema)
        if found is not None:
            return found
        snap = SchemaSnapshot(name=schema.name, version=str(schema.version),
                              sha256=schema.sha256, text=schema.text)
        session.add(snap)
        session.flush()
        return int(snap.id)  # type: ignore[arg-type]

    @staticmethod
    def current_schema_id(session: Session) -> int | None:
        """The snapshot id the database names as the project's schema (None before 0.2).

        Plain SQL on the session's connection: every span and link write asks this inside its
        transaction, and the ORM's statement machinery cost more than the read itself. The
        name is quoted: to PostgreSQL a bare `current_schema` is its own function."""
        table = CurrentSchema.__tablename__
        return session.connection().exec_driver_sql(
            f'SELECT snapshot_id FROM "{table}" WHERE id = 1').scalar()

    @staticmethod
    def set_current_schema(session: Session, snapshot_id: int) -> None:
        """Point the project at a snapshot: only `schema apply`/`undo` and new projects do."""
        row = session.get(CurrentSchema, 1)
        if row is None:
            row = CurrentSchema(id=1, snapshot_id=snapshot_id)
        row.snapshot_id, row.updated_at = snapshot_id, utcnow()
        session.add(row)
        session.flush()

    def _parse_snapshot(self, session: Session, snapshot_id: int) -> Schema:
        schema = self._parsed.get(snapshot_id)
        if schema is None:
            snap = session.get(SchemaSnapshot, snapshot_id)
            if snap is None:
                raise StoreError(f"the project's schema (snapshot {snapshot_id}) is missing "
                                 "from the database")
            check_snapshot(snap)
            schema = parse_schema(snap.text, f"{self.db.location} (schema snapshot "
                                             f"{snapshot_id})")
            self._parsed[snapshot_id] = schema
        return schema

    def _adopt_or_record(self, session: Session,
                         given: Schema | Callable[[], Schema]) -> tuple[Schema, int]:
        current = self.current_schema_id(session)
        if current is None:
            schema = given() if callable(given) else given
            sid = self._snapshot_in(session, schema)
            self.set_current_schema(session, sid)
            self._parsed[sid] = schema
            return schema, sid
        if not callable(given) and given.sha256 == self._parse_snapshot(session, current).sha256:
            self._parsed[current] = given
        return self._parse_snapshot(session, current), current

    def _schema_in(self, session: Session) -> Schema:
        """The project's schema as of this transaction (refreshing this process's copy)."""
        current = self.current_schema_id(session)
        if current is not None and current != self.schema_id:
            self.schema, self.schema_id = self._parse_snapshot(session, current), current
        return self.schema

    def refresh_schema(self) -> Schema:
        """Load the project's current schema if another process changed it; returns it."""
        with self.db.read() as session:
            return self._schema_in(session)

    def schema_is_current(self) -> bool:
        """False once another process applied or undid a schema (one small query)."""
        with self.db.read() as session:
            current = self.current_schema_id(session)
        return current is None or current == self.schema_id

    def use_schema(self, schema: Schema) -> None:
        """Cache `schema` after this process moved the project to it (`schema apply`/`undo`).

        It does not move the project's pointer: writes are checked against whatever the
        database names, so a schema nobody applied can never validate a write.
        """
        with self.db.read() as session:
            found = snapshot_with_text(session, schema)
        if found is None:
            raise StoreError(f"schema {schema.name} {schema.version} was never applied to "
                             "this project; use `copydesk schema apply`")
        self._parsed[int(found)] = schema
        self.refresh_schema()

    def known_schema(self, sha256: str) -> bool:
        """True when some schema this project has had holds exactly this text hash."""
        with self.db.read() as session:
            snap = session.exec(select(SchemaSnapshot).where(
                SchemaSnapshot.sha256 == sha256)).first()
            if snap is None:
                return False
            check_snapshot(snap)
            return True

    # ----------------------------------------------------------------- documents
    def add_documents(self, docs: Iterable[dict[str, Any]]) -> list[int | None]:
        """Insert documents in one transaction; None for a text already in the project.

        Each dict has text, content_hash and optionally external_id, title, source, meta (dict).
        """
        rows = list(docs)

        def write(session: Session) -> list[int | None]:
            hashes = [row["content_hash"] for row in rows]
            existing: set[str] = set()
            for i in range(0, len(hashes), 500):
                existing.update(
                    session.exec(
                        select(Document.content_hash).where(
                            col(Document.content_hash).in_(hashes[i : i + 500])
                        )
                    ).all()
                )
                # an earlier version of a corrected document is that document, not a new one
                existing.update(
                    session.exec(
                        select(DocumentVersion.content_hash).where(
                            col(DocumentVersion.content_hash).in_(hashes[i : i + 500])
                        )
                    ).all()
                )
            fresh: list[dict[str, Any]] = []
            seen: set[str] = set()
            for row in rows:
                h = row["content_hash"]
                if h in existing or h in seen:
                    continue
                seen.add(h)
                fresh.append(
                    {
                        "external_id": row.get("external_id"),
                        "title": row.get("title") or "",
                        "text": row["text"],
                        "content_hash": h,
                        "source": row.get("source") or "",
                        "meta": json.dumps(row.get("meta") or {}, ensure_ascii=False,
                                           sort_keys=True),
                        "created_at": utcnow(),
                    }
                )
            if fresh:
                session.execute(insert(Document), fresh)
            ids = dict(
                session.exec(
                    select(Document.content_hash, Document.id).where(
                        col(Document.content_hash).in_([r["content_hash"] for r in fresh])
                    )
                ).all()
            ) if fresh else {}
            out: list[int | None] = []
            given: set[str] = set()
            for row in rows:
                h = row["content_hash"]
                if h in ids and h not in given:
                    given.add(h)
                    out.append(ids[h])
                else:
                    out.append(None)
            return out

        return self.db.run_write(write)

    def document(self, doc_id: int) -> Document:
        with self.db.read() as session:
            doc = session.get(Document, doc_id)
        if doc is None:
            raise StoreError(f"no document with id {doc_id}")
        self._seen_versions[doc_id] = int(doc.version or 1)
        return doc

    def document_ids(self) -> list[int]:
        with self.db.read() as session:
            return list(session.exec(select(Document.id).order_by(Document.id)).all())  # type: ignore[arg-type]

    def document_count(self) -> int:
        with self.db.read() as session:
            return int(session.exec(select(func.count()).select_from(Document)).one())

    def queue(self, annotator: str, doc_ids: Sequence[int] | None = None) -> list[DocumentRow]:
        """Every document (or those in `doc_ids`) with this annotator's status and span count."""
        with self.db.read() as session:
            counts = dict(
                session.exec(
                    select(AnnotationSet.document_id, func.count(Span.id))
                    .join(Span, Span.set_id == AnnotationSet.id)
                    .where(AnnotationSet.annotator == annotator)
                    .group_by(AnnotationSet.document_id)
                ).all()
            )
            sets = {
                s.document_id: s
                for s in session.exec(
                    select(AnnotationSet).where(AnnotationSet.annotator == annotator)
                ).all()
            }
            query = select(
                Document.id, Document.title, Document.external_id,
                _char_length()
            ).order_by(Document.id)
            if doc_ids is not None:
                query = query.where(col(Document.id).in_(list(doc_ids)))
            rows = session.exec(query).all()
            rows = _true_lengths(session, rows)
        out = []
        for doc_id, title, ext, length in rows:
            aset = sets.get(doc_id)
            out.append(
                DocumentRow(
                    id=doc_id, title=title, external_id=ext, length=int(length or 0),
                    status=aset.status if aset else "todo", spans=int(counts.get(doc_id, 0)),
                    comment=aset.comment if aset else "",
                )
            )
        return out

    def find_documents(self, *, text: str = "", label: str = "", annotator: str = "",
                       status: str = "", needs_review: bool = False) -> set[int]:
        """Ids of documents matching every filter given (the queue's collection search):
        `text` in the document (case-insensitive for ASCII letters), a span labelled `label`,
        an annotation set of `annotator`, and that set (or, with no annotator, any set) in
        `status`. A "todo" status also matches documents nobody has started. `needs_review`:
        a span a corrected text moved to a best guess (projects.docversions)."""
        with self.db.read() as session:
            query = select(Document.id)
            if text:
                query = query.where(func.instr(func.lower(Document.text), text.lower()) > 0)
            set_status = status
            if status == "todo":  # nobody (or not this annotator) has started it
                set_status = ""
                started = select(AnnotationSet.document_id).where(
                    AnnotationSet.status != "todo")
                if annotator:
                    started = started.where(AnnotationSet.annotator == annotator)
                query = query.where(col(Document.id).not_in(started))
            if label or set_status or needs_review or (annotator and status != "todo"):
                sets = select(AnnotationSet.document_id)
                if annotator:
                    sets = sets.where(AnnotationSet.annotator == annotator)
                if set_status:
                    sets = sets.where(AnnotationSet.status == set_status)
                if label or needs_review:
                    sets = sets.join(Span, Span.set_id == AnnotationSet.id)
                if label:
                    sets = sets.where(Span.label == label)
                if needs_review:
                    sets = sets.where(col(Span.needs_review).is_(True))
                query = query.where(col(Document.id).in_(sets))
            return set(session.exec(query).all())  # type: ignore[arg-type]

    def progress(self, annotator: str, doc_ids: Sequence[int] | None = None) -> tuple[int, int]:
        """(finished, total) documents for an annotator: two counts, no per-document rows, so
        a screen can show it after every save without growing with the project."""
        finished_statuses = ("done", "skipped", "flagged")
        with self.db.read() as session:
            query = select(func.count()).select_from(AnnotationSet).where(
                AnnotationSet.annotator == annotator,
                col(AnnotationSet.status).in_(finished_statuses),
            )
            if doc_ids is not None:
                query = query.where(col(AnnotationSet.document_id).in_(list(doc_ids)))
            finished = int(session.exec(query).one())
        total = len(doc_ids) if doc_ids is not None else self.document_count()
        return finished, total

    # ----------------------------------------------------------------- reads
    def annotation_set(self, doc_id: int, annotator: str) -> AnnotationSet | None:
        with self.db.read() as session:
            return session.exec(
                select(AnnotationSet).where(
                    AnnotationSet.document_id == doc_id, AnnotationSet.annotator == annotator
                )
            ).first()

    def annotators(self, doc_id: int | None = None) -> list[str]:
        with self.db.read() as session:
            query = select(AnnotationSet.annotator).distinct().order_by(AnnotationSet.annotator)
            if doc_id is not None:
                query = query.where(AnnotationSet.document_id == doc_id)
            return list(session.exec(query).all())

    def spans(self, doc_id: int, annotator: str, *, include_stale: bool = True) -> list[Span]:
        with self.db.read() as session:
            query = (
                select(Span)
                .join(AnnotationSet, Span.set_id == AnnotationSet.id)
                .where(AnnotationSet.document_id == doc_id, AnnotationSet.annotator == annotator)
                .order_by(Span.start, Span.end, Span.id)
            )
            if not include_stale:
                query = query.where(Span.stale == "")
            return list(session.exec(query).all())

    def spans_by_id(self, span_ids: Iterable[int]) -> list[Span]:
        """The spans among `span_ids` that still exist (a screen refreshing what an edit
        touched reads these few rows instead of the whole document's)."""
        ids = list(span_ids)
        if not ids:
            return []
        with self.db.read() as session:
            return list(session.exec(select(Span).where(col(Span.id).in_(ids))).all())

    @staticmethod
    def touched_spans(action: Action) -> list[int]:
        """Ids of the spans an action (and so its undo or redo) changed."""
        return list(decode(action).touched_spans())

    def span(self, span_id: int) -> Span:
        with self.db.read() as session:
            span = session.get(Span, span_id)
        if span is None:
            raise StoreError(f"no span with id {span_id}")
        return span

    def links(self, doc_id: int, annotator: str, *, include_stale: bool = True) -> list[Link]:
        with self.db.read() as session:
            query = (
                select(Link)
                .join(AnnotationSet, Link.set_id == AnnotationSet.id)
                .where(AnnotationSet.document_id == doc_id, AnnotationSet.annotator == annotator)
                .order_by(Link.id)
            )
            if not include_stale:
                query = query.where(Link.stale == "")
            return list(session.exec(query).all())

    def actions(self, doc_id: int, annotator: str) -> list[Action]:
        with self.db.read() as session:
            return list(
                session.exec(
                    select(Action)
                    .join(AnnotationSet, Action.set_id == AnnotationSet.id)
                    .where(
                        AnnotationSet.document_id == doc_id, AnnotationSet.annotator == annotator
                    )
                    .order_by(Action.id)
                ).all()
            )

    # ----------------------------------------------------------------- helpers
    def _set(self, session: Session, doc_id: int, annotator: str) -> AnnotationSet:
        """The (document, annotator) set, created on first write."""
        if not annotator or not annotator.strip():
            raise StoreError("an annotator name is required")
        self.db.lock_set(session, doc_id, annotator)
        aset = self._find_set(session, doc_id, annotator)
        if aset is None:
            if session.get(Document, doc_id) is None:
                raise StoreError(f"no document with id {doc_id}")
            aset = AnnotationSet(document_id=doc_id, annotator=annotator, status="in_progress")
            session.add(aset)
            session.flush()
        elif aset.status == "todo":
            aset.status = "in_progress"
            aset.updated_at = utcnow()
            session.add(aset)
        return aset

    @staticmethod
    def _find_set(session: Session, doc_id: int, annotator: str) -> AnnotationSet | None:
        return session.exec(
            select(AnnotationSet).where(
                AnnotationSet.document_id == doc_id, AnnotationSet.annotator == annotator
            )
        ).first()

    def _log(self, session: Session, aset: AnnotationSet, entry: LogAction) -> Action:
        kind, payload = encode(entry)
        action = Action(
            set_id=aset.id, annotator=aset.annotator, kind=kind, payload=payload,
            session=self.session_id,
        )
        session.add(action)
        session.flush()
        return action

    @staticmethod
    def _edited_finished_set(session: Session, aset: AnnotationSet) -> None:
        """A finished set gained or changed a span: gold may have a new candidate to review."""
        if aset.status == "done" and aset.annotator != GOLD:
            reopen_if_needed(session, aset.document_id, aset.annotator)

    def _check_link(self, session: Session, head: Span, tail: Span, role: str,
                    ignore_link: int | None = None) -> None:
        if head.set_id != tail.set_id:
            raise StoreError("linked spans must belong to the same document and annotator")
        existing = session.exec(
            select(Link).where(Link.head_id == head.id, Link.stale == "")
        ).all()
        validate_link(self._schema_in(session), head.label, tail.label, role,
                      same_span=head.id == tail.id, tail_key=tail.id,
                      siblings=[(lk.tail_id, lk.role) for lk in existing if lk.id != ignore_link])

    def _owned(self, session: Session, model: type[Span] | type[Link], row_id: int,
               annotator: str) -> tuple[Any, AnnotationSet]:
        """The span or link `row_id` and its set, refused unless `annotator` owns the set."""
        kind = model.__name__.lower()
        row = session.get(model, row_id)
        if row is None:
            raise StoreError(f"no {kind} with id {row_id}")
        aset = session.get(AnnotationSet, row.set_id)
        assert aset is not None
        if aset.annotator != annotator:
            raise StoreError(f"{kind} {row_id} belongs to {aset.annotator!r}, not {annotator!r}")
        if self.db.lock_set(session, aset.document_id, annotator):
            # Another writer of this set may have changed the row while we waited.
            row = session.get(model, row_id, populate_existing=True)
            if row is None:
                raise StoreError(f"no {kind} with id {row_id}")
            session.refresh(aset)
        return row, aset

    def _span_in_set(self, session: Session, span_id: int,
                     annotator: str) -> tuple[Span, AnnotationSet]:
        return self._owned(session, Span, span_id, annotator)

    def _link_in_set(self, session: Session, link_id: int,
                     annotator: str) -> tuple[Link, AnnotationSet]:
        return self._owned(session, Link, link_id, annotator)

    # ----------------------------------------------------------------- span writes
    # Each public write is `run_write` around one private `_name(session, ...)` function, so a
    # caller that must make several changes at once (a review decision) composes the private
    # ones inside a single transaction.
    def add_span(self, doc_id: int, annotator: str, label: str, start: int, end: int, *,
                 text: str | None = None, attributes: dict[str, Any] | None = None,
                 fragments: Sequence[tuple[int, int]] | None = None) -> Span:
        """A new span; `fragments` (2+ pieces, outer bounds = start/end) makes it
        discontinuous. Pieces that touch, or are apart only by line breaks, are one piece."""
        return self.db.run_write(lambda session: self._add_span(
            session, doc_id, annotator, label, start, end, text=text, attributes=attributes,
            fragments=fragments))

    def _add_span(self, session: Session, doc_id: int, annotator: str, label: str, start: int,
                  end: int, *, text: str | None = None,
                  attributes: dict[str, Any] | None = None, log: bool = True,
                  fragments: Sequence[tuple[int, int]] | None = None) -> Span:
        schema = self._schema_in(session)
        doc_text = self.document_text(session, doc_id)
        parts = frag.join_line_breaks(doc_text, fragments) if fragments else ((start, end),)
        layer, covered, attrs = validate_span(
            schema, doc_id, doc_text, label, start, end,
            text=text, attributes=attributes, fragments=parts)
        aset = self._set(session, doc_id, annotator)
        stored = frag.encode(parts)
        dup = session.exec(
            select(Span.id).where(Span.set_id == aset.id, Span.start == start,
                                  Span.end == end, Span.label == label,
                                  Span.fragments == stored if stored is not None
                                  else col(Span.fragments).is_(None))
        ).first()
        if dup is not None:
            raise StoreError(f"{covered!r} is already labelled {label}")
        span = Span(
            set_id=aset.id, document_id=doc_id, layer=layer, label=label, start=start,
            end=end, text=covered, attributes=json.dumps(attrs, sort_keys=True,
                                                         ensure_ascii=False),
            schema_id=self.schema_id, fragments=stored,
        )
        session.add(span)
        session.flush()
        if log:
            self._log(session, aset, AddSpan(row_of(span, SPAN_FIELDS)))
        self._edited_finished_set(session, aset)
        return span

    def remove_span(self, span_id: int, annotator: str) -> list[int]:
        """Remove a span and, explicitly, every link that touches it; returns the link ids."""
        return self.db.run_write(lambda session: self._remove_span(session, span_id, annotator))

    def _remove_span(self, session: Session, span_id: int, annotator: str) -> list[int]:
        span, aset = self._span_in_set(session, span_id, annotator)
        links = session.exec(
            select(Link).where((Link.head_id == span_id) | (Link.tail_id == span_id))
        ).all()
        entry = RemoveSpan(row_of(span, SPAN_FIELDS),
                           tuple(row_of(link, LINK_FIELDS) for link in links))
        for link in links:
            self.db.backend.delete_row(session, link)
        self.db.backend.delete_row(session, span)
        self._log(session, aset, entry)
        return [int(link.id) for link in links]  # type: ignore[arg-type]

    def relabel_span(self, span_id: int, annotator: str, label: str) -> Span:
        """Change a span's label; links the new label cannot take are refused, not dropped."""
        return self.db.run_write(
            lambda session: self._relabel_span(session, span_id, annotator, label))

    def _relabel_span(self, session: Session, span_id: int, annotator: str, label: str) -> Span:
        schema = self._schema_in(session)
        layer = check_label(schema, label)
        span, aset = self._span_in_set(session, span_id, annotator)
        if span.label == label:
            raise StoreError(f"the span is already labelled {label}")
        old = {"label": span.label, "layer": span.layer, "attributes": span.attributes,
               "schema_id": span.schema_id, "stale": span.stale}
        attrs = json.loads(span.attributes or "{}")
        spec = schema.label(label)
        assert spec is not None
        kept = {a.name for a in spec.attributes}
        attrs = {k: v for k, v in attrs.items() if k in kept}
        span.label, span.layer = label, layer
        span.attributes = json.dumps(attrs, sort_keys=True, ensure_ascii=False)
        span.schema_id, span.stale = self.schema_id, ""
        session.add(span)
        session.flush()
        links = session.exec(
            select(Link).where((Link.head_id == span_id) | (Link.tail_id == span_id))
        ).all()
        for link in links:
            head = session.get(Span, link.head_id)
            tail = session.get(Span, link.tail_id)
            assert head is not None and tail is not None
            try:
                self._check_link(session, head, tail, link.role, ignore_link=link.id)
            except StoreError as exc:
                raise StoreError(f"cannot relabel to {label}: its {link.role} link would "
                                 f"break ({exc}); remove the link first") from exc
        new = {"label": label, "layer": layer, "attributes": span.attributes,
               "schema_id": self.schema_id, "stale": ""}
        self._log(session, aset, RelabelSpan(span_id, old, new))
        self._edited_finished_set(session, aset)
        return span

    def set_attributes(self, span_id: int, annotator: str, attributes: dict[str, Any]) -> Span:
        """Set (or with value None, clear) attributes of a span, e.g. an attribution's type."""

        def write(session: Session) -> Span:
            schema = self._schema_in(session)
            span, aset = self._span_in_set(session, span_id, annotator)
            check_label(schema, span.label)
            current = json.loads(span.attributes or "{}")
            merged = {**current, **attributes}
            merged = check_attributes(schema, span.label, merged)
            old = span.attributes
            span.attributes = json.dumps(merged, sort_keys=True, ensure_ascii=False)
            session.add(span)
            self._log(session, aset, SetAttributes(span_id, old, span.attributes))
            return span

        return self.db.run_write(write)

    # ----------------------------------------------------------------- fragments
    def add_fragment(self, span_id: int, annotator: str, start: int, end: int) -> Span:
        """Add `start`-`end` as one more piece of a span (a split quote's second half, say).

        A piece touching an existing one (or apart from it only by line breaks) extends it;
        one overlapping an existing piece is refused. The span is re-checked as a whole by
        `validate_span`.
        """

        def write(session: Session) -> Span:
            span, aset = self._span_in_set(session, span_id, annotator)
            parts = frag.parts_of(span)
            if any(a < end and start < b for a, b in parts):
                raise StoreError(f"{start}-{end} overlaps a fragment the span already has")
            new_parts = frag.join_line_breaks(
                self.document_text(session, span.document_id), [*parts, (start, end)])
            return self._set_parts(session, span, aset, new_parts, AddFragment)

        return self.db.run_write(write)

    def remove_fragment(self, span_id: int, annotator: str, offset: int) -> Span:
        """Remove the piece of a span that holds the character at `offset`; the last piece of
        a span cannot go (remove the span instead)."""

        def write(session: Session) -> Span:
            span, aset = self._span_in_set(session, span_id, annotator)
            parts = frag.parts_of(span)
            if len(parts) < 2:
                raise StoreError(f"{span.label} {span.text[:40]!r} has one fragment; delete the "
                                 "span instead")
            kept = tuple(p for p in parts if not p[0] <= offset < p[1])
            if len(kept) == len(parts):
                raise StoreError(f"offset {offset} is in no fragment of {span.label}")
            return self._set_parts(session, span, aset, kept, RemoveFragment)

        return self.db.run_write(write)

    def _set_parts(self, session: Session, span: Span, aset: AnnotationSet,
                   parts: Sequence[tuple[int, int]], edit: type[FieldEdit]) -> Span:
        """Give `span` these pieces (validated as a new span would be) and log the change."""
        start, end = parts[0][0], parts[-1][1]
        _, covered, _ = validate_span(
            self._schema_in(session), span.document_id,
            self.document_text(session, span.document_id),
            span.label, start, end, attributes=json.loads(span.attributes or "{}"),
            fragments=parts)
        old = {"start": span.start, "end": span.end, "text": span.text,
               "fragments": span.fragments}
        new = {"start": start, "end": end, "text": covered, "fragments": frag.encode(parts)}
        for key, value in new.items():
            setattr(span, key, value)
        session.add(span)
        session.flush()
        self._log(session, aset, edit(int(span.id), old, new))  # type: ignore[arg-type]
        self._edited_finished_set(session, aset)
        return span

    # ----------------------------------------------------------------- link writes
    def add_link(self, head_id: int, tail_id: int, role: str, annotator: str) -> Link:
        return self.db.run_write(
            lambda session: self._add_link(session, head_id, tail_id, role, annotator))

    def _add_link(self, session: Session, head_id: int, tail_id: int, role: str,
                  annotator: str) -> Link:
        head, aset = self._span_in_set(session, head_id, annotator)
        tail, _ = self._span_in_set(session, tail_id, annotator)
        self._check_link(session, head, tail, role)
        link = Link(set_id=aset.id, head_id=head_id, tail_id=tail_id, role=role,
                    schema_id=self.schema_id)
        session.add(link)
        session.flush()
        self._log(session, aset, AddLink(row_of(link, LINK_FIELDS)))
        return link

    def add_span_and_link(self, doc_id: int, annotator: str, label: str, start: int, end: int,
                          head_id: int, role: str, *,
                          attributes: dict[str, Any] | None = None) -> tuple[Span, Link]:
        """Label ``[start, end)`` and join it to ``head_id`` by ``role``: one transaction and
        one undo step (an argument or attribution part made with one key while linking).

        Logged as an ``add_span`` whose payload also holds the link, so undo removes both and
        redo restores both under their ids; any refusal (label, offsets, role) writes nothing.
        """
        def write(session: Session) -> tuple[Span, Link]:
            head, aset = self._span_in_set(session, head_id, annotator)
            if head.document_id != doc_id:
                raise StoreError("linked spans must belong to the same document and annotator")
            span = self._add_span(session, doc_id, annotator, label, start, end,
                                  attributes=attributes, log=False)
            self._check_link(session, head, span, role)
            link = Link(set_id=aset.id, head_id=head_id, tail_id=span.id, role=role,
                        schema_id=self.schema_id)
            session.add(link)
            session.flush()
            self._log(session, aset, AddSpan(row_of(span, SPAN_FIELDS),
                                             (row_of(link, LINK_FIELDS),)))
            return span, link

        return self.db.run_write(write)

    def remove_link(self, link_id: int, annotator: str) -> None:
        def write(session: Session) -> None:
            link, aset = self._link_in_set(session, link_id, annotator)
            entry = RemoveLink(row_of(link, LINK_FIELDS))
            self.db.backend.delete_row(session, link)
            self._log(session, aset, entry)

        self.db.run_write(write)

    def set_role(self, link_id: int, annotator: str, role: str) -> Link:
        """Re-role an event argument (e.g. Target -> Victim) under the schema's constraints."""

        def write(session: Session) -> Link:
            link, aset = self._link_in_set(session, link_id, annotator)
            head = session.get(Span, link.head_id)
            tail = session.get(Span, link.tail_id)
            assert head is not None and tail is not None
            self._check_link(session, head, tail, role, ignore_link=link.id)
            old = link.role
            link.role = role
            session.add(link)
            self._log(session, aset, SetRole(link_id, old, role))
            return link

        return self.db.run_write(write)

    # ----------------------------------------------------------------- status
    # ----------------------------------------------------------------- review after a correction
    def confirm_review(self, span_id: int, annotator: str) -> Span:
        """Accept the place a correction moved this span to (projects.docversions)."""

        def write(session: Session) -> Span:
            span, aset = self._span_in_set(session, span_id, annotator)
            if not span.needs_review:
                raise StoreError(f"span {span_id} does not need review")
            if span.start == span.end:
                raise StoreError(f"the text of span {span_id} ({span.review_old_text!r}) was "
                                 "deleted in the corrected article: re-select its place or "
                                 "remove it")
            old = {k: getattr(span, k) for k in REVIEW_FIELDS}
            span.needs_review, span.review_reason, span.review_old_text = False, "", None
            session.add(span)
            new = {k: getattr(span, k) for k in REVIEW_FIELDS}
            self._log(session, aset, ConfirmReview(span_id, old, new))
            return span

        return self.db.run_write(write)

    def reselect_span(self, span_id: int, annotator: str, start: int, end: int, *,
                      fragments: Sequence[tuple[int, int]] | None = None) -> Span:
        """Give a span that needs review its place in the corrected text, by hand; its label,
        attributes and links stay, and it no longer needs review."""

        def write(session: Session) -> Span:
            span, aset = self._span_in_set(session, span_id, annotator)
            doc_text = self.document_text(session, span.document_id)
            parts = (frag.join_line_breaks(doc_text, fragments) if fragments
                     else ((start, end),))
            _layer, covered, _attrs = validate_span(
                self._schema_in(session), span.document_id, doc_text, span.label,
                parts[0][0], parts[-1][1], attributes=json.loads(span.attributes or "{}"),
                fragments=parts)
            old = {k: getattr(span, k) for k in REVIEW_FIELDS}
            span.start, span.end, span.text = parts[0][0], parts[-1][1], covered
            span.fragments = frag.encode(parts)
            span.needs_review, span.review_reason, span.review_old_text = False, "", None
            session.add(span)
            new = {k: getattr(span, k) for k in REVIEW_FIELDS}
            self._log(session, aset, ReselectSpan(span_id, old, new))
            return span

        return self.db.run_write(write)

    def set_status(self, doc_id: int, annotator: str, status: str,
                   comment: str | None = None) -> AnnotationSet:
        if status not in STATUSES:
            raise StoreError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
        return self.db.run_write(
            lambda session: self._set_status(session, doc_id, annotator, status, comment))

    def _set_status(self, session: Session, doc_id: int, annotator: str, status: str,
                    comment: str | None = None) -> AnnotationSet:
        aset = self._set(session, doc_id, annotator)
        old = {"status": aset.status, "comment": aset.comment}
        aset.status = status
        if comment is not None:
            aset.comment = comment
        aset.updated_at = utcnow()
        session.add(aset)
        self._log(session, aset, SetStatus(old, {"status": status, "comment": aset.comment}))
        if old["status"] != "done":
            self._edited_finished_set(session, aset)
        return aset

    # ----------------------------------------------------------------- undo / redo
    def _visible(self, action: Action) -> bool:
        """Whether this running app's undo sees `action`: its own edits, anything made before
        it opened, and rows with no session (0.1 edits, project-wide schema barriers)."""
        return (action.session is None or action.session == self.session_id
                or int(action.id or 0) <= self.horizon)

    def _history(self, session: Session, set_id: int) -> tuple[_History, dict[int, Action]]:
        """Rebuild this app's undo and redo stacks by replaying the set's log.

        Another app's edits made since this one opened (the same annotator in a second
        terminal) are not on this app's stacks, as each editor window has its own history.
        """
        history = _History()
        by_id: dict[int, Action] = {}
        for action in session.exec(
            select(Action).where(Action.set_id == set_id).order_by(Action.id)
        ).all():
            if not self._visible(action):
                continue
            by_id[int(action.id)] = action  # type: ignore[arg-type]
            effect = history_of(action.kind)  # the kind's class says; no payload is parsed
            if effect == "edit":
                history.undo.append(int(action.id))  # type: ignore[arg-type]
                history.redo.clear()
            elif effect == "undo" and history.undo:
                history.redo.append(history.undo.pop())
            elif effect == "redo" and history.redo:
                history.undo.append(history.redo.pop())
            elif effect == "barrier":
                # A schema apply/undo, an import, a corrected text: undo never steps back
                # over it (projects.actions says why for each).
                history.undo.clear()
                history.redo.clear()
        return history, by_id

    def can_undo(self, doc_id: int, annotator: str) -> tuple[bool, bool]:
        """(can undo, can redo) for this document and annotator."""
        with self.db.read() as session:
            aset = self._find_set(session, doc_id, annotator)
            if aset is None:
                return False, False
            history, _ = self._history(session, int(aset.id))  # type: ignore[arg-type]
            return bool(history.undo), bool(history.redo)

    def undo(self, doc_id: int, annotator: str) -> Action | None:
        """Revert this app's newest edit not yet undone; returns it, or None when none."""
        return self._step(doc_id, annotator, redo=False)

    def redo(self, doc_id: int, annotator: str) -> Action | None:
        return self._step(doc_id, annotator, redo=True)

    def _step(self, doc_id: int, annotator: str, *, redo: bool) -> Action | None:
        def write(session: Session) -> Action | None:
            self.db.lock_set(session, doc_id, annotator)
            aset = self._find_set(session, doc_id, annotator)
            if aset is None:
                return None
            history, by_id = self._history(session, int(aset.id))  # type: ignore[arg-type]
            stack = history.redo if redo else history.undo
            if not stack:
                return None
            target = by_id[stack[-1]]
            self._apply(session, target, forward=redo)
            step = (Redo if redo else Undo)(int(target.id), target.kind)  # type: ignore[arg-type]
            self._log(session, aset, step)
            self._edited_finished_set(session, aset)
            return target

        return self.db.run_write(write)

    def _apply(self, session: Session, action: Action, *, forward: bool) -> None:
        """Replay (`forward`) or revert an action, restoring rows under their original ids.

        A row that is not where the action left it (changed in another window since) stops
        the step with a StoreError; nothing is written then.
        """
        decode(action).apply(Replay(session, self.db.backend.delete_row, forward=forward))

    # ----------------------------------------------------------------- stats
    def status_counts(self) -> dict[str, dict[str, int]]:
        """annotator -> status -> documents."""
        with self.db.read() as session:
            rows = session.exec(
                select(AnnotationSet.annotator, AnnotationSet.status, func.count())
                .group_by(AnnotationSet.annotator, AnnotationSet.status)
            ).all()
        out: dict[str, dict[str, int]] = {}
        for annotator, status, count in rows:
            out.setdefault(annotator, {})[status] = int(count)
        return out

    def label_counts(self) -> dict[tuple[str, str], int]:
        """(layer, label) -> spans, stale spans excluded."""
        with self.db.read() as session:
            rows = session.exec(
                select(Span.layer, Span.label, func.count())
                .where(Span.stale == "")
                .group_by(Span.layer, Span.label)
            ).all()
        return {(layer, label): int(n) for layer, label, n in rows}

    # ----------------------------------------------------------------- unit of work
    def write(self, fn: Callable[[StoreTransaction], _T], *, exclusive: bool = False) -> _T:
        """Run ``fn`` in one write transaction (see StoreTransaction), retried on a passing
        conflict; ``exclusive`` keeps every set writer out (project-wide work)."""
        return self.db.run_write(lambda session: fn(StoreTransaction(self, session)),
                                 exclusive=exclusive)

    def tx(self, session: Session) -> StoreTransaction:
        """The unit of work of a write transaction the caller already runs (the ``session`` of
        ``store.db.run_write(fn)``), for functions that compose their own reads with edits."""
        return StoreTransaction(self, session)

    @contextmanager
    def transaction(self) -> Iterator[StoreTransaction]:
        """``with store.transaction() as tx:`` one write transaction, run once: committed at
        the end of the block, rolled back if it raises."""
        try:
            with self.db.write() as session:
                yield StoreTransaction(self, session)
        except SQLAlchemyError as exc:
            raise self.db.error_of(exc) from exc

    def close(self) -> None:
        self.db.close()


class StoreTransaction:
    """One write transaction on the store: the public unit of work for multi-step writes.

    Review decisions, suggestion decisions and bulk imports compose several edits that must
    commit together or not at all (a crash leaves whole decisions only). They get a
    transaction from ``Store.write(fn)`` (re-run from scratch on a passing conflict, so ``fn``
    must have no effect outside the database) or ``with store.transaction() as tx:`` (run
    once), and edit through its methods, which apply the same checks, logging and gold reopen
    as the store's one-step methods. ``session`` is there for reads of their own.
    """

    def __init__(self, store: Store, session: Session) -> None:
        self.store = store
        self.session = session

    def schema(self) -> Schema:
        """The project's current schema, as recorded in the database (checked by its hash)."""
        return self.store._schema_in(self.session)

    def document_text(self, doc_id: int) -> str:
        return self.store.document_text(self.session, doc_id)

    def annotation_set(self, doc_id: int, annotator: str) -> AnnotationSet:
        """The (document, annotator) set, created on first write and locked for this write."""
        return self.store._set(self.session, doc_id, annotator)

    def add_span(self, doc_id: int, annotator: str, label: str, start: int, end: int, *,
                 text: str | None = None, attributes: dict[str, Any] | None = None,
                 fragments: Sequence[tuple[int, int]] | None = None, log: bool = True
                 ) -> Span:
        return self.store._add_span(self.session, doc_id, annotator, label, start, end,
                                    text=text, attributes=attributes, fragments=fragments,
                                    log=log)

    def remove_span(self, span_id: int, annotator: str) -> list[int]:
        """Remove a span and its links; returns the ids of the links removed with it."""
        return self.store._remove_span(self.session, span_id, annotator)

    def add_link(self, head_id: int, tail_id: int, role: str, annotator: str) -> Link:
        return self.store._add_link(self.session, head_id, tail_id, role, annotator)

    def set_status(self, doc_id: int, annotator: str, status: str,
                   comment: str | None = None) -> AnnotationSet:
        if status not in STATUSES:
            raise StoreError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
        return self.store._set_status(self.session, doc_id, annotator, status, comment)

    def log(self, aset: AnnotationSet, entry: LogAction) -> Action:
        """Append one action (a projects.actions class) to the set's history (what undo and
        provenance read)."""
        return self.store._log(self.session, aset, entry)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A part that may fail alone (a refused link) without undoing the rest."""
        with self.session.begin_nested():
            yield
