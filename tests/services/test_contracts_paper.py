"""« Signé sur papier »: the scan stored as a document, both signatures and the new status in one transaction."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.models.enums import ContractStatus, Signer
from app.services.casefile import documents
from app.services.casefile.documents import DocumentReadError
from app.services.contracts import editor as contracts
from app.services.contracts import views
from app.services.contracts.document import build_document, render_pdf
from app.services.contracts.lifecycle import ContractLockedError
from app.services.errors import ValidationError
from app.services.storage.vault import Vault
from tests.services.test_contracts import ce_draft, person  # noqa: F401 - the person fixture

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082"
)


def scan(tmp_path: Path, name: str = "contrat_signe.png", data: bytes = PNG_1PX) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_sign_on_paper_stores_scan_signatures_and_status(
    vault: Vault,
    person: tuple[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    pid, _ = person
    cid = contracts.create(vault.db, pid, ce_draft())
    day = date.today() - timedelta(days=2)
    doc_id = contracts.sign_on_paper(
        vault.db, cid, scan(tmp_path), signed_on=day, place=" Saint-Denis ", actor="cmarchand"
    )
    view = views.get_contract(vault.db, cid)
    assert view.status == ContractStatus.SIGNED and view.locked
    assert view.signed_on == day and view.signed_place == "Saint-Denis"
    person_sig, referent_sig = view.signature_of(Signer.PERSON), view.signature_of(Signer.REFERENT)
    assert person_sig is not None and referent_sig is not None
    assert {person_sig.method, referent_sig.method} == {"papier"}
    assert person_sig.document_id == referent_sig.document_id == doc_id
    assert person_sig.signer_name == "Éloïse Lefèvre" and referent_sig.signer_name == "Clémence Marchand-Éloi"
    assert person_sig.signed_at.date() == day
    stored = documents.get_document(vault.db, doc_id)
    assert stored.kind == "contrat_signe" and stored.person_id == pid and stored.document_date == day
    assert stored.mime_type == "image/png" and view.number in stored.title
    assert documents.document_bytes(vault.db, doc_id) == PNG_1PX
    doc = build_document(vault.db, cid)
    assert doc.person_signature is not None and doc.person_signature.method == "papier"
    with pytest.raises(ContractLockedError):
        contracts.sign_on_paper(vault.db, cid, scan(tmp_path), signed_on=day, place="Saint-Denis")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils absent")
def test_paper_signature_printed(vault: Vault, person: tuple[str, str], tmp_path: Path) -> None:  # noqa: F811
    cid = contracts.create(vault.db, person[0], ce_draft())
    contracts.sign_on_paper(vault.db, cid, scan(tmp_path), signed_on=date.today(), place="Saint-Denis")
    out = tmp_path / "c.pdf"
    render_pdf(vault.db, cid, actor="t", out=out, audit=None)
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "Saint-Denis" in text and "papier" in text.lower()


def test_sign_on_paper_refusals_leave_nothing(
    vault: Vault,
    person: tuple[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    pid, _ = person
    cid = contracts.create(vault.db, pid, ce_draft())
    today = date.today()
    with pytest.raises(ValidationError) as err:
        contracts.sign_on_paper(vault.db, cid, scan(tmp_path), signed_on=today, place="  ")
    assert "lieu" in str(err.value.fields.get("place", ""))
    with pytest.raises(ValidationError) as err:
        contracts.sign_on_paper(
            vault.db, cid, scan(tmp_path), signed_on=today + timedelta(days=1), place="Saint-Denis"
        )
    assert "futur" in err.value.fields["signed_on"]
    with pytest.raises(ValidationError) as err:
        contracts.sign_on_paper(vault.db, cid, scan(tmp_path, "notes.txt", b"x"), signed_on=today, place="X")
    assert "PDF, JPEG ou PNG" in err.value.fields["path"]
    with pytest.raises(DocumentReadError):
        contracts.sign_on_paper(vault.db, cid, tmp_path / "absent.pdf", signed_on=today, place="X")
    # a CE below 15 h without a reason cannot be signed, on paper either: no document is left behind
    bad = contracts.create(vault.db, pid, ce_draft(hours=5.0, start=date(2028, 1, 1)))
    with pytest.raises(ValidationError):
        contracts.sign_on_paper(vault.db, bad, scan(tmp_path), signed_on=today, place="Saint-Denis")
    assert documents.list_documents(vault.db, pid) == []
    assert views.get_contract(vault.db, cid).status == ContractStatus.DRAFT
    assert views.get_contract(vault.db, cid).signatures == ()
