"""Server schema revisions after s0001 act on databases created before them, and only then."""

from __future__ import annotations

from sqlalchemy import inspect

from server.store.db import ServerDB


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from server.store.db import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return str(ScriptDirectory.from_config(cfg).get_current_head())


def _indexes(sdb: ServerDB) -> set[str]:
    return {i["name"] for i in inspect(sdb.engine).get_indexes("appointment")}


def test_s0003_adds_the_indicator_index_to_an_older_database(database_url: str) -> None:
    sdb = ServerDB(database_url)
    try:
        sdb.migrate()
        assert "ix_appointment_person_starts" in _indexes(sdb)  # fresh database: built with the tables
        with sdb.engine.begin() as c:  # back to a database made by s0002
            c.exec_driver_sql("DROP INDEX ix_appointment_person_starts")
            c.exec_driver_sql("UPDATE alembic_version SET version_num = 's0002'")
        assert "ix_appointment_person_starts" not in _indexes(sdb)
        sdb.migrate()
        assert "ix_appointment_person_starts" in _indexes(sdb)
        sdb.migrate()  # idempotent
        with sdb.read() as c:
            assert c.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == _head()
    finally:
        sdb.dispose()
