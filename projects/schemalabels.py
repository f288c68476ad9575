"""A span's label is in its schema, and the database itself says so (issue 24).

The store checks every label against the project's schema before it writes, but a row typed
into `psql` by an annotator (or by a bug) skips the store. So every schema snapshot's labels
are also rows of `schema_label` (snapshot, layer, name), written when the snapshot is recorded
(only the lead's paths record snapshots: annotators hold no INSERT on schema tables), and the
database refuses a span whose (schema_id, layer, label) is not one of them:

- PostgreSQL: a composite foreign key `span (schema_id, layer, label) -> schema_label`, MATCH
  FULL (a span must name its snapshot), NOT VALID (rows from before are not re-checked).
- SQLite: two triggers doing the same check on INSERT and on an UPDATE that changes one of the
  three columns (SQLite cannot add a foreign key to an existing table without rebuilding it).

The check is against the snapshot the span names, which is the one it was made (or last
relabelled) under, and only when a row is written: a label a later schema removed leaves its
old spans valid (they stay, marked stale by `schema apply`, never silently dropped), and a
row that was already there is never refused after the fact (export skips and names it).
"""

from __future__ import annotations

from sqlalchemy import insert, text
from sqlalchemy.engine import Connection
from sqlmodel import Session

from copydesk.projects.errors import StoreError
from copydesk.projects.models import SchemaLabel
from copydesk.schema import Schema

SQLITE_CHECK = """
CREATE TRIGGER IF NOT EXISTS span_label_in_schema_insert BEFORE INSERT ON span
WHEN NOT EXISTS (SELECT 1 FROM schema_label WHERE snapshot_id = NEW.schema_id
                 AND layer = NEW.layer AND name = NEW.label)
BEGIN
  SELECT RAISE(ABORT, 'span label is not in its schema snapshot (schema_label)');
END;
CREATE TRIGGER IF NOT EXISTS span_label_in_schema_update
BEFORE UPDATE OF schema_id, layer, label ON span
WHEN (NEW.schema_id IS NOT OLD.schema_id OR NEW.layer IS NOT OLD.layer
      OR NEW.label IS NOT OLD.label)
  AND NOT EXISTS (SELECT 1 FROM schema_label WHERE snapshot_id = NEW.schema_id
                  AND layer = NEW.layer AND name = NEW.label)
BEGIN
  SELECT RAISE(ABORT, 'span label is not in its schema snapshot (schema_label)');
END;
"""

POSTGRES_CHECK = """
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'span_label_in_schema') THEN
    ALTER TABLE span ADD CONSTRAINT span_label_in_schema
      FOREIGN KEY (schema_id, layer, label) REFERENCES schema_label (snapshot_id, layer, name)
      MATCH FULL NOT VALID;
  END IF;
END $$;
"""


def label_rows(snapshot_id: int, schema: Schema) -> list[dict[str, object]]:
    """The `schema_label` rows of one snapshot: every label of every layer, retired ones
    included (a span keeps a label that was merged away until an apply relabels it)."""
    return [{"snapshot_id": snapshot_id, "layer": label.layer, "name": label.name}
            for label in schema.labels]


def record_labels(session: Session | Connection, snapshot_id: int, schema: Schema) -> None:
    """Store a newly recorded snapshot's labels (in the transaction that recorded it)."""
    rows = label_rows(snapshot_id, schema)
    if rows:
        conn = session.connection() if isinstance(session, Session) else session
        conn.execute(insert(SchemaLabel), rows)


def install_check(conn: Connection) -> None:
    """Create the database's label check (idempotent): run on a new database and after every
    layout upgrade (Backend.after_create), and by revision 0010."""
    if conn.dialect.name == "sqlite":
        for statement in SQLITE_CHECK.split("END;"):
            if statement.strip():
                conn.exec_driver_sql(statement + "END;")
    elif conn.dialect.name == "postgresql":
        conn.execute(text(POSTGRES_CHECK))


UNCHECKED = """
SELECT s.id, s.set_id, s.layer, s.label, s.schema_id FROM span s
WHERE NOT EXISTS (SELECT 1 FROM schema_label l WHERE l.snapshot_id = s.schema_id
                  AND l.layer = s.layer AND l.name = s.label)
ORDER BY s.id
"""


def refuse_unchecked_rows(conn: Connection, where: str) -> None:
    """Refuse, naming the rows, a database holding spans its own label check would refuse:
    rows typed in by hand before revision 0010 stay where they are (export skips and names
    them), but a copy cannot carry them into a database that checks every row it is given."""
    rows = conn.execute(text(UNCHECKED)).fetchmany(4)
    if not rows:
        return
    named = ", ".join(f"span {r.id} ({r.layer} {r.label!r}, set {r.set_id}, snapshot "
                      f"{r.schema_id})" for r in rows[:3])
    more = " and more" if len(rows) > 3 else ""
    raise StoreError(f"{where}: {named}{more} name a label their schema snapshot lacks (typed "
                     "in by hand: copydesk never writes one), and the copy's label check "
                     "refuses them; delete or relabel them in the source, then copy again")
