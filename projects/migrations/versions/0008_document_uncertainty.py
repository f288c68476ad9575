"""Active learning: `document_uncertainty`, how unsure a suggestion model was per document.

Revision ID: 0008
Revises: 0005

A new table only: every existing row stays as it is, and a project that never runs
`copydesk suggest --model` with an attribution model leaves it empty.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_uncertainty",
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("document.id"), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("document_id", "source"),
    )


def downgrade() -> None:
    op.drop_table("document_uncertainty")
