"""Bilans as records (ADR 0050): pre-filled from the carnet, validated in French, locked once finalised, and each
recommendation opening its next step — checked through the rule engine's deadlines on a real vault."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.models.enums import BilanRecommendation, ContractStatus, PersonStatus
from app.models.tables.contracts import Contract
from app.models.tables.people import Person
from app.models.tables.reviews import Bilan
from app.services.bilans import prefill, records
from app.services.bilans.records import BilanLockedError
from app.services.bilans.values import BilanInput, ExitChoice, ObjectiveReview, Participant
from app.services.contracts import views
from app.services.errors import ValidationError
from app.services.people import alerts, parcours
from tests.services.bilan_factory import TODAY, File, make_file

RULES = alerts.load_rules_or_fail()


@pytest.fixture
def file(letterhead) -> File:  # type: ignore[no-untyped-def]
    return make_file(letterhead.db)


def open_rules(db, pid: str, on: date = TODAY) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {d.rule_id: d for d in alerts.caseload_deadlines(db, on, RULES, [pid]).deadlines}


def drafted(db, file: File, **kw) -> str:  # type: ignore[no-untyped-def]
    model = prefill.bilan_model(db, file.person, today=TODAY)
    values = {**model.draft.__dict__, **kw}
    return records.create_bilan(db, file.person, BilanInput(**values), author="cmarchand")


def test_a_new_bilan_is_prefilled_from_the_carnet_and_the_contract(vault, file):
    model = prefill.bilan_model(vault.db, file.person, today=TODAY)
    d = model.draft
    assert (d.kind, d.held_on, d.contract_id) == ("fin_contrat", TODAY, file.contract)  # ends 31/12/2026
    got = {o.title: (o.result, o.theme, o.comment) for o in d.objectives}
    assert got == {
        "Trouver un logement stable": ("atteint", "Logement", ""),
        "Retrouver un emploi de cariste": ("partiel", "Emploi", "1 action(s) réalisée(s) sur 2."),
        "Passer le permis B": ("non_atteint", "Mobilité", ""),
    }
    assert [o.objective_id for o in d.objectives] == list(file.objectives)
    assert (
        model.contracts[0].id == file.contract and "du 01/07/2026 au 31/12/2026" in model.contracts[0].label
    )
    assert ("", "Partenaire", "AFPA Bobigny") in [
        (p.name, p.role, p.structure) for p in model.suggested_participants
    ]
    assert model.current_track == "socio_pro" and not model.exited


def test_renewal_closes_the_bilan_and_the_contract_end_deadlines(vault, file):
    before = open_rules(vault.db, file.person)
    assert {"bilan", "contract_end_warning"} <= set(before)  # due 31/10 and 30/11/2026: late
    bid = drafted(vault.db, file, helped="Le soutien de l'AFPA.", blocked="Les horaires de garde.",
                  person_words="Je veux continuer, j'ai repris confiance.",
                  participants=(Participant("Karim Benali", "Prescripteur", "AFPA Bobigny"),),
                  recommendation="renouvellement")  # fmt: skip
    assert {"bilan", "contract_end_warning"} <= set(
        open_rules(vault.db, file.person)
    )  # a draft counts for nothing
    table, made = records.finalise_bilan(vault.db, bid, author="cmarchand", today=TODAY)
    assert table == "contract"
    renewal = views.get_contract(vault.db, made)
    assert (renewal.status, renewal.start_date, renewal.kind) == ("brouillon", date(2027, 1, 1), "ce")
    assert renewal.draft.objectives == (
        "Trouver un logement stable",
        "Retrouver un emploi de cariste",
        "Passer le permis B",
    )
    after = open_rules(vault.db, file.person)
    assert "bilan" not in after and "contract_end_warning" not in after
    view = records.get_bilan(vault.db, bid)
    assert view.final and view.tripartite and view.counts == {"atteint": 1, "partiel": 1, "non_atteint": 1}
    assert view.next_step_label.startswith("Projet de renouvellement : Contrat n° CE-")
    assert view.author_name == "Clémence Marchand"
    # a second bilan recommending the renewal takes the draft made, never a second one
    again = drafted(vault.db, file, kind="etape", recommendation="renouvellement")
    assert records.finalise_bilan(vault.db, again, today=TODAY) == ("contract", made)


def test_a_finalised_bilan_is_locked(vault, file):
    bid = drafted(vault.db, file, recommendation="poursuite", kind="etape")
    records.finalise_bilan(vault.db, bid, today=TODAY)
    data = records.get_bilan(vault.db, bid).input()
    with pytest.raises(BilanLockedError, match="finalisé"):
        records.save_bilan(vault.db, bid, data)
    with pytest.raises(BilanLockedError):
        records.remove_bilan(vault.db, bid)
    with pytest.raises(BilanLockedError):
        records.finalise_bilan(vault.db, bid, today=TODAY)


def test_a_step_bilan_does_not_close_the_bilan_deadline(vault, file):
    bid = drafted(vault.db, file, kind="etape", recommendation=None)
    assert records.finalise_bilan(vault.db, bid, today=TODAY) == ("", None)
    assert records.get_bilan(vault.db, bid).recommendation == "poursuite"
    assert "bilan" in open_rules(vault.db, file.person)


def test_careless_and_hostile_input_gets_french_messages(vault, file):
    with pytest.raises(ValidationError) as e:
        records.create_bilan(vault.db, file.person, BilanInput(kind="n'importe", held_on=None))
    assert set(e.value.fields) == {"kind", "held_on"}
    with pytest.raises(ValidationError) as e:
        drafted(vault.db, file, recommendation="reorientation", recommended_track=None)
    assert e.value.fields == {
        "recommended_track": "Indiquez le parcours vers lequel la réorientation est proposée."
    }
    with pytest.raises(ValidationError) as e:
        drafted(vault.db, file, objectives=(ObjectiveReview("", "peut-être"),), person_words="x" * 4001)
    assert set(e.value.fields) == {"objectives", "person_words"}
    with pytest.raises(ValidationError, match="contrat de la personne"):
        drafted(vault.db, file, contract_id="pas-un-contrat")
    # control characters go, line breaks stay; the draft keeps what was typed
    bid = drafted(vault.db, file, person_words="Première ligne\u200b\r\nDeuxième\x1b[31m ligne")
    assert records.get_bilan(vault.db, bid).person_words == "Première ligne\nDeuxième[31m ligne"
    # finalising asks for what a concluding bilan must say
    future = drafted(vault.db, file, held_on=date(2027, 1, 5))
    with pytest.raises(ValidationError) as e:
        records.finalise_bilan(vault.db, future, today=TODAY)
    assert set(e.value.fields) == {"held_on", "recommendation"}
    with pytest.raises(ValidationError, match="déjà le parcours"):
        records.finalise_bilan(
            vault.db,
            drafted(vault.db, file, recommendation="reorientation", recommended_track="socio_pro"),
            today=TODAY,
        )
    with vault.db.read() as s:
        assert all(b.status == "brouillon" for b in s.scalars(select(Bilan)))


def test_reorientation_asked_waits_for_the_departements_decision(vault, file):
    bid = drafted(vault.db, file, recommendation="reorientation", recommended_track="emploi",
                  recommendation_detail="Projet professionnel confirmé : accompagnement par France Travail.")  # fmt: skip
    assert records.finalise_bilan(vault.db, bid, today=TODAY) == ("", None)
    got = open_rules(vault.db, file.person)
    assert got["reorientation_decision"].due_date == date(2027, 1, 6)
    assert "contract_end_warning" not in got and "bilan" not in got  # the bilan decided another way
    assert records.get_bilan(vault.db, bid).next_step_label == (
        "Réorientation demandée vers le parcours emploi : décision du département attendue"
    )
    parcours.record_orientation(vault.db, file.person, track="emploi", decision_date=date(2026, 12, 20),
                                organisme="France Travail")  # fmt: skip
    assert "reorientation_decision" not in open_rules(vault.db, file.person, date(2026, 12, 21))
    assert records.get_bilan(vault.db, bid).next_step_label.startswith("Réorientation décidée le 20/12/2026")


def test_exit_recommended_records_the_exit(vault, file):
    bid = drafted(vault.db, file, kind="sortie", recommendation="sortie")
    with pytest.raises(ValidationError, match="catégorie et le motif"):
        records.finalise_bilan(vault.db, bid, today=TODAY)
    table, made = records.finalise_bilan(
        vault.db, bid, today=TODAY, exit_choice=ExitChoice("emploi_durable", "cdi", detail="Cariste en CDI")
    )
    assert table == "exit_record"
    with vault.db.read() as s:
        assert s.get(Person, file.person).status == PersonStatus.EXITED
    assert open_rules(vault.db, file.person) == {}
    assert records.get_bilan(vault.db, bid).next_step_label.startswith("Sortie enregistrée le 06/12/2026")
    # the bilan de sortie of an exit already recorded links it
    later = drafted(vault.db, file, kind="sortie", recommendation="sortie")
    assert records.finalise_bilan(vault.db, later, today=TODAY) == ("exit_record", made)


def test_avenant_recommended_prepares_the_avenant_draft(vault, file):
    bid = drafted(vault.db, file, kind="etape", recommendation="avenant")
    table, made = records.finalise_bilan(vault.db, bid, today=TODAY)
    avenant = views.get_contract(vault.db, made)
    assert (table, avenant.status, avenant.amendment_no, avenant.amends_id) == (
        "contract",
        ContractStatus.DRAFT,
        1,
        file.contract,
    )


def test_renewal_needs_a_signed_contract(vault, file):
    with vault.db.session() as s:
        for c in s.scalars(select(Contract)):
            c.status = ContractStatus.DRAFT
    bid = drafted(vault.db, file, kind="annuel", contract_id=None, recommendation="renouvellement")
    with pytest.raises(ValidationError, match="suppose un contrat signé"):
        records.finalise_bilan(vault.db, bid, today=TODAY)


def test_only_drafts_are_removed_and_lists_are_most_recent_first(vault, file):
    old = drafted(vault.db, file, held_on=date(2026, 9, 1), kind="etape", recommendation="poursuite")
    records.finalise_bilan(vault.db, old, today=TODAY)
    new = drafted(vault.db, file)
    assert [b.id for b in records.list_bilans(vault.db, file.person)] == [new, old]
    records.remove_bilan(vault.db, new)
    assert [b.id for b in records.list_bilans(vault.db, file.person)] == [old]
    ((name, view),) = records.all_bilans(vault.db)
    assert (name, view.kind_label) == ("LEFÈVRE Éloïse", "Bilan d'étape")
    assert view.recommendation == BilanRecommendation.CONTINUE
