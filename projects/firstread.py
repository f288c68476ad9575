"""What the annotation screen's first frame shows, read with the standard library's `sqlite3`.

`copydesk annotate --doc N` used to open the whole store before drawing anything: importing
SQLAlchemy, SQLModel and the table models alone took about a third of a second, and the
article showed after ~1.3 s. The first frame needs far less: the document's text and title,
this annotator's spans (offsets, label, layer, pieces), the set's status and the project's
schema (label colours and hotkeys). This module reads exactly that from a SQLite project,
read-only, so the screen can be painted first and the full `Store` opened right after.

It steps aside (returns None) for anything but the plain case, and the caller then opens the
project the usual way, which says what is wrong or repairs what it repairs, exactly as before:
a PostgreSQL project, a missing or unreadable database, a layout older or newer than this
release (`migrations.HEAD`: opening would upgrade it), no current schema, a `schema.yaml`
that differs from the database's schema (opening rewrites it or says so), a missing document.
Nothing here writes, and nothing here imports SQLAlchemy (a test checks it).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from copydesk.projects.config import DB_NAME, ProjectConfig
from copydesk.projects.migrations import HEAD
from copydesk.schema import Schema, SchemaError, parse_schema


class FirstSpan(NamedTuple):
    """One of this annotator's spans as the screen draws it (`fragments` as stored: JSON or
    None; `projects.fragments.parts_of` reads it as it reads a `Span` row). A named tuple, not
    a dataclass: made straight from the row, thousands of them cost next to nothing."""

    id: int
    start: int
    end: int
    label: str
    layer: str
    fragments: str | None


@dataclass(frozen=True)
class FirstScreen:
    """One document for one annotator, enough to paint the annotation screen before the store
    is open (see module docstring)."""

    root: Path
    config: ProjectConfig
    schema: Schema
    annotator: str
    doc_id: int
    text: str
    title: str | None
    external_id: str | None
    content_hash: str
    status: str
    spans: tuple[FirstSpan, ...]


def read_first_screen(root: Path, config: ProjectConfig, doc_id: int,
                      annotator: str) -> FirstScreen | None:
    """The first screen's data, or None when the project must be opened the usual way."""
    if config.database is not None:
        return None  # PostgreSQL: the store's own path (it checks roles and permissions)
    path = root / DB_NAME
    if not path.is_file():
        return None
    try:
        # Read-only: this can never create, change or upgrade the file.
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        return _read(con, root, config, doc_id, annotator)
    except (sqlite3.Error, SchemaError, OSError, UnicodeError, ValueError):
        return None  # the usual open will say what is wrong, as it always has
    finally:
        con.close()


def _read(con: sqlite3.Connection, root: Path, config: ProjectConfig, doc_id: int,
          annotator: str) -> FirstScreen | None:
    with con:  # one read transaction: the rows below are one consistent snapshot
        con.execute("BEGIN")
        version = con.execute("SELECT version_num FROM alembic_version").fetchall()
        if version != [(HEAD,)]:
            return None
        snapshot = con.execute(
            "SELECT s.id, s.text FROM current_schema c "
            "JOIN schema_snapshot s ON s.id = c.snapshot_id WHERE c.id = 1").fetchone()
        if snapshot is None:
            return None
        doc = con.execute("SELECT text, title, external_id, content_hash FROM document "
                          "WHERE id = ?", (doc_id,)).fetchone()
        if doc is None:
            return None
        found = con.execute("SELECT id, status FROM annotation_set "
                            "WHERE document_id = ? AND annotator = ?",
                            (doc_id, annotator)).fetchone()
        rows = [] if found is None else con.execute(
            'SELECT id, start, "end", label, layer, fragments FROM span WHERE set_id = ? '
            'ORDER BY start, "end", id', (found[0],)).fetchall()
    snapshot_id, schema_text = snapshot
    try:
        on_disk = (root / config.schema).read_bytes()
    except OSError:
        return None  # missing or unreadable: opening rewrites it and says so
    if on_disk != schema_text.encode("utf-8"):
        return None  # differs: opening repairs it or tells the user what to do
    schema = parse_schema(schema_text, f"{root / DB_NAME} (schema snapshot {snapshot_id})")
    text, title, external_id, content_hash = doc
    return FirstScreen(
        root=root, config=config, schema=schema, annotator=annotator, doc_id=doc_id,
        text=text, title=title,
        external_id=external_id, content_hash=content_hash,
        status=found[1] if found is not None else "todo",
        spans=tuple(map(FirstSpan._make, rows)))
