"""Schema upgrades of the vault with Alembic, inside one transaction, refusing databases newer than the app."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from app.services.errors import MigrationError, SchemaTooNewError

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    return heads[0]


def known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def check_revision(conn: Connection) -> str | None:
    """Return the database revision, or raise SchemaTooNewError if this app does not know it."""
    rev = current_revision(conn)
    if rev is not None and rev not in known_revisions():
        raise SchemaTooNewError()
    return rev


def upgrade(engine: Engine, target: str = "head") -> None:
    """Upgrade to ``target`` in a single transaction; on failure nothing is changed."""
    try:
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target)
    except SchemaTooNewError:
        raise
    except Exception as exc:
        raise MigrationError() from exc
