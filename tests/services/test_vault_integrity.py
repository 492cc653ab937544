"""Damaged vaults on real SQLCipher files: a wrong key and a damaged file are told apart; truncated, zeroed,
flipped, empty and missing files; the missing salt; ``check``; the daily backups (backup API, rotation, re-key)
and their restore, headless. Damage is always done to a copy of a real vault."""

from __future__ import annotations

import io
import json
import shutil
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.__main__ import main
from app.models.tables.people import Person
from app.services.errors import (
    SaltMissingError,
    VaultDamagedError,
    VaultExistsError,
    VaultMissingError,
    WrongKeyError,
)
from app.services.storage import backups, integrity
from app.services.storage import vault as vault_service
from tests.conftest import TEST_PASSPHRASE


@pytest.fixture
def vault(created_vault: vault_service.Vault) -> vault_service.Vault:
    """This module tests the vault itself: its vault is made by ``create_vault``, not copied from the session's
    template (tests/vaults.py)."""
    return created_vault


def _add_people(v: vault_service.Vault, n: int = 300) -> None:
    with v.db.session() as s:
        for i in range(n):
            s.add(Person(last_name=f"Nom{i:04d}" + "x" * 60, first_name="Prénom", regime="legacy"))


@pytest.fixture
def closed(vault: vault_service.Vault) -> vault_service.ProfileInfo:
    """A passphrase vault with a few hundred people (several pages), closed and checkpointed."""
    _add_people(vault)
    vault.close()
    return vault.info


def copy_profile(data_dir: Path, name: str = "copie") -> vault_service.ProfileInfo:
    shutil.copytree(data_dir / "profiles" / "test", data_dir / "profiles" / name)
    return vault_service.read_profile(data_dir, name)


def truncate(path: Path) -> None:
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size // 2)


def zero_header(path: Path) -> None:
    with path.open("r+b") as f:
        f.write(b"\0" * 100)


def flip(path: Path, size: int = 4096, at: int | None = None) -> None:
    """Invert ``size`` bytes at ``at`` (by default, the middle of the file)."""
    offset = path.stat().st_size // 2 if at is None else at
    with path.open("r+b") as f:
        f.seek(offset)
        block = f.read(size)
        f.seek(offset)
        f.write(bytes(b ^ 0xFF for b in block))


def run(data_dir: Path, *args: str, passphrase: str = TEST_PASSPHRASE) -> int:
    sys.stdin = io.StringIO(passphrase + "\n")
    try:
        return main(["--data-dir", str(data_dir), "--passphrase-stdin", *args])
    finally:
        sys.stdin = sys.__stdin__


# --- wrong key or damaged file ---------------------------------------------------------------------------


@pytest.mark.parametrize("damage", [zero_header, truncate], ids=["en-tete-a-zero", "tronque"])
def test_a_damaged_file_is_not_a_wrong_passphrase(data_dir: Path, closed, damage) -> None:
    info = copy_profile(data_dir)
    damage(info.db_path)
    with pytest.raises(VaultDamagedError) as exc:
        vault_service.open_vault(data_dir, "copie", passphrase=TEST_PASSPHRASE)
    assert "endommagé" in exc.value.message and "incorrecte" not in exc.value.message
    with pytest.raises(WrongKeyError) as wrong:
        vault_service.open_vault(data_dir, "copie", passphrase="pas la bonne phrase")
    assert wrong.value.message.startswith("Phrase secrète incorrecte")
    # the original is untouched and still opens
    vault_service.open_vault(data_dir, "test", passphrase=TEST_PASSPHRASE).close()


def test_an_empty_or_missing_vault_is_never_recreated(data_dir: Path, closed, capsys) -> None:
    info = copy_profile(data_dir)
    info.db_path.write_bytes(b"")
    with pytest.raises(VaultDamagedError, match="vide"):
        vault_service.open_vault(data_dir, "copie", passphrase=TEST_PASSPHRASE)
    assert info.db_path.stat().st_size == 0  # not recreated as an empty vault
    assert run(data_dir, "--profile", "copie", "caseload") == 2
    err = capsys.readouterr().err
    assert "vide" in err and "Aucune personne" not in err
    info.db_path.unlink()
    with pytest.raises(VaultMissingError):
        vault_service.open_vault(data_dir, "copie", passphrase=TEST_PASSPHRASE)
    with pytest.raises(VaultExistsError):
        vault_service.create_vault(data_dir, "copie", mode=vault_service.MODE_PASSPHRASE, passphrase="x" * 10)
    assert not info.db_path.exists()
    assert vault_service.list_profiles(data_dir)[0].name == "copie"  # still listed: the window offers restore


def test_a_missing_salt_is_a_clear_error(data_dir: Path, closed, capsys) -> None:
    closed.salt_path.unlink()
    with pytest.raises(SaltMissingError, match=r"vault\.salt"):
        vault_service.open_vault(data_dir, "test", passphrase=TEST_PASSPHRASE)
    assert run(data_dir, "--profile", "test", "caseload") == 2
    err = capsys.readouterr().err
    assert err.startswith("Erreur : Le fichier « vault.salt »") and "Traceback" not in err


def test_keyring_mode_tells_another_key_from_a_damaged_file(data_dir: Path, memory_keyring) -> None:
    v = vault_service.create_vault(data_dir, "k", mode=vault_service.MODE_KEYRING)
    _add_people(v, 50)
    v.close()
    entry = next(iter(memory_keyring.store))
    good = memory_keyring.store[entry]
    memory_keyring.store[entry] = "00" * 32  # the key of another vault
    with pytest.raises(WrongKeyError, match="n'est pas celle de ce coffre"):
        vault_service.open_vault(data_dir, "k")
    memory_keyring.store[entry] = good
    zero_header(v.info.db_path)
    with pytest.raises(VaultDamagedError):
        vault_service.open_vault(data_dir, "k")


def test_a_profile_made_before_the_key_check_learns_it_at_the_next_opening(data_dir: Path, closed) -> None:
    meta = closed.directory / "profile.json"
    raw = json.loads(meta.read_text())
    del raw["key_check"]
    meta.write_text(json.dumps(raw))
    with pytest.raises(WrongKeyError):
        vault_service.open_vault(data_dir, "test", passphrase="pas la bonne phrase")
    vault_service.open_vault(data_dir, "test", passphrase=TEST_PASSPHRASE).close()
    assert (
        json.loads(meta.read_text())["key_check"]
        == vault_service.read_profile(data_dir, "test").key_check
        != ""
    )


# --- check -----------------------------------------------------------------------------------------------


def test_check_finds_4_kb_flipped_in_the_middle(data_dir: Path, closed, capsys) -> None:
    assert run(data_dir, "--profile", "test", "check") == 0
    assert "Le coffre est intact." in capsys.readouterr().out
    info = copy_profile(data_dir)
    # A page of the people written last. Not the middle of the file: the schema (read at every opening) spans
    # several pages allocated among the first ones, and where the middle falls depends on the random ids' B-trees.
    flip(info.db_path, at=info.db_path.stat().st_size - 2 * 4096)
    vault_service.open_vault(
        data_dir, "copie", passphrase=TEST_PASSPHRASE
    ).close()  # opening does not see it…
    assert run(data_dir, "--profile", "copie", "check") == 1  # …check does
    out = capsys.readouterr().out
    assert "ÉCHEC  Pages altérées" in out and "HMAC verification failed for page" in out
    assert run(data_dir, "--profile", "copie", "check", "--json") == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert {v["nom"]: v["ok"] for v in report["verifications"]}["chiffrement"] is False
    # and so does the daily backup of any command: it reads every page
    assert run(data_dir, "--profile", "copie", "caseload") == 2
    assert "endommagé" in capsys.readouterr().err


def test_check_names_a_damaged_header_and_a_document_whose_bytes_changed(
    data_dir: Path, closed, capsys
) -> None:
    info = copy_profile(data_dir)
    zero_header(info.db_path)
    assert run(data_dir, "--profile", "copie", "check", "--json") == 1
    items = json.loads(capsys.readouterr().out)["verifications"]
    assert items[0]["ok"] is False and "endommagé" in items[0]["message"]
    assert run(data_dir, "--profile", "copie", "check", passphrase="pas la bonne phrase") == 2
    assert "Phrase secrète incorrecte" in capsys.readouterr().err
    # a document whose bytes no longer hash to their SHA-256
    import hashlib

    from app.models.tables.carnet import Attachment

    v = vault_service.open_vault(data_dir, "test", passphrase=TEST_PASSPHRASE)
    data = b"%PDF-1.4 scan"
    with v.db.session() as s:
        s.add(Attachment(sha256=hashlib.sha256(data).hexdigest(), size=len(data), data=b"%PDF-1.4 SCAN",
                         created_at=datetime(2026, 1, 1)))  # fmt: skip
    v.close()
    report = integrity.check_vault(v.info, vault_service.key_for(v.info, TEST_PASSPHRASE))
    documents = next(i for i in report.items if i.name == "documents")
    assert not report.ok and not documents.ok and "1 document(s) sur 1" in documents.message


# --- backups and restore -----------------------------------------------------------------------------------


def test_the_daily_backup_uses_the_backup_api_and_holds_what_is_still_in_the_wal(
    vault: vault_service.Vault,
) -> None:
    _add_people(vault, 20)  # committed, still in the -wal file (no checkpoint)
    assert Path(f"{vault.info.db_path}-wal").stat().st_size > 0
    made = backups.daily_backup(vault)
    assert made is not None and made.kind == backups.AUTO
    assert backups.daily_backup(vault) is None  # one a day
    assert made.path.read_bytes()[:16] != b"SQLite format 3\x00"  # encrypted
    assert backups.verify_backup(made, vault.key) == made.revision
    copy = vault_service.make_engine(made.path, vault.key)
    with copy.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Person)) == 20
    copy.dispose()


def test_rotation_keeps_7_daily_and_4_weekly(vault: vault_service.Vault) -> None:
    first = backups.take_backup(vault.info, vault.db.engine, vault.key)
    today = datetime.now().replace(hour=9)
    for days in range(1, 60):  # two months of daily copies (the same bytes, dated by their sidecar)
        when = today - timedelta(days=days)
        name = f"auto-{when:%Y%m%d-%H%M%S}.db"
        shutil.copyfile(first.path, vault.info.backup_dir / name)
        meta = {
            "created_at": when.isoformat(),
            "kind": "auto",
            "revision": first.revision,
            "key_check": first.key_check,
        }
        (vault.info.backup_dir / f"{name}.json").write_text(json.dumps(meta))
    removed = backups.rotate(vault.info)
    kept = backups.list_backups(vault.info)
    days = {b.created_at.date() for b in kept}
    assert len(kept) == len(days) and len(removed) == 60 - len(kept)
    assert all((today.date() - timedelta(days=d)) in days for d in range(7))  # the last 7 days
    weeks = {b.created_at.isocalendar()[:2] for b in kept}
    assert len(weeks) >= 4 and len(kept) <= 7 + 4


def test_restore_headless_after_damage_keeps_the_damaged_file_aside(data_dir: Path, vault, capsys) -> None:
    _add_people(vault, 10)
    backups.daily_backup(vault)
    vault.close()
    zero_header(vault.info.db_path)
    assert run(data_dir, "--profile", "test", "caseload") == 2
    capsys.readouterr()
    assert run(data_dir, "--profile", "test", "restore", "--list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [b["type"] for b in listed] == ["automatique"]
    assert run(data_dir, "--profile", "test", "restore", listed[0]["nom"]) == 0
    out = capsys.readouterr().out
    assert f"Sauvegarde « {listed[0]['nom']} » restaurée." in out and "endommage-" in out
    v = vault_service.open_vault(data_dir, "test", passphrase=TEST_PASSPHRASE)
    with v.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 10
    v.close()
    assert list(vault.info.backup_dir.glob("endommage-*.db"))


def test_restore_when_the_vault_file_is_gone_and_refusals(data_dir: Path, vault, capsys) -> None:
    _add_people(vault, 5)
    backups.daily_backup(vault)
    vault.close()
    vault.info.db_path.unlink()
    assert run(data_dir, "--profile", "test", "caseload") == 2
    assert "introuvable" in capsys.readouterr().err
    assert run(data_dir, "--profile", "test", "restore", "n-existe-pas.db") == 2
    assert "Aucune sauvegarde « n-existe-pas.db »" in capsys.readouterr().err
    name = backups.list_backups(vault.info)[0].name
    assert run(data_dir, "--profile", "test", "restore", name, passphrase="pas la bonne phrase") == 2
    assert not vault.info.db_path.exists()  # nothing done with a wrong passphrase
    assert run(data_dir, "--profile", "test", "restore", name) == 0
    assert vault.info.db_path.exists()


def test_a_damaged_backup_is_refused(data_dir: Path, vault) -> None:
    _add_people(vault, 200)
    made = backups.take_backup(vault.info, vault.db.engine, vault.key)
    flip(made.path)
    with pytest.raises(VaultDamagedError, match="endommagée"):
        backups.restore_backup(vault.info, vault.key, made.name)


def test_changing_the_passphrase_rekeys_the_backups(data_dir: Path, vault) -> None:
    _add_people(vault, 3)
    made = backups.take_backup(vault.info, vault.db.engine, vault.key)
    vault.change_passphrase(TEST_PASSPHRASE, "une nouvelle phrase secrète")
    (again,) = backups.list_backups(vault.info)
    assert again.name == made.name and again.key_check == vault.info.key_check
    backups.verify_backup(again, vault.key)
    vault.close()
    key = vault_service.key_for(vault_service.read_profile(data_dir, "test"), "une nouvelle phrase secrète")
    backups.restore_backup(vault.info, key, made.name)
    vault_service.open_vault(data_dir, "test", passphrase="une nouvelle phrase secrète").close()
