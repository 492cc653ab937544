"""Who may write what: every uploaded op is authorised from the server's own state, never the device's claims.

The rules (ADR 0010):

- a référent writes in their own caseload (people whose ``referent_id`` is theirs and everything hanging off
  them), a team leader in the caseloads of their team, the département role (``admin``) everywhere when the
  server is configured so (``python -m server policy --departement ecriture``), nowhere otherwise;
- rows without a person (a collective RDV and its history), and a person not yet given a référent, belong to the
  user who created them; a household to its creator and to whoever may write one of its people;
- reassignment: a référent hands a person to the team (to a team leader of their own team), a team leader assigns
  a person of the team to a référent of the team, the département assigns anyone to anyone;
- the directory (``referent``): a device edits only its user's own entry, and only its contact fields;
- every reference an op sets (person, parent row, household, other rows) must point inside the device's scope;
- séances and cases of the équipe pluridisciplinaire are written by its secretariat only, which writes nothing
  else but the consequence of a décision in the file of a person the EP was seized of (ADR 0041,
  :mod:`server.engine.secretariat`);
- a base revision beyond the server's feed is refused (no device can have seen it); one between the stored row's
  revision and the feed's end means « I have seen the current row » and is merged from the stored revision;
- co-accompaniment (ADR 0052, :mod:`server.engine.shares`): a professional a file is shared with reads it, and
  with a write access writes the records of the shared work in it (notes, RDVs, carnet, prescriptions,
  documents, diagnostic versions, bilans) — never the person, orientation, référent, contracts, sanctions,
  exits, joint reviews or the shares themselves; the audit trail of their own views is theirs to write.

A refusal is :class:`Refused` with a stable code and a French message that never reveals anything outside the
device's scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from app.models.coaccompaniment import SHARED_AUDIT, SHARED_PERSON_FIELDS, SHARED_WRITABLE
from server.engine import secretariat
from server.engine import shares as sharing
from server.engine.scope import FKS, GLOBAL_TABLES, PARENT, DeviceCtx
from server.store.db import get_meta
from server.store.tables import BUSINESS, users

if TYPE_CHECKING:
    from server.engine.batch import Batch
    from server.engine.validate import CheckedOp

#: ``server_meta`` key of the département role's write access ("1" = writes everywhere, else read only).
DEPARTEMENT_WRITES = "departement_writes"
#: Contact fields a user may change in their own directory entry.
DIRECTORY_FIELDS = frozenset({"first_name", "last_name", "structure", "phone", "email"})
#: Fields of a reminder only the server writes (ADR 0036): a device queues or cancels, the server sends.
REMINDER_SERVER_FIELDS = frozenset({"state", "sent_at", "failure"})
REMINDER_QUEUED = {"state": (None, "a_envoyer"), "sent_at": (None,), "failure": (None, "")}
OUT_OF_SCOPE = "Cet enregistrement n'est pas dans votre périmètre : modification refusée."
PERSON_OUT_OF_SCOPE = "Cette personne n'est pas dans votre file active : modification refusée."


class Refused(Exception):
    """An op the device may not make; ``message`` is French."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Member:
    """A user who carries a caseload (référent or team leader), by the id of their directory entry."""

    user_id: str
    role: str
    team_id: str | None


@dataclass(frozen=True)
class Owner:
    """Whose a row is: a caseload (``referent``), a user (no person), a household, the directory, or unknown."""

    kind: str  # referent / user / household / directory / unknown
    key: str | None = None


@dataclass
class Policy:
    """The rules for one device, loaded once per batch from the server's tables."""

    dev: DeviceCtx
    members: dict[str, Member]
    write_refs: frozenset[str] | None  # None: the whole département
    read_refs: frozenset[str] | None
    writes: bool  # False: the département role configured read-only
    trusted: bool = False  # the server itself (orientation import)
    #: Co-accompaniment (ADR 0052): person → « lecture » / « ecriture » through a share with the device's référents.
    shares: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: Connection, dev: DeviceCtx) -> Policy:
        members = {
            str(r.referent_id): Member(str(r.id), str(r.role), r.team_id)
            for r in conn.execute(
                select(users.c.id, users.c.role, users.c.team_id, users.c.referent_id).where(
                    users.c.referent_id.is_not(None)
                )
            )
        }
        refs: frozenset[str] | None
        if dev.role == "admin":
            refs = None
        elif dev.role == "team_leader" and dev.team_id:
            refs = frozenset(r for r, m in members.items() if m.team_id == dev.team_id) | (
                {dev.referent_id} if dev.referent_id else set()
            )
        else:
            refs = frozenset({dev.referent_id} if dev.referent_id else ())
        writes = dev.role != "admin" or departement_writes(conn)
        shared = sharing.access_by_person(conn, refs, sharing.load_policy(conn)) if refs else {}
        return cls(dev, members, refs, refs, writes, shares=shared)

    @classmethod
    def trusted_server(cls, dev: DeviceCtx) -> Policy:
        """No rule applies: the server writing its own import."""
        return cls(dev, {}, None, None, True, trusted=True)

    def readable(self, referent_id: str | None) -> bool:
        return self.read_refs is None or (referent_id is not None and referent_id in self.read_refs)

    def shared(self, person_id: str | None) -> str | None:
        """The access a share gives the device on this person's file (None: not shared with it)."""
        return self.shares.get(person_id) if person_id else None


def departement_writes(conn: Connection) -> bool:
    return get_meta(conn, DEPARTEMENT_WRITES) == "1"


class Authoriser:
    """Checks the ops of one batch against a :class:`Policy`, reading rows through the batch's cache."""

    def __init__(self, batch: Batch, policy: Policy) -> None:
        self.b = batch
        self.p = policy
        self._households: dict[str, bool] = {}
        self._referred: dict[str, bool] = {}  # people with a saisine of the EP (ADR 0041)

    # ------------------------------------------------------------------ owners

    def owner(self, t: str, row: dict[str, Any], *, new: bool = False) -> Owner:
        if t == "person":
            ref = row.get("referent_id")
            if ref:
                return Owner("referent", ref)
            # Not assigned yet (created, then given a référent in a second step): its creator's.
            entry = None if new else self.b.feed_entry(t, row["id"])
            return Owner("user", entry["origin_user"] if entry else self.p.dev.user_id)
        if t == "household":
            return Owner("household", row["id"])
        if t == "referent":
            return Owner("directory", row["id"])
        if "person_id" in BUSINESS[t].c:
            pid = row.get("person_id")
            if pid:
                person = self.b.row("person", pid)
                return self.owner("person", person) if person is not None else Owner("unknown", "person")
        elif t in PARENT:
            ptable, col = PARENT[t]
            parent = self.b.row(ptable, row[col]) if row.get(col) else None
            return self.owner(ptable, parent) if parent is not None else Owner("unknown", "parent")
        entry = None if new else self.b.feed_entry(t, row["id"])
        return Owner("user", entry["origin_user"] if entry else self.p.dev.user_id)

    def may_write(self, owner: Owner) -> bool:
        if self.p.write_refs is None:
            return owner.kind != "unknown"
        if owner.kind == "referent":
            return owner.key in self.p.write_refs
        if owner.kind == "user":
            return owner.key == self.p.dev.user_id
        if owner.kind == "household":
            return self._household_writable(str(owner.key))
        return False

    def may_read(self, t: str, row: dict[str, Any]) -> bool:
        """The device sees this row (its current values may be shown to it)."""
        if t == "referent":
            return True
        if self.p.shared(self.b.person_of(t, row)):  # a file shared with the device (ADR 0052)
            return True
        owner = self.owner(t, row)
        if owner.kind == "referent" and self.p.read_refs is not None:
            return owner.key in self.p.read_refs
        return self.may_write(owner) if self.p.read_refs is not None else owner.kind != "unknown"

    def _household_writable(self, hid: str) -> bool:
        if hid not in self._households:
            entry = self.b.feed_entry("household", hid)
            if entry is None or entry.get("origin_user") == self.p.dev.user_id:
                ok = True
            else:
                person = BUSINESS["person"]
                refs = self.b.conn.execute(
                    select(person.c.referent_id).where(person.c.household_id == hid)
                ).scalars()
                ok = any(r in (self.p.write_refs or ()) for r in refs)
            self._households[hid] = ok
        return self._households[hid]

    # ------------------------------------------------------------------ the check

    def check(self, op: CheckedOp, existing: dict[str, Any] | None, feed_end: int) -> int:
        """Refused when the device may not make ``op``; otherwise the base revision to merge from.
        ``feed_end``: the last feed sequence given so far (no device can have seen a later revision)."""
        p = self.p
        if p.trusted:
            return op.base
        if not p.writes:
            raise Refused(
                "read_only", "Le rôle département de ce serveur est en lecture seule : modification refusée."
            )
        try:  # the EP secretariat's rules (ADR 0041)
            secretariat.guard_others(p.dev.role, op)
            if p.dev.role == secretariat.ROLE:
                return secretariat.check(self, op, existing, feed_end, self._referred)
        except secretariat.Refusal as exc:
            raise Refused(exc.code, exc.message) from None
        if op.kind == "merge":
            self._merge(op, existing)
            return op.base
        if existing is None and op.kind in ("update", "delete", "purge"):
            return op.base  # unknown to the server: nothing is written (« missing »)
        if op.table == "appointment_reminder":
            self._reminder(op, existing)
        if op.table == "referent":
            self._directory(op, existing)
        elif existing is not None:
            before = self.owner(op.table, existing)
            if not self.may_write(before) and not self.co_writes(op.table, existing, op.kind, op.values):
                code = "out_of_scope"
                raise Refused(code, PERSON_OUT_OF_SCOPE if before.kind == "referent" else OUT_OF_SCOPE)
        base = op.base
        if existing is not None and op.kind in ("update", "delete", "append"):
            if op.base > feed_end:
                raise Refused(
                    "bad_base", "Révision de base au-delà du flux du serveur : modification refusée."
                )
            base = min(op.base, int(existing["revision"]))
        if op.kind in ("delete", "purge"):
            return base
        after = {**(existing or {"id": op.row_id}), **op.values}
        if op.table == "person":
            self._person(existing, after)
        elif op.table not in ("referent", "household"):
            self._owner_after(op, existing, after)
            if op.table == "referent_assignment" and existing is None:
                self._assignment(after)
        self._references(op, after)
        return base

    def _merge(self, op: CheckedOp, merged: dict[str, Any] | None) -> None:
        """A merge (ADR 0025): the person kept must be known, and both people writable by the device."""
        kept = self.b.row("person", str(op.values["into"]))
        if kept is None:
            raise Refused("unknown_parent", "Fusion refusée : le dossier conservé est inconnu du serveur.")
        for person in (kept, merged):
            if person is not None and not self.may_write(self.owner("person", person)):
                raise Refused(
                    "out_of_scope", "Ces dossiers ne sont pas tous dans votre file active : fusion refusée."
                )

    def _owner_after(self, op: CheckedOp, existing: dict[str, Any] | None, after: dict[str, Any]) -> None:
        keys = ["person_id"] + ([PARENT[op.table][1]] if op.table in PARENT else [])
        if existing is not None and all(after.get(k) == existing.get(k) for k in keys):
            return
        owner = self.owner(op.table, after, new=existing is None)
        if owner.kind == "unknown":
            what = "la personne" if owner.key == "person" else "l'enregistrement parent"
            raise Refused("unknown_parent", f"Enregistrement rattaché à {what}, inconnu du serveur : refusé.")
        if not self.may_write(owner) and not self.co_writes(op.table, after, op.kind, op.values):
            raise Refused("out_of_scope", PERSON_OUT_OF_SCOPE if owner.kind == "referent" else OUT_OF_SCOPE)

    def _person(self, existing: dict[str, Any] | None, after: dict[str, Any]) -> None:
        new_ref = after.get("referent_id")
        old_ref = existing.get("referent_id") if existing is not None else None
        if existing is not None and new_ref == old_ref:
            return
        p = self.p
        if existing is None or old_ref is None:  # a new person, or one given her first référent
            if p.write_refs is None or new_ref is None or new_ref in p.write_refs:
                return
            raise Refused(
                "out_of_scope",
                "Une nouvelle personne doit être suivie par un référent de votre périmètre : refusé.",
            )
        self.reassign(new_ref)

    def _assignment(self, row: dict[str, Any]) -> None:
        """A new line of a person's référent history follows the same rules as the reassignment it records."""
        person = self.b.row("person", row["person_id"]) if row.get("person_id") else None
        current = person.get("referent_id") if person is not None else None
        target = row.get("referent_id")
        if target != current and current is not None:
            self.reassign(target)

    def reassign(self, new_ref: str | None) -> None:
        """A person (already checked writable) gets référent ``new_ref``: within the rules, or Refused."""
        p = self.p
        target = p.members.get(new_ref or "")
        if target is None:
            raise Refused("unknown_referent", "Référent inconnu du serveur : réaffectation refusée.")
        if p.write_refs is None:
            return
        dev = p.dev
        if dev.role == "team_leader":
            if dev.team_id and target.team_id == dev.team_id:
                return
            raise Refused(
                "reassign_rule",
                "Un responsable d'équipe attribue une personne à un référent de son équipe ; un transfert vers "
                "une autre équipe passe par le département : réaffectation refusée.",
            )
        if dev.team_id and target.role == "team_leader" and target.team_id == dev.team_id:
            return
        raise Refused(
            "reassign_rule",
            "Un référent confie une personne à son équipe (à son responsable d'équipe), qui l'attribue ensuite "
            ": réaffectation refusée.",
        )

    def _reminder(self, op: CheckedOp, existing: dict[str, Any] | None) -> None:
        """A device queues a reminder (state « à envoyer », nothing sent) or cancels it; its state, the moment it
        left and the reason of a failure are the server's (ADR 0036)."""
        if existing is None:
            wrong = sorted(k for k, allowed in REMINDER_QUEUED.items() if op.values.get(k) not in allowed)
        else:
            wrong = sorted(
                k for k in REMINDER_SERVER_FIELDS if k in op.values and op.values[k] != existing.get(k)
            )
        if wrong:
            raise Refused(
                "server_field",
                f"Champs d'un rappel gérés par le serveur ({', '.join(wrong)}) : modification refusée.",
            )

    def _directory(self, op: CheckedOp, existing: dict[str, Any] | None) -> None:
        if existing is None or op.kind in ("delete", "purge"):
            raise Refused(
                "directory",
                "Les fiches de l'annuaire des référents sont créées et retirées par le serveur : refusé.",
            )
        if op.row_id != self.p.dev.referent_id:
            raise Refused(
                "directory", "Vous ne pouvez modifier que votre propre fiche de l'annuaire : refusé."
            )
        locked = sorted(k for k in op.values if k not in DIRECTORY_FIELDS and k not in ("updated_at",))
        if locked:
            raise Refused(
                "directory",
                f"Champs de l'annuaire gérés par le serveur ({', '.join(locked)}) : modification refusée.",
            )

    def _references(self, op: CheckedOp, after: dict[str, Any]) -> None:
        """Rows named by the op's foreign keys must be in scope when the server knows them."""
        skip = {"person_id", "referent_id"} | ({PARENT[op.table][1]} if op.table in PARENT else set())
        for column, ref_table in FKS.get(op.table, ()):
            value = op.values.get(column)
            if column in skip or not isinstance(value, str) or not value:
                continue
            if ref_table in GLOBAL_TABLES:  # the directory: everyone sees it (an action's assignee)
                continue
            row = self.b.row(ref_table, value)
            if row is None:
                continue
            if not self.may_write(self.owner(ref_table, row)) and not self.co_reads(ref_table, row):
                raise Refused(
                    "out_of_scope", "Référence à un enregistrement hors de votre périmètre : refusé."
                )

    # ------------------------------------------------------------------ co-accompaniment (ADR 0052)

    def co_writes(self, t: str, row: dict[str, Any], kind: str, values: Mapping[str, Any]) -> bool:
        """A file shared with the device lets it write this row: the records of the shared work with a write
        access (of the person, only the last contact's date their notes and RDVs move); its own audit events
        (inserts) with any access."""
        access = self.p.shared(self.b.person_of(t, row))
        if access is None:
            return False
        if t in SHARED_AUDIT:
            return kind in ("insert", "append")
        if t == "person":
            return access == "ecriture" and kind == "update" and set(values) <= SHARED_PERSON_FIELDS
        return t in SHARED_WRITABLE and access == "ecriture"

    def co_reads(self, t: str, row: dict[str, Any]) -> bool:
        """The row belongs to a file shared with the device: referencing it reveals nothing the device cannot
        read already."""
        return self.p.shared(self.b.person_of(t, row)) is not None
