"""Deciding, row by row and in memory, what the import will write (nothing is written here).

The planner works on a :class:`Snapshot` of the vault and keeps it up to date as rows are accepted, so that
a person appearing twice in the file is caught (« doublon de la ligne N ») and a couple's second member
joins the household created for the first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app.models.enums import AuditAction
from app.models.identity.matching import IDENTITY_KEYS, Candidate
from app.models.orientation_list.columns import ColumnMap
from app.models.orientation_list.errors import ImportCancelled, ImportRowError
from app.models.orientation_list.reader import CsvTable
from app.models.orientation_list.report import Outcome, RowResult
from app.models.orientation_list.rows import ParsedRow, parse_row
from app.models.orientation_list.snapshot import OrientationState, Snapshot, candidate
from app.models.tables.base import fast_id, utcnow
from app.models.text import digits, fold

_FOLDED = frozenset({"last_name", "first_name", "birth_name", "city", "address_line", "address_extra"})
_CIVILITY_FROM_SEX = {"F": "Mme", "M": "M."}


@dataclass
class RowPlan:
    """The writes of one accepted row (ids are made here so rows can refer to each other)."""

    line: int
    outcome: Outcome
    person_id: str
    new_person: dict[str, Any] | None = None
    person_changes: dict[str, Any] = field(default_factory=dict)
    new_orientation: dict[str, Any] | None = None
    close_orientation: tuple[str, date] | None = None
    orientation_changes: tuple[str, dict[str, Any]] | None = None
    parcours_track: tuple[str, str] | None = None
    referent_id: str | None = None
    changed: tuple[str, ...] = ()
    warning: str = ""
    #: « doublon possible »: the records this row may also be (ids) and why (French).
    conflicts: tuple[str, ...] = ()
    reason: str = ""

    @property
    def has_writes(self) -> bool:
        return bool(
            self.new_person is not None
            or self.person_changes
            or self.new_orientation is not None
            or self.close_orientation is not None
            or self.orientation_changes is not None
            or self.parcours_track is not None
            or self.referent_id is not None
        )


@dataclass
class Plan:
    rows: list[RowPlan] = field(default_factory=list)
    new_households: dict[str, str] = field(default_factory=dict)  # CAF number → new household id

    @property
    def writes(self) -> int:
        return sum(1 for r in self.rows if r.has_writes)


def _same(field_name: str, old: Any, new: Any) -> bool:
    if old == new:
        return True
    if field_name in _FOLDED:
        return fold(str(old or "")) == fold(str(new or ""))
    if field_name == "email":
        return str(old or "").casefold() == str(new or "").casefold()
    if field_name == "phone":
        return digits(str(old or "")) == digits(str(new or ""))
    return False


def row_candidate(row: ParsedRow) -> Candidate:
    """The identity a row gives, as matching compares it."""
    p = row.person
    return Candidate(
        id="",
        nir=row.nir or None,
        caf_number=str(p.get("caf_number") or ""),
        first_name=str(p.get("first_name") or ""),
        last_name=str(p.get("last_name") or ""),
        birth_date=row.birth_date,
        birth_name=str(p.get("birth_name") or ""),
    )


class Planner:
    """``default_referent_id``: the référent given to a **new** person whose row names none (server import
    with ``--referent``); existing people keep theirs."""

    def __init__(self, snapshot: Snapshot, default_referent_id: str | None = None) -> None:
        self.snap = snapshot
        self.default_referent_id = default_referent_id
        self.plan = Plan()
        self.claimed: dict[str, int] = {}  # person id → line that already touched it

    def add(self, row: ParsedRow) -> RowPlan:
        """Plan one row; raises :class:`ImportRowError` to reject it (the snapshot is then unchanged).

        The row's identity is matched by :meth:`app.models.identity.matching.PersonIndex.match`. A « doublon
        possible » never touches the records it disagrees with: the row goes to the record it agrees with
        (or to a new one), both are listed for review; when several records agree equally nothing is
        written."""
        match = self.snap.index.match(row_candidate(row))
        if match.person_id is not None and match.person_id in self.claimed:
            raise ImportRowError(f"doublon de la ligne {self.claimed[match.person_id]}")
        if match.ambiguous:
            plan = RowPlan(row.line, Outcome.DUPLICATE, "", conflicts=match.conflicts, reason=match.reason)
            plan.warning = "; ".join(row.warnings)
            self.plan.rows.append(plan)
            return plan
        if match.person_id is None:
            plan = self._create(row)
        else:
            plan = self._update(row, match.person_id, protect_identity=match.via_alias)
        if match.conflicts:
            plan.outcome, plan.conflicts, plan.reason = Outcome.DUPLICATE, match.conflicts, match.reason
        plan.warning = "; ".join([*row.warnings, *([plan.warning] if plan.warning else [])])
        self.claimed[plan.person_id] = row.line
        self.plan.rows.append(plan)
        return plan

    # --- new person -------------------------------------------------------------------------------

    def _create(self, row: ParsedRow) -> RowPlan:
        values: dict[str, Any] = dict(row.person)
        values.setdefault("civility", _CIVILITY_FROM_SEX.get(str(values.get("sex", "")), ""))
        values.update(regime=row.regime, status="active", nir=values.get("nir") or None)
        person_id = fast_id()
        plan = RowPlan(row.line, Outcome.CREATED, person_id, new_person=values)
        plan.new_orientation = self._orientation_values(row, person_id, is_reorientation=False)
        plan.referent_id, plan.warning = self._referent(row, None)
        if plan.referent_id is None and row.referent is None:
            plan.referent_id = self.default_referent_id
        values["referent_id"] = plan.referent_id
        values["household_id"] = self._household(str(values.get("caf_number") or ""))
        self.snap.people[person_id] = values
        self.snap.index.add(candidate(person_id, values))
        return plan

    # --- existing person --------------------------------------------------------------------------

    def _update(self, row: ParsedRow, person_id: str, *, protect_identity: bool = False) -> RowPlan:
        """``protect_identity``: the row spells an identity merged into this person (a référent chose which
        names and identifiers to keep): only the other fields (address, phone…) and the orientation apply."""
        current = self.snap.people[person_id]
        plan = RowPlan(row.line, Outcome.UNCHANGED, person_id)
        self._plan_orientation(row, plan)  # may reject: nothing in the snapshot changed yet
        changes: dict[str, Any] = {}
        for f, v in row.person.items():
            old = current.get(f)
            if old == v or (f == "nir" and not v) or _same(f, old, v):  # old == v: _same's fast answer
                continue
            if protect_identity and f in IDENTITY_KEYS:
                continue
            changes[f] = v
        caf = str(changes.get("caf_number") or current.get("caf_number") or "")
        if caf and self.snap.household_caf.get(current.get("household_id") or "") != caf:
            changes["household_id"] = self._household(caf)
        referent_id, plan.warning = self._referent(row, current.get("referent_id"))
        if referent_id is not None:
            plan.referent_id = referent_id
            changes["referent_id"] = referent_id
        plan.person_changes = changes
        names = sorted(changes) + [n for n in self._orientation_changes_names(plan)]
        if names:
            plan.outcome, plan.changed = Outcome.UPDATED, tuple(names)
            self.snap.index.forget(candidate(person_id, current))
            current.update(changes)
            self.snap.index.add(candidate(person_id, current))
        return plan

    @staticmethod
    def _orientation_changes_names(plan: RowPlan) -> list[str]:
        names = ["orientation"] if plan.new_orientation is not None else []
        if plan.orientation_changes is not None:
            names += [f"orientation.{k}" for k in sorted(plan.orientation_changes[1])]
        return names

    def _plan_orientation(self, row: ParsedRow, plan: RowPlan) -> None:
        history = self.snap.orientations.get(plan.person_id, [])
        same = next(
            (o for o in history if o.decision_date == row.decision_date and o.track == row.track), None
        )
        if same is not None:
            changes: dict[str, Any] = {}
            if row.notification_date is not None and row.notification_date != same.notification_date:
                changes["notification_date"] = row.notification_date
            if row.organisme is not None and not _same("city", same.organisme, row.organisme):
                changes["organisme"] = row.organisme
            if changes:
                plan.orientation_changes = (same.id, changes)
            return
        current = next((o for o in reversed(history) if o.ended_on is None), None)
        if current is not None and row.decision_date < current.decision_date:
            raise ImportRowError(
                f"orientation du {row.decision_date:%d/%m/%Y} antérieure à l'orientation en cours "
                f"du {current.decision_date:%d/%m/%Y}"
            )
        if current is not None:
            plan.close_orientation = (current.id, row.decision_date)
        plan.new_orientation = self._orientation_values(row, plan.person_id, is_reorientation=bool(history))
        parcours = self.snap.open_parcours.get(plan.person_id)
        if parcours is not None and parcours[1] != row.track:
            plan.parcours_track = (parcours[0], row.track)

    def _orientation_values(
        self, row: ParsedRow, person_id: str, *, is_reorientation: bool
    ) -> dict[str, Any]:
        orientation_id = fast_id()
        values: dict[str, Any] = {
            "id": orientation_id,
            "person_id": person_id,
            "track": row.track,
            "organisme": row.organisme or "",
            "regime": row.regime,
            "decision_date": row.decision_date,
            "notification_date": row.notification_date,
            "is_reorientation": is_reorientation,
        }
        self.snap.orientations.setdefault(person_id, []).append(
            OrientationState(
                orientation_id, row.track, row.decision_date, row.notification_date, row.organisme or "", None
            )
        )
        return values

    # --- households and référents -----------------------------------------------------------------

    def _household(self, caf: str) -> str | None:
        if not caf:
            return None
        existing = self.snap.households.get(caf)
        if existing is None:
            existing = self.snap.households[caf] = self.plan.new_households[caf] = fast_id()
            self.snap.household_caf[existing] = caf
        return existing

    def _referent(self, row: ParsedRow, current: str | None) -> tuple[str | None, str]:
        """(référent id to assign or None, warning)."""
        if row.referent is None:
            return None, ""
        ids = self.snap.referent_ids(row.referent)
        if len(ids) == 1:
            return (None, "") if ids[0] == current else (ids[0], "")
        if not ids:
            return None, f"référent « {row.referent} » inconnu dans Fil rouge : à désigner"
        return None, f"plusieurs référents s'appellent « {row.referent} » : à désigner"


CHECK_EVERY = 1000


def plan_rows(
    planner: Planner,
    table: CsvTable,
    records: list[tuple[int, list[str] | None]],
    cmap: ColumnMap,
    notify: Callable[[int], None],
    cancelled: Callable[[], bool],
) -> list[RowResult]:
    results: list[RowResult] = []
    for done, (line, fields) in enumerate(records, start=1):
        try:
            if fields is None:
                raise ImportRowError("ligne illisible (guillemets mal fermés ou caractère invalide)")
            plan = planner.add(parse_row(line, fields, table.columns, cmap))
        except ImportRowError as exc:
            results.append(RowResult(line, Outcome.REJECTED, f"ligne {line} : {exc.message}"))
        else:
            reason = f"ligne {line} : {plan.reason}" if plan.reason else ""
            results.append(
                RowResult(
                    line,
                    plan.outcome,
                    reason,
                    plan.person_id or None,
                    plan.changed,
                    plan.warning,
                    plan.conflicts,
                )
            )
        if done % CHECK_EVERY == 0:
            notify(done)
            if cancelled():
                raise ImportCancelled()
    notify(len(records))
    return results


AUDIT_PREFIX = "Import de la liste d'orientation ; champs modifiés : "


ASSIGNMENT_REASON = "Désignation reçue avec la liste d'orientation du département"


def audit_row(r: RowPlan, actor: str) -> dict[str, Any]:
    """The audit event of an updated person: the names of the changed fields, never their values."""
    return {
        "id": fast_id(),
        "at": utcnow(),
        "actor": actor,
        "action": str(AuditAction.CHANGE),
        "person_id": r.person_id,
        "object_table": "person",
        "object_id": r.person_id,
        "detail": AUDIT_PREFIX + ", ".join(r.changed),
    }


def assignment_row(r: RowPlan, actor: str, today: date) -> dict[str, Any]:
    return {
        "id": fast_id(),
        "person_id": r.person_id,
        "referent_id": r.referent_id,
        "start_date": today,
        "reason": ASSIGNMENT_REASON,
        "assigned_by": actor,
    }
