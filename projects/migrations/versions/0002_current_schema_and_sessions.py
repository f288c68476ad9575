"""The schema pointer (`current_schema`) and per-app undo (`action.session`).

Revision ID: 0002
Revises: 0001

`current_schema` holds one row naming the snapshot the project's writes are checked against; an
upgraded project has none until it is opened, when `Project.open` records the schema its
`schema.yaml` holds (the file was the only record before). `action.session` names the running app
that made an edit; rows from before stay NULL and remain undoable by any later app.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "current_schema",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("snapshot_id", sa.Integer(), sa.ForeignKey("schema_snapshot.id"),
                  nullable=False),
        sa.Column("updated_at", sa.String(), nullable=False),
    )
    with op.batch_alter_table("action") as batch:
        batch.add_column(sa.Column("session", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("action") as batch:
        batch.drop_column("session")
    op.drop_table("current_schema")
