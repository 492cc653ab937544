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


def test_s0006_brings_an_older_database_to_client_schema_0003(database_url: str) -> None:
    """A server made before the law of 2027: the snapshot table, the avenant number and the sanction facts
    are added; people exited for a sanction go back to the caseload with the same parcours id as the devices."""
    import uuid

    from app.models.data_fixes import REOPEN_NAMESPACE

    sdb = ServerDB(database_url)
    try:
        sdb.migrate()
        with sdb.engine.begin() as c:  # back to a database made by s0005
            c.exec_driver_sql("DROP TABLE contract_snapshot")
            c.exec_driver_sql("ALTER TABLE contract DROP COLUMN amendment_no")
            for column in ("decision", "rate_percent", "duration_months", "household_cap", "outcome"):
                c.exec_driver_sql(f"ALTER TABLE sanction_step DROP COLUMN {column}")
            c.exec_driver_sql("UPDATE alembic_version SET version_num = 's0005'")
            c.exec_driver_sql(
                "INSERT INTO person (id, last_name, first_name, regime, status, created_at, updated_at, revision, "
                "origin_device, civility, sex, birth_name, address_line, address_extra, postal_code, city, phone, "
                "caf_number, email, health_data_consent) VALUES ('p1', 'N', 'P', 'legacy', 'exited', "
                "'2026-03-01', '2026-03-01', 5, 'd', '', '', '', '', '', '', '', '', '', '', false)"
            )
            c.exec_driver_sql(
                "INSERT INTO exit_record (id, person_id, parcours_id, exit_date, category, reason, detail, "
                "created_at, updated_at, revision, origin_device) VALUES ('e1', 'p1', NULL, '2026-02-27', "
                "'autres', 'refus', '', '2026-03-01', '2026-03-01', 6, 'd')"
            )
        sdb.migrate()
        tables = set(inspect(sdb.engine).get_table_names())
        assert "contract_snapshot" in tables
        assert "amendment_no" in {c["name"] for c in inspect(sdb.engine).get_columns("contract")}
        with sdb.read() as c:
            assert c.exec_driver_sql("SELECT status FROM person WHERE id = 'p1'").scalar() == "active"
            parcours = c.exec_driver_sql("SELECT id FROM parcours WHERE person_id = 'p1'").scalars().all()
            assert parcours == [str(uuid.uuid5(REOPEN_NAMESPACE, "e1"))]
    finally:
        sdb.dispose()


def test_s0007_adds_reminders_letters_and_session_columns_to_an_older_database(database_url: str) -> None:
    sdb = ServerDB(database_url)
    try:
        sdb.migrate()
        with sdb.engine.begin() as c:  # back to a database made by s0006
            c.exec_driver_sql("DROP TABLE appointment_reminder")
            c.exec_driver_sql("DROP TABLE appointment_letter")
            for table, column in (("appointment", "session_id"), ("appointment", "capacity"),
                                  ("person", "reminder_channel"), ("person", "reminder_consent_on")):  # fmt: skip
                c.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
            c.exec_driver_sql("UPDATE alembic_version SET version_num = 's0006'")
        sdb.migrate()
        inspector = inspect(sdb.engine)
        assert {"appointment_reminder", "appointment_letter"} <= set(inspector.get_table_names())
        assert {"session_id", "capacity"} <= {c["name"] for c in inspector.get_columns("appointment")}
        assert "reminder_channel" in {c["name"] for c in inspector.get_columns("person")}
        assert "ix_appointment_reminder_state_due" in {
            i["name"] for i in inspector.get_indexes("appointment_reminder")
        }
        sdb.migrate()  # idempotent
    finally:
        sdb.dispose()


def test_s0008_adds_bilans_joint_reviews_and_shares_to_an_older_database(database_url: str) -> None:
    sdb = ServerDB(database_url)
    try:
        sdb.migrate()
        with sdb.engine.begin() as c:  # back to a database made by s0007
            for table in ("bilan", "joint_review", "co_accompaniment", "share_event"):
                c.exec_driver_sql(f"DROP TABLE {table}")
            c.exec_driver_sql("ALTER TABLE action DROP COLUMN assignee_id")
            c.exec_driver_sql("UPDATE alembic_version SET version_num = 's0007'")
        sdb.migrate()
        inspector = inspect(sdb.engine)
        assert {"bilan", "joint_review", "co_accompaniment", "share_event"} <= set(
            inspector.get_table_names()
        )
        assert "assignee_id" in {c["name"] for c in inspector.get_columns("action")}
        assert "ix_share_event_referent_seq" in {i["name"] for i in inspector.get_indexes("share_event")}
        sdb.migrate()  # idempotent
    finally:
        sdb.dispose()


def test_s0009_adds_the_tables_of_the_equipe_pluridisciplinaire(database_url: str) -> None:
    sdb = ServerDB(database_url)
    try:
        sdb.migrate()
        with sdb.engine.begin() as c:  # back to a database made by s0008
            for table in ("ep_case", "ep_referral_fact", "ep_seance", "ep_referral"):
                c.exec_driver_sql(f"DROP TABLE {table}")
            c.exec_driver_sql("UPDATE alembic_version SET version_num = 's0008'")
        sdb.migrate()
        inspector = inspect(sdb.engine)
        assert {"ep_referral", "ep_referral_fact", "ep_seance", "ep_case"} <= set(inspector.get_table_names())
        assert "ix_ep_case_seance_id" in {i["name"] for i in inspector.get_indexes("ep_case")}
        assert "members" in {c["name"] for c in inspector.get_columns("ep_seance")}
        sdb.migrate()  # idempotent
    finally:
        sdb.dispose()
