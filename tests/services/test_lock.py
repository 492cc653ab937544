"""The app lock: code hash in local_setting, verification, failure delay, settings defaults."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models.tables.local import LocalSetting
from app.services.errors import UnlockError, ValidationError
from app.services.storage import lock, settings


def test_lock_code_is_stored_hashed_and_verified(vault):
    assert not lock.has_lock_code(vault.db)
    assert not lock.verify_lock_code(vault.db, "1234")
    lock.set_lock_code(vault.db, "1234")
    assert lock.has_lock_code(vault.db)
    assert lock.verify_lock_code(vault.db, "1234")
    assert not lock.verify_lock_code(vault.db, "4321")
    with vault.db.read() as s:
        stored = s.execute(
            select(LocalSetting.value).where(LocalSetting.key == "lock_code_hash")
        ).scalar_one()
    assert "1234" not in str(stored) and stored["alg"] == "scrypt"


def test_short_code_refused(vault):
    with pytest.raises(ValidationError) as err:
        lock.set_lock_code(vault.db, "12")
    assert "au moins 4" in err.value.message


def test_failure_delay_grows_and_is_capped():
    now = [1000.0]
    delay = lock.FailureDelay(clock=lambda: now[0], free_tries=2, base_seconds=5, cap_seconds=30)
    assert delay.record_failure() == 0
    delay.check_allowed()
    assert delay.record_failure() == 5
    with pytest.raises(UnlockError) as err:
        delay.check_allowed()
    assert "patientez encore 5 s" in err.value.message
    now[0] += 5
    delay.check_allowed()
    assert delay.record_failure() == 10
    assert delay.record_failure() == 20
    assert delay.record_failure() == 30
    delay.reset()
    assert delay.remaining() == 0


def test_settings_defaults_and_bounds(vault):
    assert settings.get(vault.db, settings.LOCK_DELAY_MINUTES) == 10
    assert settings.get(vault.db, settings.DURABLE_EMPLOYMENT_MONTHS) == 6
    assert lock.lock_delay_seconds(vault.db) == 600
    settings.set_value(vault.db, settings.LOCK_DELAY_MINUTES, 3)
    assert settings.all_values(vault.db)["lock_delay_minutes"] == 3
    with pytest.raises(ValidationError):
        settings.set_value(vault.db, settings.LOCK_DELAY_MINUTES, 0)
    settings.reset(vault.db, settings.LOCK_DELAY_MINUTES)
    assert settings.get(vault.db, settings.LOCK_DELAY_MINUTES) == 10
