"""The « Paramètres » use cases on a real vault: all-or-nothing saves, lock code and passphrase changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.services.errors import ValidationError, WrongKeyError
from app.services.people import identity as people
from app.services.settings import view as settings_view
from app.services.storage import lock, settings
from app.services.storage import vault as vault_service
from tests.conftest import TEST_PASSPHRASE


def test_save_is_all_or_nothing_with_a_message_per_field(vault: vault_service.Vault) -> None:
    with pytest.raises(ValidationError) as info:
        settings_view.save(
            vault.db,
            {"deadline_soon_days": 21, "retention_months": 6, "department_name": "  "},
        )
    assert info.value.fields == {
        "retention_months": "« Conservation après le dernier contact (mois) » doit valoir au moins 12.",
        "department_name": "« Nom du département imprimé sur les documents » ne peut pas être vide.",
    }
    assert settings.get(vault.db, settings.SOON_DAYS) == 14  # the valid change was not stored either
    values = settings_view.save(vault.db, {"deadline_soon_days": 21, "department_name": " Isère "})
    assert values["deadline_soon_days"] == 21 and values["department_name"] == "Isère"
    assert settings.get(vault.db, settings.DEPARTMENT_NAME) == "Isère"
    settings_view.save(vault.db, {"deadline_soon_days": 14})  # the default: the stored row is forgotten
    with vault.db.read() as s:
        from app.models.tables.local import LocalSetting

        assert s.get(LocalSetting, "deadline_soon_days") is None


def test_unknown_referent_and_types(vault: vault_service.Vault) -> None:
    with pytest.raises(ValidationError) as info:
        settings_view.save(vault.db, {"current_referent_id": "nobody", "lock_delay_minutes": "5"})
    assert info.value.fields == {
        "current_referent_id": "Choisissez un référent de la liste.",
        "lock_delay_minutes": "« Verrouillage après inactivité (minutes) » doit être un nombre entier.",
    }
    rid = people.upsert_referent(vault.db, login="lbrun", first_name="Lucie", last_name="Brun")
    settings_view.save(vault.db, {"current_referent_id": rid, "sync_auto": 0})
    assert people.current_referent_id(vault.db) == rid
    assert settings.get(vault.db, settings.SYNC_AUTO) is False
    with pytest.raises(KeyError):
        settings_view.save(vault.db, {"lock_code_hash": "x"})


def test_load_shows_plain_data(vault: vault_service.Vault) -> None:
    view = settings_view.load(vault)
    assert view.passphrase_mode and view.vault_mode_label == "phrase secrète"
    assert view.values["department_name"] == "Conseil départemental"
    assert not view.seal.configured and not view.enrolled
    assert view.about.profile_path == str(vault.info.directory)
    assert view.about.schema_revision and view.about.rules_version


def test_lock_code_change_needs_the_current_code(vault: vault_service.Vault) -> None:
    settings_view.change_lock_code(vault.db, "", "1234")  # no code yet: none asked
    with pytest.raises(ValidationError) as info:
        settings_view.change_lock_code(vault.db, "0000", "5678")
    assert info.value.fields == {"old": "Code actuel incorrect : le code n'a pas été changé."}
    with pytest.raises(ValidationError) as info:
        settings_view.change_lock_code(vault.db, "1234", "12")
    assert info.value.fields == {"new": "Le code doit contenir au moins 4 caractères."}
    assert lock.verify_lock_code(vault.db, "1234")
    settings_view.change_lock_code(vault.db, "1234", "5678")
    assert lock.verify_lock_code(vault.db, "5678")


def test_passphrase_change_wrong_old_changes_nothing(data_dir: Path, vault: vault_service.Vault) -> None:
    settings.set_value(vault.db, settings.SOON_DAYS, 20)
    with pytest.raises(ValidationError) as info:
        settings_view.change_passphrase(vault, "pas la bonne phrase", "nouvelle phrase secrète")
    assert info.value.fields["old"] == "L'ancienne phrase secrète est incorrecte : rien n'a été changé."
    with pytest.raises(ValidationError) as info:
        settings_view.change_passphrase(vault, TEST_PASSPHRASE, "court")
    assert set(info.value.fields) == {"new"}
    settings_view.change_passphrase(vault, TEST_PASSPHRASE, "nouvelle phrase secrète")
    assert settings.get(vault.db, settings.SOON_DAYS) == 20  # the worker's db follows the re-key
    vault.close()
    with pytest.raises(WrongKeyError):
        vault_service.open_vault(data_dir, "test", passphrase=TEST_PASSPHRASE)
    reopened = vault_service.open_vault(data_dir, "test", passphrase="nouvelle phrase secrète")
    try:
        assert settings.get(reopened.db, settings.SOON_DAYS) == 20
    finally:
        reopened.close()
