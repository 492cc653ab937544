"""The vault on real SQLCipher files: encryption, keys, passphrases, migrations and backups."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app.models.tables.base import utcnow
from app.models.tables.followup import Note
from app.models.tables.local import OutboxOp
from app.models.tables.people import Person
from app.services.errors import (
    KeyMissingError,
    MigrationError,
    PassphraseRequiredError,
    SchemaTooNewError,
    VaultExistsError,
    WeakSecretError,
    WrongKeyError,
)
from app.services.storage import migrate
from app.services.storage import vault as vault_service
from tests.conftest import TEST_PASSPHRASE

NAME = "Zéphyrine Quincampoix"


@pytest.fixture
def vault(created_vault: vault_service.Vault) -> vault_service.Vault:
    """This module tests the vault itself: its vault is made by ``create_vault``, not copied from the session's
    template (tests/vaults.py)."""
    return created_vault


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _add_person(v: vault_service.Vault, last: str = "Quincampoix", first: str = "Zéphyrine") -> str:
    with v.db.session() as s:
        p = Person(
            last_name=last,
            first_name=first,
            regime="legacy",
            birth_date=date(1985, 3, 4),
            nir="285037512345678",
        )
        s.add(p)
        s.flush()
        s.add(
            Note(person_id=p.id, kind="entretien", body=f"Entretien avec {first} {last}", written_at=utcnow())
        )
        return p.id


def test_database_and_wal_are_unreadable_without_key(vault: vault_service.Vault) -> None:
    _add_person(vault)
    db = vault.info.db_path
    wal = db.with_name(db.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0, "WAL mode must be on"
    for f in (db, wal):
        raw = f.read_bytes()
        assert b"Quincampoix" not in raw and "Zéphyrine".encode() not in raw
        assert b"285037512345678" not in raw
        assert not raw.startswith(b"SQLite format 3")
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(db).execute("select count(*) from sqlite_master").fetchone()
    if shutil.which("sqlite3"):
        out = subprocess.run(["sqlite3", str(db), ".tables"], capture_output=True, text=True)
        assert out.returncode != 0 and "not a database" in out.stderr


def test_wrong_passphrase_leaves_vault_intact(data_dir: Path, vault: vault_service.Vault) -> None:
    _add_person(vault)
    vault.close()
    before = _sha(vault.info.db_path)
    with pytest.raises(WrongKeyError) as err:
        vault_service.open_vault(data_dir, "test", passphrase="pas la bonne phrase")
    assert "incorrecte" in err.value.message
    assert _sha(vault.info.db_path) == before
    reopened = vault_service.open_vault(data_dir, "test", passphrase=TEST_PASSPHRASE)
    with reopened.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 1
    reopened.close()


def test_passphrase_required_and_rules(data_dir: Path, vault: vault_service.Vault) -> None:
    vault.close()
    with pytest.raises(PassphraseRequiredError):
        vault_service.open_vault(data_dir, "test")
    with pytest.raises(WeakSecretError):
        vault_service.create_vault(data_dir, "court", mode="passphrase", passphrase="abc")
    with pytest.raises(VaultExistsError):
        vault_service.create_vault(data_dir, "test", mode="passphrase", passphrase=TEST_PASSPHRASE)


def test_change_passphrase_rekeys(data_dir: Path, vault: vault_service.Vault) -> None:
    _add_person(vault)
    with pytest.raises(WrongKeyError):
        vault.change_passphrase("mauvaise ancienne", "nouvelle phrase secrète")
    vault.change_passphrase(TEST_PASSPHRASE, "nouvelle phrase secrète")
    with vault.db.read() as s:  # still usable after rekey
        assert s.scalar(select(func.count()).select_from(Person)) == 1
    vault.close()
    with pytest.raises(WrongKeyError):
        vault_service.open_vault(data_dir, "test", passphrase=TEST_PASSPHRASE)
    v2 = vault_service.open_vault(data_dir, "test", passphrase="nouvelle phrase secrète")
    with v2.db.read() as s:
        assert s.scalar(select(Person.last_name)) == "Quincampoix"
    v2.close()


def test_keyring_mode_and_key_rotation(data_dir: Path, memory_keyring) -> None:  # type: ignore[no-untyped-def]
    v = vault_service.create_vault(data_dir, "kr")
    assert v.mode == vault_service.MODE_KEYRING
    stored = [k for k in memory_keyring.store if k[0] == "fil-rouge"]
    assert len(stored) == 1
    key_hex = memory_keyring.store[stored[0]]
    assert len(bytes.fromhex(key_hex)) == 32
    _add_person(v)
    v.rotate_key()
    assert memory_keyring.store[stored[0]] != key_hex
    v.close()
    assert bytes.fromhex(key_hex) not in v.info.db_path.read_bytes()
    v2 = vault_service.open_vault(data_dir, "kr")
    with v2.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 1
    v2.close()
    memory_keyring.store.clear()
    with pytest.raises(KeyMissingError):
        vault_service.open_vault(data_dir, "kr")


def test_without_secure_keyring_falls_back_to_passphrase(data_dir: Path, no_keyring: None) -> None:
    assert vault_service.choose_mode(None) == vault_service.MODE_PASSPHRASE
    with pytest.raises(PassphraseRequiredError):
        vault_service.create_vault(data_dir, "p")
    v = vault_service.create_vault(data_dir, "p", passphrase=TEST_PASSPHRASE)
    assert v.info.mode_label == "phrase secrète"
    v.close()


def test_new_vault_is_at_head_with_device_id(vault: vault_service.Vault) -> None:
    with vault.db.engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()
    assert len(vault.device_id) == 36


def test_schema_newer_than_app_is_refused_untouched(data_dir: Path, vault: vault_service.Vault) -> None:
    with vault.db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff_future'"))
    vault.close()
    before = _sha(vault.info.db_path)
    with pytest.raises(SchemaTooNewError) as err:
        vault_service.open_vault(data_dir, "test", passphrase=TEST_PASSPHRASE)
    assert "plus récente" in err.value.message
    assert _sha(vault.info.db_path) == before


EXTRA_REVISION = '''
"""test upgrade"""
import sqlalchemy as sa
from alembic import op

revision = "9001"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("nickname", sa.String(50), nullable=True))
    {extra}


def downgrade():
    pass
'''


def _scripts_with_extra(tmp_path: Path, extra: str = "") -> Path:
    target = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, target, ignore=shutil.ignore_patterns("__pycache__"))
    (target / "versions" / "9001_test.py").write_text(
        EXTRA_REVISION.format(head=migrate.head_revision(), extra=extra), encoding="utf-8"
    )
    return target


def test_upgrade_of_previous_revision_takes_backup(
    data_dir: Path, vault: vault_service.Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add_person(vault)
    old_head = migrate.head_revision()
    vault.close()
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", _scripts_with_extra(tmp_path))
    v = vault_service.open_vault(data_dir, "test", passphrase=TEST_PASSPHRASE)
    with v.db.engine.connect() as conn:
        assert migrate.current_revision(conn) == "9001"
        cols = [r[1] for r in conn.execute(text("PRAGMA table_info(person)"))]
        assert "nickname" in cols
        assert conn.execute(text("select count(*) from person")).scalar() == 1
    v.close()
    backups = list((vault.info.directory / "backups").glob(f"mise-a-jour-{old_head}-*.db"))
    assert len(backups) == 1  # made with SQLCipher's backup API from the open database
    # the backup is the encrypted pre-upgrade database: same key, old revision
    engine = vault_service.make_engine(backups[0], vault._key)
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == old_head
    engine.dispose()


def test_failed_migration_changes_nothing(
    data_dir: Path, vault: vault_service.Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add_person(vault)
    vault.close()
    broken = _scripts_with_extra(tmp_path, extra='op.execute("SELECT * FROM table_that_does_not_exist")')
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", broken)
    with pytest.raises(MigrationError):
        vault_service.open_vault(data_dir, "test", passphrase=TEST_PASSPHRASE)
    monkeypatch.undo()
    v = vault_service.open_vault(data_dir, "test", passphrase=TEST_PASSPHRASE)
    with v.db.engine.connect() as conn:
        cols = [r[1] for r in conn.execute(text("PRAGMA table_info(person)"))]
        assert "nickname" not in cols, "the half-applied DDL must have been rolled back"
        assert migrate.current_revision(conn) == migrate.head_revision()
    v.close()


def test_outbox_written_with_business_change(vault: vault_service.Vault) -> None:
    _add_person(vault)
    with vault.db.read() as s:
        ops = s.scalars(select(OutboxOp).order_by(OutboxOp.device_seq)).all()
    assert [o.device_seq for o in ops] == [1, 2]
    assert [(o.table_name, o.kind) for o in ops] == [("person", "insert"), ("note", "append")]


def test_failed_demo_creation_leaves_no_profile(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from app.__main__ import main
    from app.services.demo import build as demo

    def boom(*_a: object, **_k: object) -> str:
        raise RuntimeError("panne pendant la génération")

    monkeypatch.setattr(demo, "populate_demo", boom)
    monkeypatch.setattr("sys.stdin", io.StringIO("demo-fil-rouge\n"))
    with pytest.raises(RuntimeError):
        main(["--data-dir", str(data_dir), "--profile", "demo", "--passphrase-stdin", "init", "--demo"])
    assert not (data_dir / "profiles" / "demo").exists()


def test_template_copies_are_distinct_vaults_that_open_like_created_ones(
    data_dir: Path, memory_keyring, vault_template
) -> None:
    """The tests' vaults are copies of a template (tests/vaults.py): each copy must be a vault of its own, as
    create_vault would have made it (own profile id and device id; in keyring mode its own key), and open
    the real way."""
    from tests.vaults import copy_vault, shared_template

    copies = [copy_vault(vault_template, data_dir, f"p{i}") for i in range(2)]
    copies += [copy_vault(shared_template(vault_service.MODE_KEYRING), data_dir, f"k{i}") for i in range(2)]
    try:
        assert len({v.info.profile_id for v in copies}) == 4
        assert len({v.device_id for v in copies}) == 4
        assert copies[2].key != copies[3].key
        assert {v.mode for v in copies} == {vault_service.MODE_PASSPHRASE, vault_service.MODE_KEYRING}
    finally:
        for v in copies:
            v.close()
    for v in copies:
        passphrase = TEST_PASSPHRASE if v.mode == vault_service.MODE_PASSPHRASE else None
        reopened = vault_service.open_vault(data_dir, v.info.name, passphrase=passphrase)
        try:
            assert reopened.device_id == v.device_id and reopened.key == v.key
            with reopened.db.engine.connect() as conn:
                assert migrate.current_revision(conn) == migrate.head_revision()
        finally:
            reopened.close()
    with pytest.raises(WrongKeyError):
        vault_service.open_vault(data_dir, "p0", passphrase="une autre phrase")
