"""A span's label is checked by the database; an edit is never saved twice (issue 24).

Revision ID: 0010
Revises: 0009

Both engines:
- `schema_label (snapshot_id, layer, name)`, the labels of every schema snapshot, filled here
  for the snapshots already stored (each one's text is checked against its sha256 and parsed;
  a snapshot that is altered or no longer parses gets no rows, and the spans under it stay as
  they are). New snapshots get theirs when they are recorded (projects.schemalabels).
- The check that a span's (schema_id, layer, label) is one of those rows, on every insert and
  on every update of those three columns: a composite foreign key on PostgreSQL (MATCH FULL,
  NOT VALID: rows already there are not re-checked), two triggers on SQLite. Existing rows are
  never refused after the fact: a label a later schema removed stays valid under the snapshot
  its span names, and a row typed in by hand before this revision is left for export to skip
  and name.
- `action.client_key` with a unique index: the key the app gave a queued edit, so a retry of an
  edit whose commit went through but whose acknowledgement was lost is not saved again.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

from copydesk.projects.schemalabels import install_check
from copydesk.schema import SchemaError, parse_schema

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _backfill(conn: sa.engine.Connection) -> None:
    snapshots = conn.execute(sa.text("SELECT id, sha256, text FROM schema_snapshot")).all()
    rows: list[dict[str, object]] = []
    for snapshot_id, sha256, body in snapshots:
        if hashlib.sha256(str(body).encode("utf-8")).hexdigest() != sha256:
            continue  # altered outside copydesk: refused wherever it is read anyway
        try:
            schema = parse_schema(str(body), f"schema snapshot {snapshot_id}")
        except SchemaError:
            continue
        rows.extend({"snapshot_id": int(snapshot_id), "layer": label.layer, "name": label.name}
                    for label in schema.labels)
    if rows:
        conn.execute(sa.text("INSERT INTO schema_label (snapshot_id, layer, name) "
                             "VALUES (:snapshot_id, :layer, :name)"), rows)


def upgrade() -> None:
    op.create_table(
        "schema_label",
        sa.Column("snapshot_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
                  sa.ForeignKey("schema_snapshot.id"), nullable=False),
        sa.Column("layer", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("snapshot_id", "layer", "name"),
    )
    conn = op.get_bind()
    _backfill(conn)
    with op.batch_alter_table("action") as batch:
        batch.add_column(sa.Column("client_key", sa.String(), nullable=True))
    op.create_index("ux_action_client_key", "action", ["client_key"], unique=True)
    install_check(conn)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS span_label_in_schema_insert")
        op.execute("DROP TRIGGER IF EXISTS span_label_in_schema_update")
    else:
        op.execute("ALTER TABLE span DROP CONSTRAINT IF EXISTS span_label_in_schema")
    op.drop_index("ux_action_client_key", table_name="action")
    with op.batch_alter_table("action") as batch:
        batch.drop_column("client_key")
    op.drop_table("schema_label")
