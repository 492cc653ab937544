"""The joint diagnostic with France Travail (CASF L.262-31, 2025 wording; ADR 0051) as a record: it closes the
« diagnostic conjoint » deadline and opens the next one — the revision of the CE (whose signature starts the next
six-month period) or the département's decision on a réorientation."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.services.bilans import joint_review as jr
from app.services.bilans.joint_review import JointReviewInput
from app.services.contracts import views
from app.services.errors import ValidationError
from app.services.people import alerts, parcours
from tests.services.bilan_factory import TODAY, make_file, sign_at

RULES = alerts.load_rules_or_fail()


def deadlines(db, pid: str, on: date = TODAY) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {d.rule_id: d for d in alerts.caseload_deadlines(db, on, RULES, [pid]).deadlines}


@pytest.fixture
def social(letterhead):  # type: ignore[no-untyped-def]
    return make_file(letterhead.db, track="social", start=date(2026, 6, 1), oriented=date(2026, 5, 4))


def review(**kw) -> JointReviewInput:  # type: ignore[no-untyped-def]
    values = {"held_on": date(2026, 11, 26), "ft_adviser": "Nadia Ferhat", "ft_agency": "France Travail Saint-Denis",
              "conclusion": "maintien", "findings": "Le logement est stabilisé ; la recherche d'emploi pas encore."}  # fmt: skip
    return JointReviewInput(**{**values, **kw})


def test_maintien_closes_the_review_prepares_the_revision_and_restarts_the_period(vault, social):
    assert deadlines(vault.db, social.person)["social_review"].due_date == date(2026, 12, 1)
    rid = jr.record_joint_review(vault.db, social.person, review(), author="cmarchand", today=TODAY)
    got = deadlines(vault.db, social.person)
    assert "social_review" not in got
    assert got["ce_revision_after_review"].due_date == date(2026, 12, 26)
    (view,) = jr.list_joint_reviews(vault.db, social.person)
    assert (view.id, view.conclusion_label, view.ft_adviser) == (
        rid,
        "Maintien en parcours social, contrat d'engagement révisé",
        "Nadia Ferhat",
    )
    avenant = views.get_contract(vault.db, view.revision_contract_id)
    assert (avenant.status, avenant.amendment_no, avenant.amends_id) == ("brouillon", 1, social.contract)
    assert view.revision_label.startswith("Avenant n° 1 au contrat n° ")
    # the avenant is signed on 10/12/2026: the next joint review is due six months later
    sign_at(vault.db, avenant.id, datetime(2026, 12, 10, 11))
    got = deadlines(vault.db, social.person, date(2026, 12, 11))
    assert "ce_revision_after_review" not in got
    assert got["social_review"].due_date == date(2027, 6, 10)


def test_reorientation_opens_the_departements_decision(vault, social):
    jr.record_joint_review(vault.db, social.person, review(conclusion="reorientation", proposed_track="emploi",
                                                         job_search_ready=True), today=TODAY)  # fmt: skip
    (view,) = jr.list_joint_reviews(vault.db, social.person)
    assert view.revision_contract_id is None and view.proposed_track_label == "Emploi"
    got = deadlines(vault.db, social.person)
    assert got["reorientation_decision"].due_date == date(2026, 12, 26)
    assert not {"social_review", "ce_revision_after_review"} & set(got)
    parcours.record_orientation(vault.db, social.person, track="emploi", decision_date=date(2026, 12, 15))
    assert "reorientation_decision" not in deadlines(vault.db, social.person, date(2026, 12, 16))


def test_a_joint_review_is_for_the_social_track_and_says_who_and_what(vault, letterhead):
    pro = make_file(vault.db, track="socio_pro", login="autre")
    with pytest.raises(ValidationError, match="parcours social"):
        jr.record_joint_review(vault.db, pro.person, review(), today=TODAY)


def test_careless_input(vault, social):
    with pytest.raises(ValidationError) as e:
        jr.record_joint_review(
            vault.db,
            social.person,
            review(ft_adviser=" ", held_on=date(2027, 1, 2), conclusion="?"),
            today=TODAY,
        )
    assert set(e.value.fields) == {"ft_adviser", "held_on", "conclusion"}
    with pytest.raises(ValidationError) as e:
        jr.record_joint_review(vault.db, social.person, review(conclusion="reorientation", proposed_track="social"),
                               today=TODAY)  # fmt: skip
    assert set(e.value.fields) == {"proposed_track"}
    assert jr.list_joint_reviews(vault.db, social.person) == []
    rid = jr.record_joint_review(vault.db, social.person, review(), today=TODAY, prepare_revision=False)
    assert jr.list_joint_reviews(vault.db, social.person)[0].revision_contract_id is None
    jr.remove_joint_review(vault.db, rid)
    assert jr.list_joint_reviews(vault.db, social.person) == []
    assert "social_review" in deadlines(vault.db, social.person)
