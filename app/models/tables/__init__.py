"""The SQLAlchemy tables of the case file, shared by the client vault and the server.

Importing this package registers every table on ``Base.metadata`` (Alembic, the server's copy of the schema
and the indicator queries need the whole schema, not only the tables a module happens to import).
"""

from app.models.tables import carnet, contracts, ep, followup, local, people, reviews  # noqa: F401 - registers the tables
