"""Seal configuration (certificate path in the settings, password in the keyring) and sealed contract PDFs."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

from app.services.agenda import exports
from app.services.contracts import editor as contracts
from app.services.contracts.document import render_pdf
from app.services.errors import KeyringUnavailableError
from app.services.printing.seal import SealError
from app.services.settings import seal as seal_config
from app.services.storage import settings
from app.services.storage.vault import Vault
from tests.conftest import MemoryKeyring
from tests.services.certificates import make_p12
from tests.services.test_contracts import ce_draft, person  # noqa: F401 - the person fixture

PASSWORD = "mot de passe du cachet"


def test_not_configured_by_default(vault: Vault, memory_keyring: MemoryKeyring) -> None:
    status = seal_config.seal_status(vault.db)
    assert not status.configured and not status.usable and status.problem == ""
    assert status.summary == "Aucun cachet : les contrats ne sont pas scellés."
    assert seal_config.sealer_for(vault.db) is None


def test_configure_stores_path_setting_and_password_in_keyring(
    vault: Vault, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    p12 = make_p12(tmp_path, PASSWORD)
    status = seal_config.configure_seal(vault.db, p12, PASSWORD)
    assert status.usable and "Scellement Fil rouge" in status.subject
    assert status.valid_until is not None
    assert settings.get(vault.db, settings.SEAL_CERTIFICATE_PATH) == str(p12.resolve())
    # the password is in the keyring, once, under this profile's entry, and nowhere in the settings table
    assert list(memory_keyring.store.values()) == [PASSWORD]
    ((service, entry),) = memory_keyring.store
    assert service == "fil-rouge" and entry == f"seal:{vault.device_id}"
    assert PASSWORD not in str(settings.all_values(vault.db))
    again = seal_config.seal_status(vault.db)
    assert again.usable and again.subject == status.subject
    assert again.summary.startswith(
        "Les contrats enregistrés sont scellés avec le certificat « Scellement Fil rouge"
    )
    assert "valable jusqu'au" in again.summary
    assert seal_config.sealer_for(vault.db) is not None


def test_wrong_password_or_missing_file_stores_nothing(
    vault: Vault, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    p12 = make_p12(tmp_path, PASSWORD)
    with pytest.raises(SealError):
        seal_config.configure_seal(vault.db, p12, "mauvais")
    with pytest.raises(SealError, match="introuvable"):
        seal_config.configure_seal(vault.db, tmp_path / "absent.p12", PASSWORD)
    assert memory_keyring.store == {}
    assert not seal_config.seal_status(vault.db).configured


def test_expired_certificate_is_refused(vault: Vault, memory_keyring: MemoryKeyring, tmp_path: Path) -> None:
    p12 = make_p12(tmp_path, PASSWORD, days=-2)
    with pytest.raises(SealError, match="expiré"):
        seal_config.configure_seal(vault.db, p12, PASSWORD)
    assert memory_keyring.store == {}


def test_no_keyring_refuses_to_configure(vault: Vault, no_keyring: None, tmp_path: Path) -> None:
    with pytest.raises(KeyringUnavailableError):
        seal_config.configure_seal(vault.db, make_p12(tmp_path, PASSWORD), PASSWORD)
    assert not seal_config.seal_status(vault.db).configured


def test_broken_configuration_is_reported_not_ignored(
    vault: Vault, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    p12 = make_p12(tmp_path, PASSWORD)
    seal_config.configure_seal(vault.db, p12, PASSWORD)
    memory_keyring.store.clear()  # password lost from the keyring
    status = seal_config.seal_status(vault.db)
    assert status.configured and not status.usable and "trousseau" in status.problem
    assert status.summary.startswith("Cachet inutilisable : ")
    with pytest.raises(SealError, match="Paramètres"):
        seal_config.sealer_for(vault.db)
    seal_config.configure_seal(vault.db, p12, PASSWORD)
    moved = tmp_path / "ailleurs.p12"
    shutil.move(p12, moved)
    status = seal_config.seal_status(vault.db)
    assert not status.usable and "introuvable" in status.problem


def test_clear_seal(vault: Vault, memory_keyring: MemoryKeyring, tmp_path: Path) -> None:
    p12 = make_p12(tmp_path, PASSWORD)
    seal_config.configure_seal(vault.db, p12, PASSWORD)
    seal_config.clear_seal(vault.db)
    assert memory_keyring.store == {}
    assert not seal_config.seal_status(vault.db).configured
    assert seal_config.sealer_for(vault.db) is None
    assert p12.exists()
    seal_config.clear_seal(vault.db)  # twice is harmless


def test_contract_pdf_is_sealed_when_configured(
    vault: Vault,
    memory_keyring: MemoryKeyring,
    tmp_path: Path,
    person: tuple[str, str],  # noqa: F811
) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader

    cid = contracts.create(vault.db, person[0], ce_draft())
    plain = render_pdf(vault.db, cid, actor="test", audit=None)
    assert PdfFileReader(io.BytesIO(plain)).embedded_signatures == []
    seal_config.configure_seal(vault.db, make_p12(tmp_path, PASSWORD), PASSWORD)
    sealed = render_pdf(vault.db, cid, actor="test", audit=None)
    (signature,) = PdfFileReader(io.BytesIO(sealed)).embedded_signatures
    assert signature.field_name == "Scellement"
    out = tmp_path / "scelle.pdf"
    out.write_bytes(sealed)
    if shutil.which("pdfsig"):
        report = subprocess.run(["pdfsig", "-nocert", str(out)], capture_output=True, text=True, check=False)
        assert "Signature is Valid" in report.stdout + report.stderr


def test_department_and_dpo_from_settings(
    vault: Vault,
    person: tuple[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    from app.services.contracts.document import build_document

    cid = contracts.create(vault.db, person[0], ce_draft())
    settings.set_value(vault.db, settings.DEPARTMENT_NAME, settings.DEPARTMENT_NAME.default)
    assert build_document(vault.db, cid).department == settings.DEPARTMENT_NAME.default
    settings.set_value(vault.db, settings.DEPARTMENT_NAME, "Département de la Seine-Saint-Denis")
    settings.set_value(vault.db, settings.DPO_CONTACT, "dpo@seinesaintdenis.fr")
    doc = build_document(vault.db, cid)
    assert (
        doc.department == "Département de la Seine-Saint-Denis"
        and doc.dpo_contact == "dpo@seinesaintdenis.fr"
    )
    if shutil.which("pdftotext"):
        out = tmp_path / "c.pdf"
        render_pdf(vault.db, cid, actor="test", out=out, audit=None)
        text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
        assert "Seine-Saint-Denis" in text and "dpo@seinesaintdenis.fr" in text


def test_roadmap_and_agenda_use_the_department_setting(
    vault: Vault,
    person: tuple[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    from datetime import date

    from app.services.casefile import roadmap

    settings.set_value(vault.db, settings.DEPARTMENT_NAME, "Département du Nord")
    assert roadmap.build_roadmap(vault.db, person[0]).department == "Département du Nord"
    assert roadmap.build_roadmap(vault.db, person[0], department="Autre").department == "Autre"
    out = tmp_path / "jour.pdf"
    exports.export_day_pdf(vault.db, date(2027, 1, 4), out)
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
        assert "Département du Nord" in text
