"""A hand-built caseload for the personal-data tests: one full file (every table), and people around it who
must or must not be proposed for the purge."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.models.tables.base import new_id
from app.models.tables.carnet import Action, Attachment, DiagnosticVersion, Document, Objective, Prescription
from app.models.tables.contracts import Contract, ContractEvent, ContractVersion, Signature
from app.models.tables.followup import Appointment, AppointmentEvent, Note, SanctionStep
from app.models.tables.local import AuditEvent
from app.models.tables.people import (
    ExitRecord,
    Household,
    Orientation,
    Parcours,
    Person,
    Referent,
    ReferentAssignment,
)
from app.services.storage import settings

TODAY = date(2026, 11, 23)
OLD = TODAY - timedelta(days=3 * 365)  # three years ago
NIR_A = "285057512345601"

#: Every personal string of the full file (person A): none may survive its purge.
SECRETS_A = (
    "QUÉRANGAL",
    "Zéphyrine",
    "Kerdavid",
    NIR_A,
    "7734251",
    "12 impasse des Mûriers",
    "Bâtiment Orchidée",
    "zephyrine.q@example.org",
    "06 12 34 98 76",
    "Foyer Quérangal-Kerdavid",
    "avis de l'EP sur Zéphyrine",
    "Entretien : Zéphyrine évoque sa dette locative",
    "Correction : dette soldée en mars",
    "Visite au 12 impasse des Mûriers",
    "parle breton et anglais",
    "Trouver un emploi de soudeuse",
    "Stage soudure chez Atelier Le Goff",
    "Manquement : absente au RDV du 3 mars",
    "Objectif contractuel de Zéphyrine",
    "Zéphyrine QUÉRANGAL (signature)",
    "Relevé de situation Zéphyrine",
    "releve-zephyrine.pdf",
    "Emploi trouvé à Lorient chez Le Goff",
)
DOC_A_BYTES = b"%PDF-1.4 contenu unique de Zephyrine " + b"x" * 64
SHARED_BYTES = b"attestation type partagee entre deux dossiers"


@dataclass
class Caseload:
    referent: str
    full: str  # A: exited three years ago, every table filled — candidate
    recent_note: str  # B: exited long ago but a note last year — kept
    active: str  # C: status active, no parcours, no contact for years — kept (open)
    open_parcours: str  # D: exited status but an open parcours — kept
    just_over: str  # E: exited, last contact 25 months ago — candidate; shares a household with F
    household_mate: str  # F: recent contact, same household as E and a document with A's shared bytes
    doc_a: str
    shared_doc_a: str


def _dt(d: date, hour: int = 10) -> datetime:
    return datetime.combine(d, datetime.min.time()) + timedelta(hours=hour)


def build(vault) -> Caseload:
    db = vault.db
    settings.set_value(db, settings.RETENTION_MONTHS, 24)
    ref = new_id()
    ids = {k: new_id() for k in "ABCDEF"}
    hh_a, hh_ef = new_id(), new_id()
    with db.session() as s:
        s.add(Referent(id=ref, login="cmarchand", first_name="Claire", last_name="Marchand", structure="MDS"))
        s.add(Household(id=hh_a, caf_number="7734251", label="Foyer Quérangal-Kerdavid"))
        s.add(Household(id=hh_ef, caf_number="5550001", label="Foyer Martin"))
        s.flush()

        def person(key: str, last: str, first: str, status: str, contact: date | None, **kw) -> None:
            s.add(
                Person(id=ids[key], last_name=last, first_name=first, regime="legacy", status=status,
                       last_contact_date=contact, referent_id=ref, created_at=_dt(OLD - timedelta(days=400)), **kw)
            )  # fmt: skip

        person(
            "A", "QUÉRANGAL", "Zéphyrine", "exited", OLD - timedelta(days=10), birth_name="Kerdavid", nir=NIR_A, caf_number="7734251",
            household_id=hh_a, civility="Mme", sex="F", birth_date=date(1985, 5, 12),
            address_line="12 impasse des Mûriers", address_extra="Bâtiment Orchidée", postal_code="56100",
            city="Lorient", phone="06 12 34 98 76", email="zephyrine.q@example.org", rsa_entry_date=date(2020, 1, 1),
        )  # fmt: skip
        person("B", "BERTRAND", "Basile", "exited", OLD)
        person("C", "CHARPENTIER", "Clovis", "active", OLD)
        person("D", "DUMONT", "Delphine", "exited", OLD)
        person("E", "MARTIN", "Eugène", "exited", TODAY - timedelta(days=25 * 31), household_id=hh_ef)
        person("F", "MARTIN", "Fanny", "active", TODAY - timedelta(days=10), household_id=hh_ef)
        s.flush()
        a = ids["A"]
        s.add(Orientation(id=new_id(), person_id=a, track="emploi", regime="legacy", decision_date=date(2020, 2, 1),
                          organisme="France Travail", ep_opinion="avis de l'EP sur Zéphyrine", reason="Première orientation"))  # fmt: skip
        s.add(ReferentAssignment(id=new_id(), person_id=a, referent_id=ref, start_date=date(2020, 2, 1),
                                 reason="Secteur Lorient"))  # fmt: skip
        parcours_a = new_id()
        s.add(Parcours(id=parcours_a, person_id=a, start_date=date(2020, 2, 1), end_date=OLD, track="emploi"))
        s.add(ExitRecord(id=new_id(), person_id=a, parcours_id=parcours_a, exit_date=OLD, category="emploi_durable",
                         reason="cdi", detail="Emploi trouvé à Lorient chez Le Goff"))  # fmt: skip
        rdv = new_id()
        s.add(Appointment(id=rdv, person_id=a, referent_id=ref, starts_at=_dt(OLD - timedelta(days=30)),
                          purpose="suivi", nature="visite_domicile", place="Visite au 12 impasse des Mûriers",
                          status="honore", comment="parle breton et anglais"))  # fmt: skip
        s.add(AppointmentEvent(id=new_id(), appointment_id=rdv, status="honore", at=_dt(OLD - timedelta(days=30)),
                               author="cmarchand", comment="parle breton et anglais"))  # fmt: skip
        note = new_id()
        s.add(Note(id=note, person_id=a, kind="entretien", author="cmarchand", written_at=_dt(OLD - timedelta(days=40)),
                   body="Entretien : Zéphyrine évoque sa dette locative"))  # fmt: skip
        s.add(Note(id=new_id(), person_id=a, kind="entretien", author="cmarchand", corrects_note_id=note,
                   written_at=_dt(OLD - timedelta(days=39)), body="Correction : dette soldée en mars"))  # fmt: skip
        s.add(DiagnosticVersion(id=new_id(), person_id=a, version_no=1, author="cmarchand",
                                recorded_at=_dt(OLD - timedelta(days=60)),
                                data={"langues": {"autres": "parle breton et anglais"}}))  # fmt: skip
        contract = new_id()
        s.add(Contract(id=contract, person_id=a, number="CER-2023-0001", kind="cer", regime="legacy",
                       status="termine", start_date=OLD - timedelta(days=200), end_date=OLD,
                       signed_on=(OLD - timedelta(days=200)), signed_place="Lorient", current_version=1))  # fmt: skip
        s.add(ContractVersion(id=new_id(), contract_id=contract, version_no=1, author="cmarchand",
                              saved_at=_dt(OLD - timedelta(days=201)),
                              content={"objectifs": ["Objectif contractuel de Zéphyrine"]}))  # fmt: skip
        s.add(ContractEvent(id=new_id(), contract_id=contract, from_status="brouillon", to_status="signe",
                            at=_dt(OLD - timedelta(days=200)), author="cmarchand", comment="Signé avec Zéphyrine"))  # fmt: skip
        s.add(Signature(id=new_id(), contract_id=contract, version_no=1, signer="personne",
                        signer_name="Zéphyrine QUÉRANGAL (signature)", method="pad",
                        strokes=[[[0.1, 0.2], [0.3, 0.4]]], signed_at=_dt(OLD - timedelta(days=200), 15),
                        place="Lorient"))  # fmt: skip
        objective = new_id()
        s.add(Objective(id=objective, person_id=a, theme="emploi", title="Trouver un emploi de soudeuse"))
        action = new_id()
        s.add(Action(id=action, person_id=a, objective_id=objective, label="Stage soudure chez Atelier Le Goff",
                     comment="parle breton et anglais"))  # fmt: skip
        s.add(Prescription(id=new_id(), person_id=a, action_id=action, kind="pmsmp", partner="Atelier Le Goff",
                           prescribed_on=OLD - timedelta(days=100), comment="Stage soudure chez Atelier Le Goff"))  # fmt: skip
        doc_a, shared_a = new_id(), new_id()
        digest = hashlib.sha256(DOC_A_BYTES).hexdigest()
        shared = hashlib.sha256(SHARED_BYTES).hexdigest()
        s.add(Attachment(sha256=digest, size=len(DOC_A_BYTES), data=DOC_A_BYTES, created_at=_dt(OLD)))
        s.add(Attachment(sha256=shared, size=len(SHARED_BYTES), data=SHARED_BYTES, created_at=_dt(OLD)))
        s.add(Document(id=doc_a, person_id=a, kind="courrier", title="Relevé de situation Zéphyrine",
                       file_name="releve-zephyrine.pdf", mime_type="application/pdf", size=len(DOC_A_BYTES),
                       sha256=digest, document_date=OLD))  # fmt: skip
        s.add(Document(id=shared_a, person_id=a, kind="attestation", title="Attestation",
                       file_name="attestation.txt", mime_type="text/plain", size=len(SHARED_BYTES), sha256=shared))  # fmt: skip
        s.add(Document(id=new_id(), person_id=ids["F"], kind="attestation", title="Attestation de Fanny",
                       file_name="attestation.txt", mime_type="text/plain", size=len(SHARED_BYTES), sha256=shared))  # fmt: skip
        procedure = new_id()
        s.add(SanctionStep(id=new_id(), person_id=a, procedure_id=procedure, kind="manquement",
                           step_date=OLD - timedelta(days=150), detail="Manquement : absente au RDV du 3 mars",
                           document_id=doc_a, author="cmarchand"))  # fmt: skip
        # closed long ago (no sanction): a running procedure would keep the file (retention hold)
        s.add(SanctionStep(id=new_id(), person_id=a, procedure_id=procedure, kind="decision",
                           decision="sans_sanction", step_date=OLD - timedelta(days=120),
                           detail="Absence justifiée après coup : pas de sanction", author="cmarchand"))  # fmt: skip
        s.add(AuditEvent(id=new_id(), at=_dt(OLD), actor="cmarchand", action="export", person_id=a,
                         object_table="document", object_id=doc_a,
                         detail="Export du document « Relevé de situation Zéphyrine »"))  # fmt: skip
        # B: a note a year ago keeps the file; D: an open parcours keeps it.
        s.add(Note(id=new_id(), person_id=ids["B"], kind="appel", body="Appel de suivi", written_at=_dt(TODAY - timedelta(days=365))))  # fmt: skip
        s.add(Parcours(id=new_id(), person_id=ids["D"], start_date=OLD - timedelta(days=100), end_date=None))
        s.add(
            Parcours(
                id=new_id(), person_id=ids["E"], start_date=OLD, end_date=TODAY - timedelta(days=26 * 31)
            )
        )
    return Caseload(ref, ids["A"], ids["B"], ids["C"], ids["D"], ids["E"], ids["F"], doc_a, shared_a)
