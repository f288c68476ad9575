"""Suggestions: the `suggestion_decision` table (annotators' accept/reject decisions).

Revision ID: 0004
Revises: 0002

Only a new table: existing rows are untouched, so an upgraded project keeps every span, link and
action, and downgrading drops just the decisions.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suggestion_decision",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("document.id"), nullable=False),
        sa.Column("annotator", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("layer", sa.String(), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(), nullable=False),
        sa.Column("span_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.String(), nullable=False),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("suggestion_decision") as batch:
        batch.create_index("ix_suggestion_decision_doc", ["document_id", "annotator"])
        batch.create_index("ix_suggestion_decision_span_id", ["span_id"])


def downgrade() -> None:
    op.drop_table("suggestion_decision")
