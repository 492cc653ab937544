"""The équipe pluridisciplinaire across three devices through a real server (uvicorn on 127.0.0.1, ADR 0041):
the référent's laptop seizes the EP, the secretariat's desktop receives the saisine with the facts of the file
it names, builds the séance, prints the convocation, records the hearing, the avis and the décision; the
décision comes back to the référent's laptop and to the team leader's desktop with its consequence in the file
(new orientation, sanction steps) and in the timeline. Nothing is typed twice. Then what the server refuses:
a référent writing a case, the secretariat writing beyond the EP's consequence or outside the people the EP was
seized of, and what the secretariat never sees."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from app.models.enums import EpMotive, OpKind
from app.models.tables.base import new_id, utcnow
from app.models.tables.ep import EpCase, EpReferral, EpSeance
from app.models.tables.followup import Appointment, Note, SanctionStep
from app.models.tables.local import OutboxOp
from app.models.tables.people import Orientation, Person
from app.services.casefile import notes, rdv, sanctions
from app.services.casefile import timeline as tl
from app.services.ep import decisions, facts, referrals, seances, views
from app.services.ep.access import signed_in
from app.services.ep.convocation import print_convocation
from app.services.people import identity as people
from app.services.people import parcours
from app.services.people.identity import PersonInput
from app.services.storage.db import apply_defaults, record_op, row_values
from app.services.sync import view as sync_view
from app.services.sync.conflicts import resolve_conflict
from tests.conftest import set_letterhead
from tests.sync.harness import Device, Server, ThreadedServer, make_device, make_server

TODAY = date.today()
SEANCE = datetime.combine(TODAY - timedelta(days=3), datetime.min.time()).replace(hour=14)


@pytest.fixture
def live(tmp_path: Path, memory_keyring: object) -> Iterator[Server]:
    """The département server on a real socket: référents of team Nord, their team leader, the secretariat."""
    srv = make_server(f"sqlite:///{tmp_path / 'server.db'}")
    srv.add_user("alice", team="Nord")
    srv.add_user("bob", team="Nord")
    srv.add_user("chef", "team_leader", "Nord")
    srv.add_user("secretariat", "secretariat")
    with ThreadedServer(srv.app) as running:
        srv.base = running.url
        try:
            yield srv
        finally:
            srv.sdb.dispose()


def device(srv: Server, data_dir: Path, name: str, login: str) -> Device:
    return make_device(srv, data_dir, name, login, http=lambda: httpx.HTTPTransport())


def synced(d: Device) -> None:
    r = d.sync()
    assert r.state == "ok", r.message
    with d.vault.db.read() as s:
        left = s.scalars(select(OutboxOp)).all()
    assert left == [], [(o.table_name, o.kind) for o in left]


def file_of(d: Device, last: str, first: str) -> str:
    """A person of the référent's caseload with an orientation, a missed RDV, a letter, an open procedure."""
    db = d.vault.db
    pid = people.create_person(
        db, PersonInput(last_name=last, first_name=first, regime="plein_emploi", birth_date="12/03/1988",
                        address_line="3 rue des Écoles", postal_code="93200", city="Saint-Denis"),
    )  # fmt: skip
    people.assign_referent(db, pid, d.referent_id, start_date=TODAY - timedelta(days=200))
    parcours.record_orientation(
        db, pid, track="socio_pro", decision_date=TODAY - timedelta(days=190), organisme="MDS"
    )
    rdv.add_appointment(
        db,
        pid,
        starts_at=SEANCE - timedelta(days=40),
        purpose="suivi",
        nature="physique",
        status="non_honore",
    )
    notes.add_note(
        db, pid, kind="courrier", body="Courrier de relance après le rendez-vous manqué.",
        written_at=SEANCE - timedelta(days=38),
    )  # fmt: skip
    return pid


def refer(d: Device, pid: str, motive: str, **kw: object) -> str:
    chosen = [
        referrals.FactRef(c.kind, c.row_id)
        for c in facts.fact_choices(d.vault.db, pid, motive)
        if c.suggested
    ]
    return referrals.refer(
        d.vault.db, pid, motive=motive, referred_on=SEANCE.date() - timedelta(days=20), facts=chosen,
        summary="Pas de rendez-vous honoré depuis deux mois ; la personne souhaite un accompagnement social.",
        **kw,
    )  # fmt: skip


def test_the_ep_chain_across_three_devices(live: Server, data_dir: Path, tmp_path: Path) -> None:
    laptop = device(live, data_dir, "portable-alice", "alice")
    desk = device(live, data_dir, "secretariat-ep", "secretariat")
    leader = device(live, data_dir, "bureau-chef", "chef")
    set_letterhead(desk.vault.db)
    assert signed_in(desk.vault.db).secretariat and signed_in(leader.vault.db).team_leader

    # The référent: two files, two saisines (réorientation; manquement with its procedure), one person not seized.
    lea = file_of(laptop, "Lefèvre", "Éloïse")
    max_ = file_of(laptop, "Martin", "Max")
    quiet = file_of(laptop, "Sanchez", "Inès")
    step = sanctions.add_sanction_step(
        laptop.vault.db,
        max_,
        kind="manquement",
        step_date=SEANCE.date() - timedelta(days=30),
        detail="RDV manqué",
    )
    reo = refer(laptop, lea, EpMotive.REORIENTATION, proposed_track="social", proposed_organisme="CCAS")
    sanc = refer(laptop, max_, EpMotive.SANCTION, procedure_id=step.procedure_id)
    synced(laptop)

    # The secretariat: the saisines arrive with the facts they name, read from the rows themselves.
    synced(desk)
    waiting = {r.id: r for r in views.waiting_referrals(desk.vault.db)}
    assert set(waiting) == {reo, sanc}
    texts = " | ".join(f.text for f in waiting[reo].facts + waiting[sanc].facts)
    assert "Rendez-vous du" in texts and "Courrier du" in texts and "Parcours socio-professionnel" in texts
    assert facts.MISSING not in texts
    assert waiting[reo].referent_name == "Alice Test"
    assert desk.person(quiet) is None  # a file the EP was not seized of never reaches the secretariat
    with desk.vault.db.read() as s:
        # Only the RDVs and letters a saisine names (the manquement's; the réorientation names none).
        assert s.scalars(select(Note.person_id)).all() == [max_]
        assert s.scalars(select(Appointment.person_id)).all() == [max_]

    sid = seances.create_seance(
        desk.vault.db, label="EP du territoire Nord", held_at=SEANCE, place="Maison du Département",
        address="12 rue Gabriel-Péri, 93200 Saint-Denis", contact="ep.nord@departement.example",
        members=[seances.Member("Mme Diallo", "conseillère France Travail")],
    )  # fmt: skip
    case_reo, case_sanc = seances.schedule(desk.vault.db, sid, [reo, sanc])
    out = tmp_path / "convocation.pdf"
    print_convocation(desk.vault.db, case_reo, out=out, today=SEANCE.date() - timedelta(days=15))
    if shutil.which("pdftotext"):
        text = " ".join(
            subprocess.run(
                ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
            ).stdout.split()
        )
        assert "Éloïse" in text and "3 rue des Écoles" in text and "présenter vos observations" in text
        assert "Parcours socio-professionnel" in text and "EP du territoire Nord" in text
    synced(desk)

    # The référent sees the case on the agenda of a séance it now knows, convened, before any avis.
    synced(laptop)
    [mine] = [r for r in views.referrals(laptop.vault.db, person_id=lea)]
    assert mine.status == "inscrite" and mine.current_case is not None
    assert mine.current_case.seance_label == "EP du territoire Nord" and mine.current_case.convened_on

    decisions.record_hearing(desk.vault.db, case_reo, attendance="presente", observations="D'accord.")
    decisions.record_opinion(
        desk.vault.db, case_reo, opinion="reorientation", track="social", organisme="CCAS"
    )
    decisions.record_decision(
        desk.vault.db, case_reo, decision="reorientation", decision_on=SEANCE.date() + timedelta(days=2),
        decided_by="Le président du conseil départemental",
    )  # fmt: skip
    decisions.record_hearing(desk.vault.db, case_sanc, attendance="absente")
    decisions.record_opinion(desk.vault.db, case_sanc, opinion="sanction", detail="Suspension proposée.")
    decisions.record_decision(
        desk.vault.db, case_sanc, decision="suspension", decision_on=SEANCE.date() + timedelta(days=1),
        decided_by="Le président du conseil départemental",
        sanction=decisions.SanctionFacts(rate_percent=30, duration_months=1),
    )  # fmt: skip
    synced(desk)

    # Back on the référent's laptop: the orientation changed, the procedure has its steps, the timeline says so.
    synced(laptop)
    with laptop.vault.db.read() as s:
        open_orientations = s.scalars(
            select(Orientation).where(Orientation.person_id == lea, Orientation.ended_on.is_(None))
        ).all()
        assert [(o.track, o.organisme) for o in open_orientations] == [("social", "CCAS")]
        kinds = s.scalars(
            select(SanctionStep.kind).where(SanctionStep.procedure_id == step.procedure_id)
            .order_by(SanctionStep.step_date)
        ).all()  # fmt: skip
        assert kinds == ["manquement", "avis_ep", "decision"]
    decided = {r.id: r for r in views.referrals(laptop.vault.db)}
    assert decided[reo].status == decided[sanc].status == "decidee"
    assert decided[reo].days_to_decision == 22 and not decided[reo].late(TODAY)
    assert decided[sanc].decided_case is not None
    assert decided[sanc].decided_case.consequence == "Suspension (suspension-remobilisation) · 30 % · 1 mois"
    titles = [i.title for i in tl.timeline(laptop.vault.db, lea, kinds=["ep"])]
    assert titles[0].startswith("Saisine de l'EP") and titles[-1].startswith("Décision après avis de l'EP")
    assert any(t.startswith("Convocation à la séance « EP du territoire Nord »") for t in titles)

    # The team leader's desktop: the same, with nothing typed there either.
    synced(leader)
    assert {r.id: r.status for r in views.referrals(leader.vault.db)} == {reo: "decidee", sanc: "decidee"}
    assert [s.label for s in views.seances(leader.vault.db)] == ["EP du territoire Nord"]
    for d in (laptop, desk, leader):
        assert d.client.status()["tables"]["ep_case"][
            "hash"
        ]  # every device checked its rows against the server


def _push(d: Device, *rows: object) -> dict[str, str]:
    """Write ``rows`` on the device as its session would, sync, and return the refusals by table (the refusal
    queue; each one is then dismissed)."""
    with d.vault.db.session() as s:
        for row in rows:
            s.add(row)
            s.flush()
    assert d.sync().state == "ok"
    queue = sync_view.conflict_queue(d.vault)
    for item in queue:
        resolve_conflict(d.vault, item.id, "discard")
    return {item.table: item.reason for item in queue}


def test_what_the_server_refuses(live: Server, data_dir: Path) -> None:
    laptop = device(live, data_dir, "portable-alice", "alice")
    desk = device(live, data_dir, "secretariat-ep", "secretariat")
    lea = file_of(laptop, "Lefèvre", "Éloïse")
    quiet = file_of(laptop, "Sanchez", "Inès")
    reo = refer(laptop, lea, EpMotive.REORIENTATION, proposed_track="social")
    synced(laptop)
    synced(desk)

    # A référent never records an avis, nor creates a séance.
    seance = EpSeance(id=new_id(), label="EP improvisée", held_at=SEANCE, place="Bureau", members=[])
    case = EpCase(id=new_id(), person_id=lea, referral_id=reo, seance_id=seance.id, opinion="maintien")
    refused = _push(laptop, seance, case)
    assert set(refused) == {"Séance de l'EP", "Avis et décision (EP)"}
    assert "secrétariat" in refused["Avis et décision (EP)"]

    # The secretariat writes nothing but the EP's consequence, and only for people the EP was seized of.
    laptop_note = Note(id=new_id(), person_id=lea, kind="entretien", body="x", written_at=SEANCE)
    assert "appartient au référent" in _push(desk, laptop_note)["Note"]
    # A crafted op (the person is not even on the desk): an orientation for a file the EP was not seized of.
    stranger = Orientation(
        id=new_id(), person_id=quiet, track="social", decision_date=TODAY, regime="plein_emploi",
        created_at=utcnow(),
    )  # fmt: skip
    apply_defaults(stranger)
    with desk.vault.db.session() as s:
        record_op(s, "orientation", stranger.id, OpKind.INSERT, row_values(stranger))
    refused = _push(desk)
    assert "pas de saisine" in refused["Orientation"]
    # Of the person's own row, only the regime a décision changes: not her phone.
    desk.edit_person(lea, phone="06 00 00 00 00")
    assert desk.sync().state == "ok"
    [item] = sync_view.conflict_queue(desk.vault)
    assert item.table == "Identité" and "appartient au référent" in item.reason
    assert laptop.sync().state == "ok" and laptop.person(lea).phone == ""
    with live.sdb.read() as conn:
        from server.store.tables import BUSINESS

        assert (
            conn.execute(select(BUSINESS["note"].c.id).where(BUSINESS["note"].c.body == "x")).first() is None
        )
        orientation = BUSINESS["orientation"]
        assert conn.execute(select(orientation.c.id).where(orientation.c.id == stranger.id)).first() is None
    assert desk.person(quiet) is None
    with desk.vault.db.read() as s:
        assert s.scalars(select(EpReferral.id)).all() == [reo]
        assert s.scalars(select(EpSeance.id)).all() == []
        assert [p.id for p in s.scalars(select(Person))] == [lea]
