"""Convocation, invitation and relance letters (ADR 0035): content from the templates (obligatory banner and the
2025 consequences for an obligatory purpose, what to bring), PDF checked from outside (pdftotext, pdffonts, one
page), recorded in the timeline and audited in the same unit of work as the file, refused for a cancelled or
past RDV, batch of a week with cancel, headless commands, and the template file checked line by line."""

from __future__ import annotations

import json
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from app.__main__ import main
from app.models.tables.followup import AppointmentLetter
from app.models.tables.local import AuditEvent
from app.services.agenda.convocations import batch, letters
from app.services.agenda.convocations.templates import LetterTemplateError, load_templates, parse_templates
from app.services.casefile import rdv as rdv_mod
from app.services.casefile.timeline import timeline
from app.services.errors import ValidationError
from app.services.people import identity as people
from app.services.people.identity import PersonInput
from app.services.storage import settings
from tests.ui.factories import add_referent

TODAY = date(2026, 12, 7)  # a Monday


def _pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def _text(path: Path) -> str:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    )
    return " ".join(out.stdout.split())


@pytest.fixture
def setup(vault):
    rid = add_referent(vault)
    settings.set_value(vault.db, settings.DEPARTMENT_NAME, "Département de l'Isère")
    settings.set_value(vault.db, settings.LETTER_SIGNATORY_NAME, "Marie Durand")
    settings.set_value(vault.db, settings.LETTER_SIGNATORY_TITLE, "Pour le Président et par délégation")
    pid = people.create_person(vault.db, PersonInput(
        last_name="Lefèvre", first_name="Éloïse", regime="plein_emploi", civility="Mme",
        address_line="4 allée des Tilleuls", postal_code="38100", city="Grenoble",
    ))  # fmt: skip

    def rdv(at: datetime, purpose: str = "suivi", **kw: object) -> str:
        kw = {"nature": "physique", "place": "MDS de Grenoble, 3 rue Very", **kw}
        return rdv_mod.add_appointment(vault.db, pid, starts_at=at, purpose=purpose, referent_id=rid, **kw)

    return vault, pid, rdv


def test_obligatory_convocation_prints_the_2025_consequences_and_is_recorded(setup, tmp_path):
    vault, pid, rdv = setup
    a = rdv(datetime(2026, 12, 9, 14, 30), "signature_contrat")
    out = tmp_path / "convocation.pdf"
    letters.print_letter(vault.db, a, out=out, today=TODAY)
    text = _text(out)
    assert "Convocation à la signature de votre contrat d'engagement" in text
    assert "Ce rendez-vous est obligatoire." in text
    assert "mercredi 9 décembre 2026 à 14 h 30" in text and "MDS de Grenoble, 3 rue Very" in text
    assert "refus d'élaborer ou d'actualiser votre contrat" in text and "suspension-remobilisation" in text
    assert "30 à 100 %" in text and "présenter vos observations" in text
    assert "Article L.262-37" in text and "2025-478" in text
    assert "Mme Éloïse LEFÈVRE" in text and "38100 GRENOBLE" in text and "Madame," in text
    assert "Pour le Président et par délégation" in text and "Marie Durand" in text
    assert "une pièce d'identité" in text
    assert _pages(out) == 1
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    assert "Helvetica" not in fonts and fonts.count("yes yes yes") >= 2
    with vault.db.read() as s:
        sent = s.scalars(select(AppointmentLetter)).all()
        audits = s.scalars(select(AuditEvent).where(AuditEvent.object_id == a)).all()
    assert [(x.kind, x.sent_on, x.template) for x in sent] == [
        ("convocation", TODAY, "signature_contrat@2026.2")
    ]
    assert [e.action for e in audits] == ["export"] and "Convocation" in audits[0].detail
    assert letters.letter_states(vault.db, [a])[a].label == "Convoqué le 07/12/2026"
    items = timeline(vault.db, pid, kinds=["courrier_rdv"])
    assert [i.title for i in items] == ["Convocation — RDV du 09/12/2026"]


def test_invitation_has_no_banner_and_the_ep_letter_is_a_right_not_a_summons(setup, tmp_path):
    vault, _pid, rdv = setup
    a = rdv(datetime(2026, 12, 10, 10, 0), "equipe_pluridisciplinaire")
    text = " ".join(letters.build_letter(vault.db, a, today=TODAY).paragraphs)
    doc = letters.build_letter(vault.db, a, today=TODAY)
    assert doc.kind == "invitation" and not doc.obligatory and doc.consequences == ()
    assert "présenter vos observations" in text and "observations écrites" in text


def test_the_box_says_where_or_how(setup):
    vault, _pid, rdv = setup
    here = letters.build_letter(vault.db, rdv(datetime(2026, 12, 10, 10, 0)), today=TODAY)
    assert here.details[1] == ("Lieu", "MDS de Grenoble, 3 rue Very")
    call = letters.build_letter(vault.db, rdv(datetime(2026, 12, 11, 10, 0), nature="telephone", place=""),
                                today=TODAY)  # fmt: skip
    label, text = call.details[1]
    assert label == "Modalité" and text.startswith("Par téléphone : votre référent vous appellera")


def test_relance_after_a_no_show_names_the_next_rdv_and_is_proposed_once(setup, tmp_path):
    vault, _pid, rdv = setup
    missed = rdv(datetime(2026, 12, 8, 9, 0), "suivi")
    with pytest.raises(ValidationError, match="relance suit un rendez-vous non honoré"):
        letters.build_letter(vault.db, missed, kind="relance", today=TODAY)
    assert letters.relance_proposal(vault.db, missed) is None
    rdv_mod.set_appointment_status(vault.db, missed, "non_honore")
    proposal = letters.relance_proposal(vault.db, missed)
    assert proposal is not None and proposal.next_rdv_at is None
    nxt = rdv(datetime(2026, 12, 15, 11, 0), "suivi")
    assert letters.relance_proposal(vault.db, missed).next_rdv_at == datetime(2026, 12, 15, 11, 0)
    out = tmp_path / "relance.pdf"
    letters.print_letter(vault.db, missed, kind="relance", out=out, today=TODAY)
    text = _text(out)
    assert "Relance : rendez-vous du 08/12/2026 non honoré" in text
    assert (
        "mardi 15 décembre 2026 à 11 h" in text and "motif légitime" in text and "était obligatoire" in text
    )
    assert letters.relance_proposal(vault.db, missed) is None  # sent: not proposed again
    assert "relancé le 07/12/2026" in letters.letter_states(vault.db, [missed])[missed].label
    assert nxt != missed


def test_no_convocation_for_a_cancelled_or_past_rdv_nor_a_session_row(setup, tmp_path):
    vault, _pid, rdv = setup
    cancelled = rdv(datetime(2026, 12, 9, 9, 0))
    rdv_mod.set_appointment_status(vault.db, cancelled, "annule")
    with pytest.raises(ValidationError, match="annulé"):
        letters.print_letter(vault.db, cancelled, out=tmp_path / "x.pdf", today=TODAY)
    past = rdv(datetime(2026, 12, 1, 9, 0))
    with pytest.raises(ValidationError, match="passé"):
        letters.print_letter(vault.db, past, out=tmp_path / "y.pdf", today=TODAY)
    session = rdv_mod.add_appointment(vault.db, None, starts_at=datetime(2026, 12, 9, 9, 0), purpose="atelier",
                                      nature="physique", collective=True)  # fmt: skip
    with pytest.raises(ValidationError, match="participant par participant"):
        letters.build_letter(vault.db, session, today=TODAY)
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "y.pdf").exists()
    with vault.db.read() as s:
        assert s.scalars(select(AppointmentLetter)).all() == []


def test_a_week_of_letters_in_one_pdf_or_one_each_and_cancel_writes_nothing(setup, tmp_path):
    vault, _pid, rdv = setup
    ids = [rdv(datetime(2026, 12, d, 10, 0)) for d in (8, 9, 11)]
    rdv(datetime(2026, 12, 14, 10, 0))  # next week
    start, end = batch.period(date(2026, 12, 9), True)
    plan = batch.plan_letters(vault.db, start, end, today=TODAY)
    assert [i.appointment_id for i in plan.items] == ids and len(plan.to_send) == 3
    single = tmp_path / "semaine.pdf"
    cancelled = batch.render_letters(
        vault.db, plan.to_send, combine_to=single, today=TODAY, cancel=lambda: True
    )
    assert cancelled.cancelled and cancelled.done == () and not single.exists()
    seen: list[str] = []
    result = batch.render_letters(vault.db, plan.to_send, combine_to=single, today=TODAY,
                                  progress=lambda d, t, label: seen.append(label))  # fmt: skip
    assert result.message() == "3 courriers enregistrés." and seen[-1] == ""
    assert _pages(single) == 3
    again = batch.plan_letters(vault.db, start, end, today=TODAY)
    assert again.to_send == () and "dont 3 déjà convoqués" in again.summary()
    folder = tmp_path / "un-par-un"
    folder.mkdir()
    each = batch.render_letters(vault.db, again.items[:2], out_dir=folder, today=TODAY)
    assert sorted(p.name for p in each.paths) == [
        "Convocation_2026-12-08_1000_LEFEVRE_Eloise.pdf", "Convocation_2026-12-09_1000_LEFEVRE_Eloise.pdf",
    ]  # fmt: skip
    with pytest.raises(batch.LettersOutputError, match="n'existe pas"):
        batch.render_letters(vault.db, again.items, out_dir=tmp_path / "absent", today=TODAY)


def test_headless_commands(setup, tmp_path, data_dir, capsys):
    vault, _pid, rdv = setup
    a = rdv(datetime(2030, 1, 7, 9, 30), "premier_rdv")
    vault.close()
    args = ["--data-dir", str(data_dir), "--profile", "test", "--passphrase-stdin"]
    import io
    import sys

    def run(*extra: str) -> int:
        sys.stdin = io.StringIO("phrase secrète de test\n")
        try:
            return main([*args, *extra])
        finally:
            sys.stdin = sys.__stdin__

    assert run("agenda", "--on", "2030-01-07", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["days"][0]["appointments"][0]["id"] == a
    assert run("pdf", "convocation", a, "--out", str(tmp_path / "c.pdf")) == 0
    assert "Courrier écrit" in capsys.readouterr().out and "premier rendez-vous" in _text(tmp_path / "c.pdf")
    assert run("agenda", "--on", "2030-01-07", "--json") == 0
    assert json.loads(capsys.readouterr().out)["days"][0]["appointments"][0]["convocation"].startswith(
        "Convoqué le"
    )
    assert (
        run("pdf", "convocations", "--on", "2030-01-07", "--week", "--single", str(tmp_path / "w.pdf")) == 0
    )
    out = capsys.readouterr().out
    assert "dont 1 déjà convoqué" in out and "Aucun courrier à écrire." in out
    assert run("pdf", "convocation", "inconnu", "--out", str(tmp_path / "d.pdf")) == 2
    assert "introuvable" in capsys.readouterr().err


def test_templates_are_checked_with_a_french_reason():
    t = load_templates()
    assert t.for_purpose("inconnu").purpose == "autre" and t.for_purpose("suivi").obligatory
    import yaml

    from app.models.resources import resource_path

    data = yaml.safe_load(resource_path("convocations", "letters.yaml").read_text(encoding="utf-8"))
    data["purposes"]["suivi"]["body"] = ["Le {jour} à {time}"]
    with pytest.raises(LetterTemplateError, match="variable inconnue"):
        parse_templates(data)
    data["purposes"]["suivi"] = {"kind": "convocation", "subject": "x", "body": ["y"]}
    with pytest.raises(LetterTemplateError, match="motif"):
        parse_templates(data)
