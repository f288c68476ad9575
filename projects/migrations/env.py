"""Alembic environment: always run on a connection the store hands over (never from a URL here)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from copydesk.projects import models  # noqa: F401  (registers the tables)

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - copydesk never runs Alembic without one
    raise SystemExit("copydesk runs its migrations itself when a project is opened")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
)
with context.begin_transaction():
    context.run_migrations()
