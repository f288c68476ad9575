"""SQLModel tables: the data that must never be lost or wrong.

Span and link ids use SQLite AUTOINCREMENT so an id is never reused: undo re-inserts a removed
row under its old id, and another annotator's new row must not have taken it meanwhile. (On
PostgreSQL the same columns are SERIAL; a sequence never hands an id out twice either, and
`copydesk db copy` carries the counters over: projects.backends.Backend.last_ids.)
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint, false
from sqlmodel import Field, SQLModel

STATUSES: tuple[str, ...] = ("todo", "in_progress", "done", "skipped", "flagged")


def utcnow() -> str:
    """ISO-8601 UTC with milliseconds: sortable as text, readable in any SQLite shell."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Document(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    external_id: str | None = Field(default=None, index=True)
    title: str = ""
    text: str = Field(sa_column=Column(Text, nullable=False))
    content_hash: str = Field(unique=True, index=True)
    source: str = ""
    meta: str = "{}"
    created_at: str = Field(default_factory=utcnow)
    # The text above is the current version; earlier texts are DocumentVersion rows
    # (projects.docversions). `version_at` is when this version became current (NULL: at import).
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    version_at: str | None = Field(default=None)


class DocumentVersion(SQLModel, table=True):
    """An earlier text of a corrected document, kept so nothing an annotator saw is lost.

    Only previous versions are rows here: the current one is the document's own text, so a
    project that never corrects an article stores each text once.
    """

    __tablename__ = "document_version"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    number: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    content_hash: str = Field(index=True)
    source: str = ""
    created_at: str  # when this version became current
    replaced_at: str = Field(default_factory=utcnow)
    replaced_by: str = ""


class SchemaSnapshot(SQLModel, table=True):
    __tablename__ = "schema_snapshot"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    version: str
    sha256: str = Field(unique=True, index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: str = Field(default_factory=utcnow)


class SchemaLabel(SQLModel, table=True):
    """One label of one schema snapshot, as rows the database can check spans against.

    Written with the snapshot (by the lead's paths only) and never changed: a span's
    (schema_id, layer, label) must be one of these (projects.schemalabels).
    """

    __tablename__ = "schema_label"

    snapshot_id: int = Field(foreign_key="schema_snapshot.id", primary_key=True)
    layer: str = Field(primary_key=True)
    name: str = Field(primary_key=True)


class CurrentSchema(SQLModel, table=True):
    """The project's schema: one row pointing at the snapshot every write is checked against.

    The database, not `schema.yaml`, is the source of truth: `schema apply`/`undo` move this
    pointer inside their write transaction, every span or link write reads it inside its own,
    and the file is rewritten from the snapshot (see `projects.project.Project.open`).
    """

    __tablename__ = "current_schema"

    id: int = Field(default=1, primary_key=True)
    snapshot_id: int = Field(foreign_key="schema_snapshot.id")
    updated_at: str = Field(default_factory=utcnow)


class AnnotationSet(SQLModel, table=True):
    """One annotator's work on one document."""

    __tablename__ = "annotation_set"
    __table_args__ = (UniqueConstraint("document_id", "annotator"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    annotator: str = Field(index=True)
    status: str = "todo"
    comment: str = ""
    created_at: str = Field(default_factory=utcnow)
    updated_at: str = Field(default_factory=utcnow)


class Span(SQLModel, table=True):
    __table_args__ = (
        Index("ix_span_set_start", "set_id", "start"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    set_id: int = Field(foreign_key="annotation_set.id")
    document_id: int = Field(foreign_key="document.id", index=True)
    layer: str
    label: str = Field(index=True)
    start: int
    end: int
    text: str
    attributes: str = "{}"
    schema_id: int | None = Field(default=None, foreign_key="schema_snapshot.id")
    stale: str = ""
    created_at: str = Field(default_factory=utcnow)
    # A discontinuous span's pieces as JSON `[[start, end], ...]` (2+ pieces, sorted, apart);
    # None for the common one-piece span. `start`/`end` are then the outer bounds and `text`
    # the pieces' texts joined by a space, as brat joins them (see projects.fragments).
    fragments: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Set when a corrected text moved the span to a best guess ("edited") or deleted its text
    # ("removed": an empty span where the text was); cleared when an annotator confirms or
    # re-selects it. `review_old_text` is the span's text before the correction.
    needs_review: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    review_reason: str = Field(default="", sa_column_kwargs={"server_default": ""})
    review_old_text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Link(SQLModel, table=True):
    """head -> tail with a role: an event argument, or an attribution's source/cue part."""

    __table_args__ = ({"sqlite_autoincrement": True},)

    id: int | None = Field(default=None, primary_key=True)
    set_id: int = Field(foreign_key="annotation_set.id", index=True)
    head_id: int = Field(foreign_key="span.id", index=True)
    tail_id: int = Field(foreign_key="span.id", index=True)
    role: str
    schema_id: int | None = Field(default=None, foreign_key="schema_snapshot.id")
    stale: str = ""
    created_at: str = Field(default_factory=utcnow)


class Assignment(SQLModel, table=True):
    """A lead's decision that `annotator` should annotate `document_id` (see projects.assign).

    Kept apart from AnnotationSet: an assignment is a plan, a set is work, and re-planning must
    never touch work already done.
    """

    __table_args__ = (UniqueConstraint("document_id", "annotator"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    annotator: str = Field(index=True)
    assigned_by: str = ""
    created_at: str = Field(default_factory=utcnow)


class Action(SQLModel, table=True):
    """Append-only log of every edit; undo and redo are themselves appended, never rewritten."""

    __table_args__ = (Index("ix_action_set", "set_id", "id"),
                      Index("ux_action_client_key", "client_key", unique=True))

    id: int | None = Field(default=None, primary_key=True)
    set_id: int | None = Field(default=None, foreign_key="annotation_set.id")
    annotator: str
    at: str = Field(default_factory=utcnow)
    kind: str
    payload: str = "{}"
    # The running app (one Store) that made the edit: undo is per running app, as in an editor,
    # so one annotator in two terminals does not undo the other terminal's edits. NULL for
    # actions written before 0.2 (layout 0002): those stay undoable by any later session.
    session: str | None = Field(default=None)
    # Who wrote the entry, as the database knows them: on PostgreSQL the role that inserted
    # the row (set by a trigger, whatever the client sent; projects.security). NULL on SQLite,
    # which has no roles, and for entries written before layout 0009.
    author: str | None = Field(default=None)
    # The key the app gave the edit when it queued it (tui.app.writes): a retry of an edit whose
    # commit succeeded but whose acknowledgement was lost finds it here and is not saved
    # twice (unique). NULL for entries written without a key, and before layout 0010.
    client_key: str | None = Field(default=None)


class SuggestionDecision(SQLModel, table=True):
    """An annotator's decision on a machine suggestion (see projects.suggest.decisions).

    Keyed by what was suggested (source, label, offsets), not by the suggestion's row id:
    `copydesk suggest` may rewrite a source's rows, and a rejection must outlive that. The newest
    row for a key is the decision in force; undo deletes the row it added. `span_id` is the
    annotator's span made (or reused) by an accept: it carries the span's provenance to exports.
    """

    __tablename__ = "suggestion_decision"
    __table_args__ = (
        Index("ix_suggestion_decision_doc", "document_id", "annotator"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id")
    annotator: str
    source: str
    layer: str
    label: str
    start: int
    end: int
    decision: str  # "accepted" | "rejected"
    span_id: int | None = Field(default=None, index=True)
    at: str = Field(default_factory=utcnow)


class DocumentUncertainty(SQLModel, table=True):
    """How unsure a suggestion model was about a document (0 = certain), per source: the queue
    sorts by it so the team annotates first what teaches the model most (active learning).
    Rewritten by every `copydesk suggest --model` run; never part of anybody's annotations."""

    __tablename__ = "document_uncertainty"

    document_id: int = Field(foreign_key="document.id", primary_key=True)
    source: str = Field(primary_key=True)
    value: float
    updated_at: str = Field(default_factory=utcnow)
