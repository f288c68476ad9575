"""The team server holds against its own annotators (issue 24): PostgreSQL only.

Revision ID: 0009
Revises: 0008

Both engines: `action.author`, who wrote a log entry (NULL on SQLite, which has no roles, and
for older entries). On PostgreSQL the rest is done by `projects.security.install`, which
runs after every upgrade (and on every new database), idempotently: 64-bit identity ids with no
sequence rights for anyone, a link's spans bound to the link's set by a composite foreign key,
checks on offsets, JSON attributes and snapshot hashes, an action log that is append-only and
names its author as the database role, and privileges down to what row-level security needs.
This revision exists so that an existing 0005 database is upgraded, and so gets that work.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The PostgreSQL part runs after this (projects.security.install, see the docstring).
    with op.batch_alter_table("action") as batch:
        batch.add_column(sa.Column("author", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("action") as batch:
        batch.drop_column("author")
