"""The layout of copydesk 0.1.0: document, schema_snapshot, annotation_set, span, link,
assignment, action.

Revision ID: 0001
Revises:

Databases made by 0.1.0 recorded no version; they are stamped here when first opened. New databases
are created from the models and stamped at the newest revision, so this upgrade has nothing to do.
"""

from __future__ import annotations

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
