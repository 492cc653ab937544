"""Alembic environment of the department server. Run on an open connection by :func:`server.store.db.migrate`."""

from __future__ import annotations

from alembic import context

from server.store.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover
    raise RuntimeError("Les migrations du serveur s'exécutent au démarrage (server.store.db.migrate).")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
