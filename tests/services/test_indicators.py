"""Indicators of a référent's caseload for October 2026, on a hand-built dataset in a real vault.

Every expected figure is worked out by hand below (see the comment next to each assertion); the lists of
people behind each figure must have exactly as many lines as the figure counts. ``build_dataset`` is reused by
``tests/server/test_indicators.py`` (the same rows, copied into the server tables, give the same numbers).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from app.models.indicators.period import Period
from app.models.indicators.sql import latest_start_reaching, within
from app.models.rules.types import Duration
from app.services.casefile import rdv as rdv_mod
from app.services.casefile.carnet import edits as carnet_edits
from app.services.contracts import lifecycle
from app.services.errors import NotFoundError, ValidationError
from app.services.people import identity as people
from app.services.people import parcours
from app.services.people.identity import PersonInput
from app.services.reporting import indicators

STROKES = [[[0.1, 0.5], [0.2, 0.4]]]
OCTOBER = Period.month(2026, 10)


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


def build_dataset(db) -> dict[str, str]:
    """Ten people followed by R (Rousseau) and one by O (Ollivier). Dates are commented where they matter."""
    r = people.upsert_referent(db, login="cr", first_name="Camille", last_name="Rousseau", team="Nord")
    o = people.upsert_referent(db, login="po", first_name="Paul", last_name="Ollivier", team="Sud")
    people.set_current_referent(db, r)
    ids: dict[str, str] = {"R": r, "O": o}

    def person(key, last, regime, referent=r, city="Échirolles", postal="38130"):
        pid = people.create_person(
            db,
            PersonInput(
                last_name=last,
                first_name=key,
                regime=regime,
                caf_number=f"{1_000_000 + len(ids)}",
                city=city,
                postal_code=postal,
            ),
        )
        people.assign_referent(db, pid, referent, start_date=date(2025, 1, 1))
        ids[key] = pid
        return pid

    def rdv(pid, day, status, purpose="suivi", nature="physique", place="", hour=10, minute=0):
        return rdv_mod.add_appointment(
            db,
            pid,
            starts_at=_at(day, hour, minute),
            purpose=purpose,
            nature=nature,
            place=place,
            status=status,
        )

    def contract(pid, kind, signed, start, months, statuses=()):
        cid = lifecycle.create_contract(
            db, pid, kind=kind, start_date=start, duration_months=months, saved_at=_at(signed, 9)
        )
        lifecycle.add_signature(db, cid, signer="personne", signer_name="P", strokes=STROKES)
        lifecycle.add_signature(db, cid, signer="referent", signer_name="R", strokes=STROKES)
        lifecycle.transition_contract(db, cid, "signe", at=_at(signed))
        for status, day in statuses:
            lifecycle.transition_contract(db, cid, status, at=_at(day))
        return cid

    def prescription(pid, kind, day, outcome=None):
        prid = carnet_edits.add_prescription(db, pid, kind=kind, prescribed_on=day)
        if outcome:
            carnet_edits.set_prescription_outcome(db, prid, outcome, outcome_date=day)

    # Ada: present since May, CER in force, one prescription in June; honoured RDV 05/10, missed 20/10.
    a = person("Ada", "Arnaud", "legacy")
    parcours.open_parcours(db, a, start_date=date(2026, 5, 10), track="emploi")
    parcours.record_orientation(db, a, track="emploi", decision_date=date(2026, 5, 5))
    contract(
        a,
        "ce",
        date(2026, 6, 1),
        date(2026, 6, 1),
        6,
        [("valide", date(2026, 6, 2)), ("en_cours", date(2026, 6, 3))],
    )
    prescription(a, "pmsmp", date(2026, 6, 15), "termine")
    rdv(a, date(2026, 10, 5), "honore", "suivi", "physique", "MDS Nord")
    rdv(a, date(2026, 10, 20), "non_honore")

    # Bruno: oriented 01/10 (notified 06/10), enters 02/10, 1st RDV 19/10, CE signed 30/10 starting 01/11.
    b = person("Bruno", "Bernard", "plein_emploi")
    parcours.record_orientation(
        db, b, track="emploi", decision_date=date(2026, 10, 1), notification_date=date(2026, 10, 6)
    )
    parcours.open_parcours(db, b, start_date=date(2026, 10, 2), track="emploi")
    rdv(b, date(2026, 10, 19), "honore", "premier_rdv", "physique", "MDS Nord")
    contract(b, "ce", date(2026, 10, 30), date(2026, 11, 1), 6)
    prescription(b, "pmsmp", date(2026, 10, 25), "accepte")

    # Chloé: legacy social, oriented 08/10 (no notification), enters 10/10, 1st RDV 29/10 by phone, no contract.
    c = person("Chloé", "Colin", "legacy")
    parcours.record_orientation(db, c, track="social", decision_date=date(2026, 10, 8))
    parcours.open_parcours(db, c, start_date=date(2026, 10, 10), track="social")
    rdv(c, date(2026, 10, 29), "honore", "diagnostic", "telephone", "")

    # Denis: legacy emploi, oriented and enters 15/10, 1st RDV 20/10 in visio, excused 27/10, CER signed 20/11.
    d = person("Denis", "Dumas", "legacy")
    parcours.record_orientation(db, d, track="emploi", decision_date=date(2026, 10, 15))
    parcours.open_parcours(db, d, start_date=date(2026, 10, 15), track="emploi")
    rdv(d, date(2026, 10, 20), "honore", "premier_rdv", "visio", "Visio")
    rdv(d, date(2026, 10, 27), "excuse", "suivi", "telephone")
    contract(d, "ce", date(2026, 11, 20), date(2026, 11, 20), 6)
    prescription(d, "siae", date(2026, 10, 31))

    # Elsa: in parcours since 01/12/2025, CE ended 10/07, reoriented to social 12/10, missed RDV 03/10,
    # never any prescription.
    e = person("Elsa", "Étienne", "plein_emploi", postal="38400", city="Saint-Martin-d'Hères")
    parcours.record_orientation(db, e, track="socio_pro", decision_date=date(2025, 11, 20))
    parcours.open_parcours(db, e, start_date=date(2025, 12, 1), track="socio_pro")
    contract(
        e,
        "ce",
        date(2026, 1, 10),
        date(2026, 1, 10),
        6,
        [("valide", date(2026, 1, 11)), ("en_cours", date(2026, 1, 12)), ("termine", date(2026, 7, 10))],
    )
    rdv(e, date(2026, 10, 3), "non_honore")
    parcours.record_orientation(db, e, track="social", decision_date=date(2026, 10, 12))

    # Farid: parcours 01/06/2025 → sortie 14/10/2026 (CDI), CER in force, prescription 02/10, bilan 07/10.
    f = person("Farid", "Fabre", "legacy")
    parcours.record_orientation(db, f, track="socio_pro", decision_date=date(2025, 5, 20))
    parcours.open_parcours(db, f, start_date=date(2025, 6, 1), track="socio_pro")
    contract(
        f,
        "ce",
        date(2026, 4, 1),
        date(2026, 4, 1),
        12,
        [("valide", date(2026, 4, 2)), ("en_cours", date(2026, 4, 3))],
    )
    prescription(f, "formation", date(2026, 10, 2), "entre")
    rdv(f, date(2026, 10, 7), "honore", "bilan", "physique", "MDS Nord")
    parcours.record_exit(db, f, exit_date=date(2026, 10, 14), category="emploi_durable", reason="cdi")

    # Gaëlle: parcours 05/01 → sortie 31/10 (déménagement), home visit 31/10, prescription refused in September.
    g = person("Gaëlle", "Girard", "legacy")
    parcours.record_orientation(db, g, track="social", decision_date=date(2026, 1, 3))
    parcours.open_parcours(db, g, start_date=date(2026, 1, 5), track="social")
    prescription(g, "atelier_collectif", date(2026, 9, 1), "refuse")
    rdv(g, date(2026, 10, 31), "honore", "suivi", "visite_domicile", "Domicile")
    parcours.record_exit(db, g, exit_date=date(2026, 10, 31), category="autres", reason="demenagement")

    # Hugo: parcours from 31/07 (exactly 3 months before 31/10), no prescription; RDVs just outside October.
    h = person("Hugo", "Henry", "plein_emploi")
    parcours.record_orientation(db, h, track="emploi", decision_date=date(2026, 7, 30))
    parcours.open_parcours(db, h, start_date=date(2026, 7, 31), track="emploi")
    rdv(h, date(2026, 9, 30), "honore", hour=23, minute=30)
    rdv(h, date(2026, 11, 2), "honore")

    # Iris: parcours from 01/08 (under 3 months on 31/10), CER validated 20/08 for 3 months, cancelled
    # and planned RDVs in October.
    i = person("Iris", "Izard", "legacy")
    parcours.record_orientation(db, i, track="emploi", decision_date=date(2026, 7, 25))
    parcours.open_parcours(db, i, start_date=date(2026, 8, 1), track="emploi")
    contract(i, "ce", date(2026, 8, 20), date(2026, 8, 20), 3, [("valide", date(2026, 8, 21))])
    rdv(i, date(2026, 10, 10), "annule")
    rdv(i, date(2026, 10, 30), "prevu")

    # Léa: first parcours 01/02 → 15/09 (contrat aidé), re-enters 20/10; an old prescription in March.
    lea = person("Léa", "Lambert", "legacy")
    parcours.record_orientation(db, lea, track="socio_pro", decision_date=date(2026, 1, 25))
    parcours.open_parcours(db, lea, start_date=date(2026, 2, 1), track="socio_pro")
    prescription(lea, "aci", date(2026, 3, 1), "termine")
    parcours.record_exit(
        db, lea, exit_date=date(2026, 9, 15), category="emploi_transition", reason="contrat_aide"
    )
    parcours.open_parcours(db, lea, start_date=date(2026, 10, 20), track="socio_pro")

    # Jules (followed by O, not R): oriented and enters 05/10, 1st RDV 06/10, prescription 06/10.
    j = person("Jules", "Joly", "legacy", referent=o, postal="38000", city="Grenoble")
    parcours.record_orientation(
        db, j, track="emploi", decision_date=date(2026, 10, 5), organisme="france_travail"
    )
    parcours.open_parcours(db, j, start_date=date(2026, 10, 5), track="emploi")
    rdv(j, date(2026, 10, 6), "honore", "premier_rdv", "physique", "CCAS")
    prescription(j, "siae", date(2026, 10, 6))
    return ids


#: Expected figures for R's caseload in October 2026, worked out by hand from the dataset above.
EXPECTED_R = {
    # Parcours open on 01/10: Ada, Elsa, Farid, Gaëlle, Hugo, Iris (Léa's first parcours ended 15/09).
    "presents_debut": (6, 6, None),
    # Parcours started in October: Bruno 02/10, Chloé 10/10, Denis 15/10, Léa 20/10.
    "entres": (4, 4, None),
    # 6 + 4, nobody in both.
    "file_active": (10, 10, None),
    # Farid 14/10 (CDI), Gaëlle 31/10 (déménagement).
    "sortis": (2, 2, None),
    # Orientations decided in October: Bruno 01/10, Chloé 08/10, Denis 15/10, Elsa 12/10 (4).
    # First honoured RDV since: Bruno 19/10 (18 d), Chloé 29/10 (21 d), Denis 20/10 (5 d), Elsa none.
    # Median of 5, 18, 21 = 18.
    "delai_rdv_median": (18, 3, 4),
    # Rule first_rdv: 15 days from the notification, else the decision. Bruno 06/10 → 19/10 = 13 d (yes),
    # Chloé 08/10 → 29/10 = 21 d (no), Denis 5 d (yes), Elsa none (no): 2 / 4 = 50 %.
    "delai_rdv_dans_cible": (50.0, 2, 4),
    # First contract signed since the decision: Bruno 30/10 (29 d), Denis 20/11 (36 d). (29 + 36) / 2 = 32.5.
    "delai_contrat_median": (32.5, 2, 4),
    # Bruno CE: 1 month from the notification 06/10 → 06/11, signed 30/10 (yes). Denis CER emploi:
    # 1 month from 15/10 → 15/11, signed 20/11 (no). Chloé (CER social, 2 months) and Elsa (CE signed
    # before her réorientation) have none: 1 / 4 = 25 %.
    "delai_contrat_dans_cible": (25.0, 1, 4),
    # File active (10, all oriented before 01/11). A signed contract covering a day of October: Ada
    # (01/06 → 01/12), Farid (01/04/2026 → 01/04/2027), Iris (20/08 → 20/11). Bruno's starts 01/11,
    # Denis's 20/11, Elsa's ended 10/07: 3 / 10 = 30 %.
    "taux_contractualisation": (30.0, 3, 10),
    # Honoured RDVs dated in October: Ada 05/10, Bruno 19/10, Chloé 29/10, Denis 20/10, Farid 07/10,
    # Gaëlle 31/10 (Hugo's 30/09 23:30 and 02/11 are outside).
    "entretiens": (6, 6, None),
    # Due RDVs in October: the 6 honoured + Ada missed 20/10 + Denis excused 27/10 + Elsa missed 03/10 = 9
    # (Iris: cancelled and planned, not due). Missed: 2 → 2 / 9 = 22.2 %.
    "taux_absence": (22.2, 2, 9),
    # Bruno 25/10, Denis 31/10, Farid 02/10.
    "prescriptions": (3, 3, None),
    # In parcours on 31/10 and entered on or before 31/07 (3 months): Ada (prescription 15/06), Elsa (none),
    # Hugo (31/07, none). Gaëlle left on 31/10, Iris entered 01/08: 2 of 3.
    "sans_prescription": (2, 2, 3),
    # Parcours ended in October: Farid 01/06/2025 → 14/10/2026 = 500 d, Gaëlle 05/01 → 31/10 = 299 d.
    # (500 + 299) / 2 = 399.5 d / 30.4375 = 13.1 months.
    "duree_parcours_moyenne": (13.1, 2, None),
    # Sorties dynamiques (emploi durable, de transition, sortie positive): Farid only → 1 / 2 = 50 %.
    "taux_sortie_positive": (50.0, 1, 2),
    # No saisine of the équipe pluridisciplinaire in this dataset (tests/services/test_ep.py counts them).
    "ep_saisines": (0, 0, None),
    "ep_delai_avis_median": (None, 0, 0),
    "ep_delai_decision_median": (None, 0, 0),
    "ep_decision_dans_cible": (None, 0, 0),
}

EXPECTED_R_BREAKDOWNS = {
    "entretiens_objet": {"premier_rdv": 2, "diagnostic": 1, "suivi": 2, "bilan": 1},
    "entretiens_nature": {"physique": 3, "telephone": 1, "visio": 1, "visite_domicile": 1},
    "entretiens_lieu": {"MDS Nord": 3, "": 1, "Visio": 1, "Domicile": 1},
    "prescriptions_type": {"pmsmp": 1, "siae": 1, "formation": 1},
    "prescriptions_suite": {"accepte": 1, "en_attente": 1, "entre": 1},
    "sorties_categorie": {"emploi_durable": 1, "autres": 1},
    "sorties_motif": {"cdi": 1, "demenagement": 1},
}


def check_report(report, expected, expected_breakdowns) -> None:
    """Compare every figure (value, numerator, denominator) and every non-zero breakdown row."""
    got = {f.key: (f.value, f.numerator, f.denominator) for f in report.figures}
    assert got == expected
    for key, rows in expected_breakdowns.items():
        counts = {code: n for code, _label, n in report.breakdown(key).rows if n}
        assert counts == rows, key


@pytest.fixture
def dataset(vault):
    return build_dataset(vault.db)


def test_figures_of_the_referent_caseload(vault, dataset):
    report = indicators.compute(vault.db, OCTOBER)
    assert report.scope == "Portefeuille de Camille Rousseau"
    assert report.period.label == "octobre 2026"
    check_report(report, EXPECTED_R, EXPECTED_R_BREAKDOWNS)
    # Labels come from the vocabularies, zero rows of closed vocabularies are kept in order.
    nature = report.breakdown("entretiens_nature")
    assert [label for _code, label, _n in nature.rows] == [
        "Physique",
        "Téléphone",
        "Visioconférence",
        "Visite à domicile",
    ]
    places = dict((c, lab) for c, lab, _n in report.breakdown("entretiens_lieu").rows)
    assert places[""] == "Lieu non précisé"
    # Targets come from the rule table.
    assert report.figure("delai_rdv_dans_cible").note.startswith("cible : 15 jours après la notification")
    assert report.figure("delai_rdv_dans_cible").display == "50 %"
    assert report.figure("duree_parcours_moyenne").display == "13,1 mois"


def test_people_behind_agree_with_the_figures(vault, dataset):
    report = indicators.compute(vault.db, OCTOBER)
    for figure in report.figures:
        lines = indicators.people_behind(vault.db, OCTOBER, figure.key)
        assert len(lines) == figure.numerator, figure.key
    for breakdown in report.breakdowns:
        for code, _label, n in breakdown.rows:
            assert len(indicators.people_behind(vault.db, OCTOBER, breakdown.key, code=code)) == n
    names = [line.first_name for line in indicators.people_behind(vault.db, OCTOBER, "sans_prescription")]
    assert names == ["Elsa", "Hugo"]  # sorted by last name: Étienne, Henry
    rdv = indicators.people_behind(vault.db, OCTOBER, "delai_rdv_dans_cible")
    assert [(x.first_name, x.detail) for x in rdv] == [
        ("Bruno", "Orientation le 01/10/2026, 1er RDV honoré le 19/10/2026 (18 jours)"),
        ("Denis", "Orientation le 15/10/2026, 1er RDV honoré le 20/10/2026 (5 jours)"),
    ]
    exits = indicators.people_behind(vault.db, OCTOBER, "sorties_categorie", code="autres")
    assert [(x.first_name, x.commune, x.detail) for x in exits] == [
        ("Gaëlle", "Échirolles", "Sortie le 31/10/2026 : Autres sorties (Déménagement)")
    ]
    with pytest.raises(NotFoundError):
        indicators.people_behind(vault.db, OCTOBER, "inconnu")


def test_other_referent_and_whole_device(vault, dataset):
    jules = indicators.compute(vault.db, OCTOBER, referent_id=dataset["O"])
    assert jules.scope == "Portefeuille de Paul Ollivier"
    assert jules.figure("entres").value == 1
    assert jules.figure("delai_rdv_median").value == 1  # 05/10 → 06/10
    assert [
        x.first_name for x in indicators.people_behind(vault.db, OCTOBER, "entres", referent_id=dataset["O"])
    ] == ["Jules"]
    with pytest.raises(NotFoundError):
        indicators.compute(vault.db, OCTOBER, referent_id="absent")


def test_quarter_and_year_boundaries(vault, dataset):
    q4 = indicators.compute(vault.db, indicators.parse_period("2026-T4"))
    # Q4 starts on 01/10 too, so "présents au début" is the same; entries now include nobody else (all
    # the other parcours started before October), and Hugo's RDV of 02/11 joins the honoured ones.
    assert q4.figure("presents_debut").value == 6
    assert q4.figure("entretiens").value == 7
    year = indicators.compute(vault.db, indicators.parse_period("2026"))
    # Sorties in 2026: Léa 15/09, Farid 14/10, Gaëlle 31/10.
    assert year.figure("sortis").value == 3
    # On 01/01/2026 in parcours: Elsa (01/12/2025), Farid (01/06/2025).
    assert year.figure("presents_debut").value == 2


@pytest.mark.parametrize(
    ("text", "kind", "start", "end", "label"),
    [
        ("2026-10", "month", date(2026, 10, 1), date(2026, 11, 1), "octobre 2026"),
        ("2026-12", "month", date(2026, 12, 1), date(2027, 1, 1), "décembre 2026"),
        ("2026-T4", "quarter", date(2026, 10, 1), date(2027, 1, 1), "4e trimestre 2026"),
        ("2026-q1", "quarter", date(2026, 1, 1), date(2026, 4, 1), "1er trimestre 2026"),
        (" 2026 ", "year", date(2026, 1, 1), date(2027, 1, 1), "année 2026"),
    ],
)
def test_parse_period(text, kind, start, end, label):
    p = indicators.parse_period(text)
    assert (p.kind, p.start, p.end, p.label) == (kind, start, end, label)
    assert indicators.parse_period(p.code) == p


@pytest.mark.parametrize("text", ["", "2026-13", "2026-T5", "octobre", "26-10"])
def test_parse_period_rejects(text):
    with pytest.raises(ValidationError) as err:
        indicators.parse_period(text)
    assert "2026-T4" in err.value.message


def test_within_matches_the_rule_engine_in_sql(vault):
    """``within`` (SQL) agrees with ``Duration.add_to`` (Python) around month ends and leap days."""
    starts = [date(2026, 1, 31), date(2026, 1, 15), date(2024, 1, 31), date(2026, 8, 31), date(2026, 12, 20)]
    offsets = range(-2, 70)
    durations = [Duration.parse(x) for x in ("15d", "2w", "1m", "2m", "1y")]
    with vault.db.read() as s:
        for due in durations:
            for start in starts:
                events = [start + timedelta(days=k) for k in offsets]
                got = [bool(s.execute(select(within(_lit(start), _lit(ev), due))).scalar()) for ev in events]
                assert got == [ev <= due.add_to(start) for ev in events], (due, start)
            day = date(2026, 10, 31)
            latest = latest_start_reaching(day, due)
            assert due.add_to(latest) <= day < due.add_to(latest + timedelta(days=1))


def _lit(day: date):
    from sqlalchemy import Date, literal

    return literal(day, Date)
