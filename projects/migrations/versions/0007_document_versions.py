"""Corrected articles: document versions and the review state of carried-over spans.

Revision ID: 0007
Revises: 0005

- `document.version` (1 for every existing document) and `document.version_at` (NULL: the text
  is the one imported, dated by `created_at`);
- `document_version`: earlier texts of a corrected document (none exist before this revision);
- `span.needs_review`, `span.review_reason`, `span.review_old_text`: a span a correction moved
  to a best guess or whose text was deleted (every existing span: false, "", NULL).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (a constant default), which SQLite does in place: no table copy, so the
    # foreign keys pointing at `document` and `span` are never in the way.
    op.add_column("document", sa.Column("version", sa.Integer(), nullable=False,
                                        server_default="1"))
    op.add_column("document", sa.Column("version_at", sa.String(), nullable=True))
    op.add_column("span", sa.Column("needs_review", sa.Boolean(), nullable=False,
                                    server_default=sa.false()))
    op.add_column("span", sa.Column("review_reason", sa.String(), nullable=False,
                                    server_default=""))
    op.add_column("span", sa.Column("review_old_text", sa.Text(), nullable=True))
    op.create_table(
        "document_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("document.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("replaced_at", sa.String(), nullable=False),
        sa.Column("replaced_by", sa.String(), nullable=False),
        sa.UniqueConstraint("document_id", "number"),
    )
    with op.batch_alter_table("document_version") as batch:
        batch.create_index("ix_document_version_document_id", ["document_id"])
        batch.create_index("ix_document_version_content_hash", ["content_hash"])


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+ does it in place), for the same reason as the upgrade.
    op.drop_table("document_version")
    for column in ("review_old_text", "review_reason", "needs_review"):
        op.drop_column("span", column)
    for column in ("version_at", "version"):
        op.drop_column("document", column)
