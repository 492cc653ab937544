"""Documents stored encrypted in the vault, the person's timeline, the feuille de route PDF from the database."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.models.tables.carnet import Attachment
from app.models.tables.followup import AppointmentReminder
from app.models.tables.local import AuditEvent
from app.services.agenda.convocations import letters
from app.services.bilans import joint_review, records
from app.services.bilans.values import BilanInput, ExitChoice
from app.services.casefile import diagnostic, documents, roadmap, sanctions, timeline
from app.services.casefile import notes as notes_mod
from app.services.casefile import rdv as rdv_mod
from app.services.casefile.carnet import edits as carnet_edits
from app.services.casefile.documents import DocumentReadError, DocumentTooLargeError
from app.services.contracts import lifecycle
from app.services.ep import referrals
from app.services.errors import ValidationError
from app.services.people import coaccompaniment, parcours
from app.services.people import identity as people
from app.services.people.identity import PersonInput

MARKER = b"ZQXJ-MARQUEUR-DISTINCTIF-7731"
STROKES = [[[0.1, 0.5], [0.2, 0.4], [0.3, 0.6]]]


@pytest.fixture
def pid(vault) -> str:
    return people.create_person(
        vault.db, PersonInput(last_name="Lefèvre", first_name="Hélène", regime="plein_emploi")
    )


def test_document_round_trip_is_encrypted_and_deduplicated(vault, pid, tmp_path):
    payload = b"%PDF-1.4\n" + MARKER * 50 + bytes(range(256))
    src = tmp_path / "attestation.pdf"
    src.write_bytes(payload)
    first = documents.add_document_file(vault.db, pid, src, kind="attestation", document_date="02/03/2026")
    second = documents.add_document(vault.db, pid, kind="courrier", title="Copie", data=payload)
    assert documents.document_bytes(vault.db, first) == payload == documents.document_bytes(vault.db, second)
    view = documents.get_document(vault.db, first)
    assert (view.title, view.kind_label, view.mime_type, view.size) == (
        "attestation",
        "Attestation",
        "application/pdf",
        len(payload),
    )
    assert view.document_date == date(2026, 3, 2) and view.is_pdf
    with vault.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Attachment)) == 1
    vault.db.engine.dispose()  # checkpoint the WAL into the file
    raw = b"".join(p.read_bytes() for p in vault.info.directory.glob("vault.db*"))
    assert MARKER not in raw and b"attestation" not in raw
    out = documents.export_document(vault.db, first, tmp_path / "copie.pdf", actor="cmarchand")
    assert out.read_bytes() == payload
    with vault.db.read() as s:
        assert s.scalars(select(AuditEvent.action).where(AuditEvent.object_id == first)).all() == ["export"]
    assert [d.id for d in documents.list_documents(vault.db, pid)] == [second, first]


def test_pdf_preview_renders_the_first_page(vault, pid):
    pdf = roadmap.render_roadmap_pdf(vault.db, pid, actor="cmarchand")
    png = documents.pdf_first_page_png(pdf, dpi=30)
    assert png is not None and png.startswith(b"\x89PNG")
    assert documents.pdf_first_page_png(b"pas un PDF") is None


def test_same_bytes_twice_in_one_transaction_are_stored_once(vault, pid):
    with vault.db.session() as s:
        documents.add_document.within(s, pid, kind="cv", title="CV", data=b"meme contenu")
        documents.add_document.within(s, pid, kind="cv", title="CV bis", data=b"meme contenu")
    assert len(documents.list_documents(vault.db, pid)) == 2
    with vault.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Attachment)) == 1


def test_document_errors_are_french_and_typed(vault, pid, tmp_path):
    big = tmp_path / "scan.tiff"
    with big.open("wb") as f:
        f.truncate(documents.MAX_DOCUMENT_BYTES + 1)
    with pytest.raises(DocumentTooLargeError) as err:
        documents.add_document_file(vault.db, pid, big, kind="autre")
    assert "20 Mo" in err.value.message
    with pytest.raises(DocumentReadError) as missing:
        documents.add_document_file(vault.db, pid, tmp_path / "absent.pdf", kind="autre")
    assert "introuvable" in missing.value.message
    with pytest.raises(ValidationError) as bad:
        documents.add_document(vault.db, pid, kind="pigeon", title=" ", data=b"x")
    assert set(bad.value.fields) == {"kind", "title"}
    assert documents.size_label(1536) == "2 Ko" and documents.size_label(3 * 1024 * 1024 // 2) == "1,5 Mo"


def _one_of_each(db, pid: str) -> None:
    ref = people.upsert_referent(
        db, login="cmarchand", first_name="Claire", last_name="Marchand", structure="MDS"
    )
    parcours.record_orientation(
        db, pid, track="social", decision_date="05/01/2026", organisme="MDS Saint-Denis"
    )
    people.assign_referent(db, pid, ref, start_date="06/01/2026", reason="Première désignation")
    rdv = rdv_mod.add_appointment(db, pid, starts_at=datetime(2026, 1, 12, 9), purpose="diagnostic",
                                  nature="physique", recorded_at=datetime(2026, 1, 7))  # fmt: skip
    rdv_mod.set_appointment_status(db, rdv, "honore", at=datetime(2026, 1, 12, 10))
    letters.record_letter(db, rdv, today=date(2026, 1, 13))
    with db.session(remote_apply=True) as s:  # a reminder as the server's state came back by sync
        s.add(
            AppointmentReminder(
                appointment_id=rdv,
                person_id=pid,
                channel="sms",
                due_at=datetime(2026, 1, 10, 9),
                rdv_at=datetime(2026, 1, 12, 9),
                state="envoye",
                sent_at=datetime(2026, 1, 13, 9),
            )
        )
    diagnostic.save_diagnostic(db, pid, data={}, health_constraint=False, recorded_at=datetime(2026, 1, 13))
    obj = carnet_edits.add_objective(db, pid, theme="logement", title="Trouver un logement stable")
    carnet_edits.add_action(db, obj, label="Dossier DALO", start_date="20/01/2026", partner="ADIL")
    carnet_edits.add_prescription(db, pid, kind="pmsmp", prescribed_on="21/01/2026", partner="Mairie")
    notes_mod.add_note(
        db, pid, kind="appel", body="Appel au bailleur social.", written_at=datetime(2026, 1, 22)
    )
    documents.add_document(db, pid, kind="cv", title="CV 2026", data=b"cv", document_date="23/01/2026")
    cid = lifecycle.create_contract(
        db, pid, kind="ce", start_date="01/02/2026", saved_at=datetime(2026, 1, 24)
    )
    lifecycle.add_signature(db, cid, signer="personne", signer_name="Hélène", strokes=STROKES)
    lifecycle.add_signature(db, cid, signer="referent", signer_name="Claire", strokes=STROKES)
    lifecycle.transition_contract(db, cid, "signe", at=datetime(2026, 1, 25, 11))
    sanctions.add_sanction_step(
        db, pid, kind="manquement", step_date="02/02/2026", detail="Absences répétées"
    )
    referrals.refer(db, pid, motive="situation_complexe", referred_on="03/02/2026",
                    summary="Regards croisés demandés sur le logement.")  # fmt: skip
    parcours.open_parcours(db, pid, start_date="05/01/2026", track="social")
    joint_review.record_joint_review(db, pid, joint_review.JointReviewInput(
        held_on=date(2026, 2, 20), ft_adviser="Nadia Ferhat", conclusion="maintien"), today=date(2026, 2, 20))  # fmt: skip
    partner = people.upsert_referent(
        db, login="kbenali", first_name="Karim", last_name="Benali", structure="AFPA"
    )
    coaccompaniment.add_co_accompaniment(db, pid, referent_id=partner, role="cip", start_date="10/02/2026")
    bid = records.create_bilan(db, pid, BilanInput(kind="sortie", held_on=date(2026, 3, 1), helped="Le DALO.",
                                                       recommendation="sortie"))  # fmt: skip
    records.finalise_bilan(db, bid, today=date(2026, 3, 1), exit_choice=ExitChoice("autres", "demenagement"))


def test_timeline_has_every_kind_in_date_order_and_filters(vault, pid):
    _one_of_each(vault.db, pid)
    items = timeline.timeline(vault.db, pid)
    kinds = {i.kind for i in items}
    assert kinds == set(timeline.TIMELINE_KINDS), set(timeline.TIMELINE_KINDS) - kinds
    dated = [i for i in items if i.kind not in {"objectif", "contrat"}]  # stamped at creation (now)
    assert [i.kind for i in dated][:4] == ["orientation", "referent", "rdv", "rdv_statut"]
    assert [i.at for i in items] == sorted(i.at for i in items)
    notes = timeline.timeline(vault.db, pid, kinds=["note", "document"])
    assert [i.kind for i in notes] == ["note", "document"] and notes[1].kind_label == "Document"
    found = timeline.timeline(vault.db, pid, search="bailleur")
    assert [i.title for i in found] == ["Note (appel)"]
    assert timeline.timeline(vault.db, pid, search="DEMENAGEMENT")[0].kind == "sortie"
    (bilan,) = timeline.timeline(vault.db, pid, kinds=["bilan"])
    assert (bilan.title, bilan.detail) == ("Bilan de sortie", "Sortie de l'accompagnement")
    found = timeline.timeline(vault.db, pid, search="ferhat")
    assert [i.kind for i in found] == ["diagnostic_conjoint"]
    assert (
        timeline.timeline(vault.db, pid, kinds=["co_accompagnement"])[0].title
        == "Co-accompagnement : Karim Benali"
    )
    sent = timeline.timeline(vault.db, pid, kinds=["courrier_rdv", "rappel"])
    assert [i.title for i in sent] == ["Convocation — RDV du 12/01/2026",
                                       "Rappel par SMS envoyé — RDV du 12/01/2026"]  # fmt: skip


def test_note_correction_is_marked_in_timeline(vault, pid):
    first = notes_mod.add_note(vault.db, pid, kind="entretien", body="RDV avec la CAF le 3.")
    notes_mod.add_note(vault.db, pid, kind="entretien", body="Le 4, pas le 3.", corrects_note_id=first)
    titles = [i.title for i in timeline.timeline(vault.db, pid, kinds=["note"])]
    assert titles == ["Note (entretien) — corrigée", "Note (entretien) — correction"]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils absent")
def test_roadmap_pdf_from_database(vault, pid, tmp_path):
    ref = people.upsert_referent(vault.db, login="cmarchand", first_name="Claire", last_name="Marchand",
                                 structure="MDS de Saint-Denis", phone="01 23 45 67 89")  # fmt: skip
    people.assign_referent(vault.db, pid, ref, start_date=date.today())
    obj = carnet_edits.add_objective(vault.db, pid, theme="mobilite", title="Passer le permis de conduire")
    carnet_edits.add_action(vault.db, obj, label="Inscription à l'auto-école solidaire", partner="Auto-école Élan",
                       end_date=date.today() + timedelta(days=30))  # fmt: skip
    carnet_edits.add_action(vault.db, obj, label="Action annulée", status="annulee")
    rdv_mod.add_appointment(vault.db, pid, starts_at=datetime.combine(date.today() + timedelta(days=3),
                            datetime.min.time()).replace(hour=14), purpose="suivi", nature="physique",
                            place="MDS Saint-Denis")  # fmt: skip
    out = tmp_path / "feuille.pdf"
    roadmap.render_roadmap_pdf(vault.db, pid, actor="cmarchand", out=out)
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True).stdout
    for expected in ("Ma feuille de route", "Hélène Lefèvre", "Claire Marchand", "Passer le permis de conduire",
                     "Auto-école Élan", "Mes prochains rendez-vous", "MDS Saint-Denis"):  # fmt: skip
        assert expected in text
    assert "Action annulée" not in text
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all(r[-5] == "yes" for r in rows), fonts  # column « emb »
    with vault.db.read() as s:
        assert "impression" in s.scalars(select(AuditEvent.action).where(AuditEvent.person_id == pid)).all()
