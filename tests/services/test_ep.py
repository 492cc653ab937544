"""The équipe pluridisciplinaire on one vault: saisine with its facts by reference, séance and agenda, the
convocation letter (pdftotext, pdffonts), hearing, avis and décision with their consequence in the file
(orientation, sanction steps), the timeline, the alert and the indicators — and what a careless or hostile
caller is refused."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, datetime, timedelta

import pytest

from app.models.enums import EpMotive
from app.services.casefile import notes, rdv, sanctions
from app.services.casefile import timeline as tl
from app.services.ep import decisions, facts, referrals, seances, views
from app.services.ep.convocation import print_convocation
from app.services.ep.referrals import FactRef
from app.services.errors import ValidationError
from app.services.people import parcours
from tests.services import test_contracts

person = test_contracts.person  # oriented socio_pro on 02/09/2026, référent Clémence Marchand-Éloi

TODAY = date.today()
SEANCE = datetime.combine(TODAY - timedelta(days=10), datetime.min.time()).replace(hour=14)


@pytest.fixture
def breach(vault, person) -> dict[str, str]:
    """A missed RDV, a letter, and an open sanction procedure (manquement, mise en mesure)."""
    pid, _rid = person
    missed = rdv.add_appointment(
        vault.db, pid, starts_at=SEANCE - timedelta(days=30), purpose="suivi", nature="physique",
        status="non_honore",
    )  # fmt: skip
    letter = notes.add_note(
        vault.db, pid, kind="courrier", body="Courrier de relance après le rendez-vous manqué.",
        written_at=SEANCE - timedelta(days=28),
    )  # fmt: skip
    step = sanctions.add_sanction_step(
        vault.db, pid, kind="manquement", step_date=(SEANCE - timedelta(days=27)).date(), detail="RDV manqué"
    )
    return {"rdv": missed, "letter": letter, "procedure": step.procedure_id, "step": step.id}


def _choices(vault, pid: str, motive: str) -> list[facts.FactChoice]:
    return facts.fact_choices(vault.db, pid, motive)


def test_the_facts_offered_are_the_rows_of_the_file_and_the_likely_ones_are_ticked(vault, person, breach):
    pid, _ = person
    sanction = {(c.kind, c.row_id): c for c in _choices(vault, pid, EpMotive.SANCTION)}
    assert sanction[("rdv_non_honore", breach["rdv"])].suggested
    assert sanction[("courrier", breach["letter"])].suggested
    assert sanction[("etape_sanction", breach["step"])].suggested
    assert "non honoré" in sanction[("rdv_non_honore", breach["rdv"])].text
    reorientation = {(c.kind, c.row_id): c for c in _choices(vault, pid, EpMotive.REORIENTATION)}
    assert not reorientation[("rdv_non_honore", breach["rdv"])].suggested
    assert [c.suggested for c in reorientation.values() if c.kind == "orientation"] == [True]


def _refer_sanction(vault, pid: str, breach: dict[str, str]) -> str:
    chosen = [FactRef(c.kind, c.row_id) for c in _choices(vault, pid, EpMotive.SANCTION) if c.suggested]
    return referrals.refer(
        vault.db, pid, motive="sanction", referred_on=SEANCE.date() - timedelta(days=20),
        summary="Deux rendez-vous manqués sans motif, pas de réponse au courrier.", facts=chosen,
        procedure_id=breach["procedure"],
    )  # fmt: skip


def test_sanction_chain_on_one_vault(vault, person, breach, tmp_path):
    pid, _ = person
    rid = _refer_sanction(vault, pid, breach)
    [waiting] = views.waiting_referrals(vault.db)
    assert (waiting.id, waiting.status, waiting.motive_label) == (
        rid,
        "en_attente",
        "Manquement aux obligations (sanction)",
    )
    assert {f.kind for f in waiting.facts} == {"orientation", "rdv_non_honore", "courrier", "etape_sanction"}
    sid = seances.create_seance(
        vault.db, label="EP du territoire Nord", held_at=SEANCE, place="Maison du Département",
        address="12 rue Gabriel-Péri, 93200 Saint-Denis", contact="ep.nord@departement.example — 01 00 00 00 00",
        members=[seances.Member("Mme Diallo", "conseillère France Travail"), seances.Member("M. Petit", "représentant des bénéficiaires du RSA")],
    )  # fmt: skip
    [cid] = seances.schedule(vault.db, sid, [rid])
    assert views.waiting_referrals(vault.db) == []
    with pytest.raises(ValidationError, match="n'attend plus"):
        seances.schedule(vault.db, sid, [rid])

    with pytest.raises(ValidationError, match="déjà eu lieu"):
        print_convocation(vault.db, cid)
    pdf = print_convocation(
        vault.db, cid, out=tmp_path / "convocation.pdf", today=SEANCE.date() - timedelta(days=15)
    )
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(tmp_path / "convocation.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout  # fmt: skip
        flat = " ".join(text.split())
        assert "EP du territoire Nord" in flat and "Éloïse Lefèvre" in flat and "3 rue des Écoles" in flat
        assert "présenter vos observations" in flat and "personne de votre choix" in flat
        assert "L. 262-37" in flat and "L. 262-39" in flat and "L. 262-47" in flat
        assert "Rendez-vous du" in flat and "Courrier de relance" in flat  # the facts, read from their rows
        assert "Seine-Saint-Denis" in flat  # the département letterhead from the settings
        assert "1234567" not in flat  # no CAF number
        fonts = subprocess.run(["pdffonts", str(tmp_path / "convocation.pdf")], capture_output=True, text=True,
                               check=True).stdout  # fmt: skip
        assert "DejaVuSans" in fonts and " no " not in fonts.split("\n", 2)[2].replace("yes yes", "")
    item = views.agenda_item(vault.db, cid)
    assert item.case.convened_on == SEANCE.date() - timedelta(days=15)

    with pytest.raises(ValidationError, match="avis"):
        decisions.record_decision(
            vault.db, cid, decision="suspension", decision_on=TODAY, decided_by="Le président"
        )
    decisions.record_hearing(vault.db, cid, attendance="assistee", observations="Problème de garde d'enfant.")
    with pytest.raises(ValidationError, match="motif"):
        decisions.record_opinion(vault.db, cid, opinion="reorientation", track="social")
    decisions.record_opinion(vault.db, cid, opinion="sanction", detail="Suspension de 30 % pour un mois.")
    with pytest.raises(ValidationError, match="ne se modifie pas"):
        decisions.record_opinion(vault.db, cid, opinion="pas_de_sanction")
    with pytest.raises(ValidationError) as exc:  # bounds of the décret, from the sanction service
        decisions.record_decision(
            vault.db, cid, decision="suspension", decision_on=SEANCE.date() + timedelta(days=3),
            decided_by="Mme la vice-présidente", sanction=decisions.SanctionFacts(5, 1),
        )  # fmt: skip
    assert "rate_percent" in exc.value.fields
    decisions.record_decision(
        vault.db, cid, decision="suspension", decision_on=SEANCE.date() + timedelta(days=3),
        decided_by="Mme la vice-présidente", sanction=decisions.SanctionFacts(30, 1),
    )  # fmt: skip
    steps = [st.kind for st in sanctions_steps(vault, pid)]
    assert steps == ["manquement", "avis_ep", "decision"]
    [done] = views.referrals(vault.db, person_id=pid)
    assert (
        done.status == "decidee"
        and done.decided_case.consequence == "Suspension (suspension-remobilisation) · 30 % · 1 mois"
    )
    assert done.days_to_decision == 23 and not done.late(TODAY)
    kinds = [i.title for i in tl.timeline(vault.db, pid, kinds=["ep"])]
    assert kinds[0].startswith("Saisine de l'EP") and any(k.startswith("Convocation") for k in kinds)
    assert kinds[-1] == "Décision après avis de l'EP : suspension"
    with pytest.raises(ValidationError, match="ne se retire plus"):
        referrals.withdraw(vault.db, rid, on=TODAY, reason="Trop tard")


def sanctions_steps(vault, pid: str):  # type: ignore[no-untyped-def]
    from app.services.people.followup import sanction_procedures

    [proc] = sanction_procedures(vault.db, pid)
    return proc.steps


def test_a_reorientation_decided_after_the_ep_closes_the_orientation_in_force(vault, person):
    pid, _ = person
    rid = referrals.refer(
        vault.db, pid, motive="reorientation", referred_on=SEANCE.date() - timedelta(days=40),
        summary="Les freins sociaux dominent : logement et santé.", proposed_track="social",
        proposed_organisme="MDS de Saint-Denis",
        facts=[FactRef(c.kind, c.row_id) for c in _choices(vault, pid, "reorientation") if c.suggested],
    )  # fmt: skip
    sid = seances.create_seance(vault.db, label="EP Sud", held_at=SEANCE, place="Mairie")
    [cid] = seances.schedule(vault.db, sid, [rid])
    decisions.record_opinion(vault.db, cid, opinion="reorientation", track="social", detail="Unanimité.")
    decisions.record_decision(vault.db, cid, decision="reorientation", decision_on=SEANCE.date() + timedelta(days=5),
                              decided_by="M. le président")  # fmt: skip
    history = parcours.orientation_history(vault.db, pid)
    assert [(o.track, o.ended_on is None) for o in history] == [("socio_pro", False), ("social", True)]
    new = history[-1]
    assert new.is_reorientation and new.organisme == "MDS de Saint-Denis" and "Unanimité" in new.ep_opinion
    [view] = views.referrals(vault.db, person_id=pid)
    assert view.days_to_decision == 45 and view.late(TODAY)  # past the month of the rule table
    assert view.decided_case.consequence == "Parcours social — MDS de Saint-Denis"
    # The indicators: the saisine counted in its month, the avis (40 days) and the décision (45 days, past the
    # month of the rule table) in theirs.
    from app.services.reporting import indicators

    def figure(key: str, day: date) -> tuple[object, object, object]:
        f = indicators.compute(vault.db, indicators.current_period("month", day)).figure(key)
        return f.value, f.numerator, f.denominator

    assert figure("ep_saisines", view.referred_on) == (1, 1, None)
    assert figure("ep_delai_avis_median", SEANCE.date()) == (40, 1, 1)
    assert figure("ep_delai_decision_median", SEANCE.date() + timedelta(days=5)) == (45, 1, 1)
    assert figure("ep_decision_dans_cible", SEANCE.date() + timedelta(days=5)) == (0.0, 0, 1)


def test_an_adjourned_case_goes_back_to_the_waiting_list(vault, person):
    pid, _ = person
    rid = referrals.refer(vault.db, pid, motive="situation_complexe", referred_on=SEANCE.date() - timedelta(days=2),
                          summary="Situation à éclairer.")  # fmt: skip
    sid = seances.create_seance(vault.db, label="EP Sud", held_at=SEANCE, place="Mairie")
    [cid] = seances.schedule(vault.db, sid, [rid])
    decisions.record_opinion(vault.db, cid, opinion="ajournement", detail="Pièces manquantes.")
    [back] = views.waiting_referrals(vault.db)
    assert back.status == "ajournee"
    later = seances.create_seance(
        vault.db, label="EP Sud", held_at=SEANCE + timedelta(days=7), place="Mairie"
    )
    [cid2] = seances.schedule(vault.db, later, [rid])
    decisions.record_opinion(
        vault.db, cid2, opinion="preconisations", detail="Orienter vers un bilan de santé."
    )
    decisions.record_decision(vault.db, cid2, decision="maintien", decision_on=SEANCE.date() + timedelta(days=8),
                              decided_by="M. le président")  # fmt: skip
    [view] = views.referrals(vault.db, person_id=pid)
    assert [c.opinion for c in view.cases] == ["ajournement", "preconisations"] and view.status == "decidee"
    assert parcours.orientation_history(vault.db, pid)[-1].track == "socio_pro"  # maintained: nothing written


def test_careless_and_hostile_saisines_are_refused(vault, person, breach, tmp_path):
    pid, _ = person
    with pytest.raises(ValidationError) as exc:
        referrals.refer(vault.db, pid, motive="sanction", referred_on=TODAY, summary="  ")
    assert set(exc.value.fields) == {"summary"}
    with pytest.raises(ValidationError, match="manquement constaté"):
        referrals.refer(vault.db, pid, motive="sanction", referred_on=TODAY, summary="x")
    with pytest.raises(ValidationError, match="parcours proposé"):
        referrals.refer(vault.db, pid, motive="reorientation", referred_on=TODAY, summary="x")
    with pytest.raises(ValidationError, match="futur"):
        referrals.refer(vault.db, pid, motive="situation_complexe", referred_on=TODAY + timedelta(days=1),
                        summary="x")  # fmt: skip
    other = test_contracts.people.create_person(  # a fact of another person's file is not this file's
        vault.db, test_contracts.PersonInput(last_name="Autre", first_name="Paul", regime="plein_emploi")
    )
    foreign = rdv.add_appointment(vault.db, other, starts_at=SEANCE, purpose="suivi", nature="physique",
                                  status="non_honore")  # fmt: skip
    with pytest.raises(ValidationError, match="n'appartient pas"):
        referrals.refer(vault.db, pid, motive="situation_complexe", referred_on=TODAY, summary="x",
                        facts=[FactRef("rdv_non_honore", foreign)])  # fmt: skip
    rid = _refer_sanction(vault, pid, breach)
    with pytest.raises(ValidationError, match="déjà en cours"):
        _refer_sanction(vault, pid, breach)
    referrals.withdraw(vault.db, rid, on=TODAY, reason="La personne a signé son contrat.")
    [view] = views.referrals(vault.db, person_id=pid)
    assert view.status == "retiree" and not view.late(TODAY + timedelta(days=90))
    with pytest.raises(ValidationError) as exc:
        seances.create_seance(vault.db, label="", held_at="32/13/2026 25:00", place="")
    assert set(exc.value.fields) == {"label", "place", "held_at"}


def test_ep_list_command(vault, person, breach, data_dir, monkeypatch, capsys):
    """``python -m app ep list [--json] [--ouvertes]``: séances with their agenda, saisines with their facts."""
    import io
    import json

    from app.__main__ import main
    from tests.conftest import TEST_PASSPHRASE

    pid, _ = person
    rid = _refer_sanction(vault, pid, breach)
    sid = seances.create_seance(vault.db, label="EP du territoire Nord", held_at=SEANCE, place="Salle 2")
    seances.schedule(vault.db, sid, [rid])

    def run(*args: str) -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(TEST_PASSPHRASE + "\n"))
        return main(
            ["--data-dir", str(data_dir), "--profile", "test", "--passphrase-stdin", "ep", "list", *args]
        )

    assert run("--json") == 0
    out = json.loads(capsys.readouterr().out)
    [r] = out["referrals"]
    assert (r["id"], r["status"], r["motive"], out["target"]) == (rid, "inscrite", "sanction", "1m")
    assert {f["kind"] for f in r["facts"]} == {"orientation", "rdv_non_honore", "courrier", "etape_sanction"}
    assert out["seances"][0]["agenda"][0]["referral_id"] == rid
    assert run() == 0
    text = capsys.readouterr().out
    assert "EP du territoire Nord" in text and "Inscrite à une séance" in text and "LEFÈVRE Éloïse" in text
    assert run("--ouvertes", "--json") == 0 and len(json.loads(capsys.readouterr().out)["referrals"]) == 1
