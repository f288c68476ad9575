"""Discontinuous spans: `span.fragments`, a JSON list of [start, end] pairs.

Revision ID: 0005
Revises: 0004

NULL (every existing row, and every new one-piece span) means one fragment, `start`-`end`; only a
span in two or more pieces stores its fragments, so the common case costs nothing extra.
`start`/`end` stay the outer bounds, so range queries and the `(set_id, start)` index still work.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("span") as batch:
        batch.add_column(sa.Column("fragments", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("span") as batch:
        batch.drop_column("fragments")
