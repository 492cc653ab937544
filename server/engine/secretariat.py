"""The EP secretariat on the server (ADR 0041): what the département's secretariat of the équipe
pluridisciplinaire sees, and what it may write.

It carries no caseload. It sees the people for whom a référent has seized the EP (a live ``ep_referral``), and of
them only what the EP chain reads and writes: the person and her household, orientations, parcours, contracts,
sanction steps, the saisines, their facts and the cases — plus the RDVs, letters and documents a saisine names
as facts (and a letter's corrected original, a sanction step's document). Séances carry no personal data and
are read by every device, so a référent sees where and when the person's case is examined.

It writes séances and cases, and the consequence a case's avis and décision have in the file — nothing else:
a new orientation and the closing of the one in force, the track of the parcours, the person's regime (the
three things :func:`app.services.people.parcours.record_orientation` changes), the « avis EP » and « décision »
steps of a sanction procedure, and its own audit events (convocation printed, file viewed). Every one of those
rows must belong to a person whose case the EP was seized of. Séances and cases are written by the secretariat
(and the département when it writes) only: a référent never records an avis or a décision.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from app.models.enums import SanctionStepKind
from server.store.tables import BUSINESS, row_feed

if TYPE_CHECKING:
    from server.engine.authorise import Authoriser
    from server.engine.validate import CheckedOp

ROLE = "secretariat"
#: Tables only the secretariat (or the département) writes.
SECRETARIAT_TABLES = frozenset({"ep_seance", "ep_case"})
#: Tables of which the secretariat sees every row of a person in the EP's hands.
WHOLE_TABLES = (
    "person", "orientation", "parcours", "contract", "sanction_step", "ep_referral", "ep_referral_fact",
    "ep_case",
)  # fmt: skip
#: Updates the secretariat may make to rows of the file: table → fields (what a décision changes).
UPDATABLE = {
    "orientation": frozenset({"ended_on"}),
    "parcours": frozenset({"track"}),
    "person": frozenset({"regime"}),
}
#: Rows the secretariat may create in the file (besides cases): the décision's consequence, its audit events.
INSERTABLE = frozenset({"orientation", "sanction_step", "audit_event"})
#: The steps of a sanction procedure that are the EP's and the PCD's.
EP_STEPS = frozenset({SanctionStepKind.EP_OPINION.value, SanctionStepKind.DECISION.value})
SECRETARIAT_ONLY = (
    "Les séances de l'équipe pluridisciplinaire, ses avis et les décisions sont enregistrés par son secrétariat : "
    "refusé."
)
NOT_REFERRED = "Cette personne n'a pas de saisine de l'équipe pluridisciplinaire : modification refusée."
NOT_EP_WRITE = (
    "Le secrétariat de l'équipe pluridisciplinaire enregistre les séances, les avis et les décisions ; "
    "le reste du dossier appartient au référent : modification refusée."
)


class Refusal(Exception):
    """Raised inside this module; :mod:`server.engine.authorise` turns it into its ``Refused``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def referred_people() -> Any:
    """SELECT of the ids of the people with a live saisine of the EP."""
    ref = BUSINESS["ep_referral"]
    return select(ref.c.person_id).where(ref.c.deleted_at.is_(None))


def visible_rows() -> ColumnElement[bool]:
    """The feed rows the secretariat sees (besides séances, visible to every device)."""
    f = row_feed.c
    person, fact = BUSINESS["person"], BUSINESS["ep_referral_fact"]
    note, step = BUSINESS["note"], BUSINESS["sanction_step"]
    people = referred_people()
    live_facts = fact.c.deleted_at.is_(None)
    fact_notes = select(fact.c.note_id).where(live_facts, fact.c.note_id.isnot(None))
    return or_(
        and_(f.table_name.in_(WHOLE_TABLES), f.person_id.in_(people)),
        and_(
            f.table_name == "household",
            f.row_id.in_(select(person.c.household_id).where(person.c.id.in_(people))),
        ),
        and_(
            f.table_name == "appointment",
            f.row_id.in_(select(fact.c.appointment_id).where(live_facts, fact.c.appointment_id.isnot(None))),
        ),
        and_(
            f.table_name == "note",
            or_(
                f.row_id.in_(fact_notes),
                f.row_id.in_(select(note.c.corrects_note_id).where(note.c.id.in_(fact_notes))),
            ),
        ),
        and_(
            f.table_name == "document",
            or_(
                f.row_id.in_(select(fact.c.document_id).where(live_facts, fact.c.document_id.isnot(None))),
                f.row_id.in_(
                    select(step.c.document_id).where(
                        step.c.person_id.in_(people), step.c.document_id.isnot(None)
                    )
                ),
            ),
        ),
    )


def entering(conn: Connection, window: tuple[int, int]) -> list[str]:
    """People seized to the EP in the feed window ``(cursor, upper]``: their visible file comes with the page
    (its rows are older than the secretariat's cursor)."""
    f = row_feed.c
    return sorted(
        {
            str(p)
            for p in conn.execute(
                select(f.person_id).where(
                    f.table_name == "ep_referral",
                    f.seq > window[0],
                    f.seq <= window[1],
                    f.person_id.isnot(None),
                )
            ).scalars()
        }
    )


def referred(conn: Connection, person_id: str | None, cache: dict[str, bool]) -> bool:
    """The person has a live saisine of the EP (the server's own state)."""
    if not person_id:
        return False
    if person_id not in cache:
        ref = BUSINESS["ep_referral"]
        cache[person_id] = (
            conn.execute(
                select(ref.c.id).where(ref.c.person_id == person_id, ref.c.deleted_at.is_(None)).limit(1)
            ).first()
            is not None
        )
    return cache[person_id]


def guard_others(role: str, op: CheckedOp) -> None:
    """A device other than the secretariat's (or the département's) never writes séances and cases."""
    if op.table in SECRETARIAT_TABLES and role not in (ROLE, "admin"):
        raise Refusal("ep_secretariat", SECRETARIAT_ONLY)


def check(
    auth: Authoriser, op: CheckedOp, existing: dict[str, Any] | None, feed_end: int, cache: dict[str, bool]
) -> int:
    """The rules of the secretariat's writes: the base revision to merge from, or Refusal."""
    if op.kind in ("merge", "purge"):
        raise Refusal("out_of_scope", NOT_EP_WRITE)
    if existing is None and op.kind in ("update", "delete"):
        return op.base  # unknown to the server: nothing is written (« missing »)
    base = op.base
    if existing is not None:
        if op.base > feed_end:
            raise Refusal("bad_base", "Révision de base au-delà du flux du serveur : modification refusée.")
        base = min(op.base, int(existing["revision"]))
    if op.table == "ep_seance":
        return base
    after = {**(existing or {"id": op.row_id}), **op.values}
    pid = op.row_id if op.table == "person" else after.get("person_id")
    if existing is not None and op.table != "person" and existing.get("person_id") != pid:
        raise Refusal("out_of_scope", NOT_EP_WRITE)
    if not referred(auth.b.conn, pid, cache):
        raise Refusal("out_of_scope", NOT_REFERRED)
    if op.table == "ep_case":
        _case(auth, after)
    elif existing is None:
        if op.table not in INSERTABLE:
            raise Refusal("out_of_scope", NOT_EP_WRITE)
        if op.table == "sanction_step" and after.get("kind") not in EP_STEPS:
            raise Refusal("out_of_scope", NOT_EP_WRITE)
    else:
        allowed = UPDATABLE.get(op.table, frozenset())
        changed = {k for k in op.values if k != "updated_at"}
        if op.kind != "update" or not changed <= allowed:
            raise Refusal("out_of_scope", NOT_EP_WRITE)
    _references(auth, op, pid, cache)
    return base


def _case(auth: Authoriser, after: dict[str, Any]) -> None:
    referral = auth.b.row("ep_referral", str(after.get("referral_id") or ""))
    if referral is None or referral.get("person_id") != after.get("person_id"):
        raise Refusal("unknown_parent", "Saisine inconnue du serveur pour cette personne : refusé.")


def _references(auth: Authoriser, op: CheckedOp, pid: str | None, cache: dict[str, bool]) -> None:
    """Every row an op names belongs to the same person (or is a séance, or the directory)."""
    from server.engine.scope import FKS

    for column, ref_table in FKS.get(op.table, ()):
        value = op.values.get(column)
        if column == "person_id" or not isinstance(value, str) or not value:
            continue
        if ref_table in ("ep_seance", "referent", "household"):
            continue
        row = auth.b.row(ref_table, value)
        if row is None:
            continue
        owner = value if ref_table == "person" else row.get("person_id")
        if owner != pid or not referred(auth.b.conn, owner, cache):
            raise Refusal("out_of_scope", "Référence à un enregistrement hors de votre périmètre : refusé.")
