"""Alembic environment of the client vault. Always run on an open connection handed in by the vault service."""

from __future__ import annotations

from alembic import context

import app.models.tables  # noqa: F401 - registers every table on the metadata
from app.models.tables.base import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - guarded by app.services.storage.migrate
    raise RuntimeError("Les migrations s'exécutent uniquement à l'ouverture du dossier par l'application.")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
