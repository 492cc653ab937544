"""Who uses this device, and in which role: the account the département's server named at the last ``hello``
(a référent, a team leader, the EP secretariat, the département), or — on a device never enrolled — the
référent set in Paramètres. The role decides what the EP and team screens offer; the server decides what is
accepted (ADR 0041)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.tables.local import SyncState
from app.models.tables.people import Referent
from app.services.people.identity import current_referent_id
from app.services.storage.uow import query
from app.services.sync.base import K_USER

ROLE_REFERENT = "referent"
ROLE_TEAM_LEADER = "team_leader"
ROLE_SECRETARIAT = "secretariat"
ROLE_ADMIN = "admin"
ROLE_LABELS = {
    ROLE_REFERENT: "Référent",
    ROLE_TEAM_LEADER: "Responsable d'équipe",
    ROLE_SECRETARIAT: "Secrétariat de l'équipe pluridisciplinaire",
    ROLE_ADMIN: "Département",
}


@dataclass(frozen=True)
class SignedIn:
    role: str
    name: str  # as printed: « Prénom Nom »
    login: str
    referent_id: str | None = None  # the user's entry in the directory (référents and team leaders)
    enrolled: bool = False  # the role comes from the département's server (else: Paramètres, every role)

    @property
    def secretariat(self) -> bool:
        return self.role == ROLE_SECRETARIAT

    @property
    def team_leader(self) -> bool:
        return self.role == ROLE_TEAM_LEADER

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


@query
def signed_in(s: Session) -> SignedIn:
    """The account of this device (from the server), else the référent of Paramètres, else « local »."""
    raw = s.execute(select(SyncState.value).where(SyncState.key == K_USER)).scalar()
    user = json.loads(raw) if raw else {}
    if user.get("role"):
        name = str(user.get("name") or user.get("login") or "")
        return SignedIn(
            str(user["role"]), name, str(user.get("login") or ""), user.get("referent_id"), enrolled=True
        )
    rid = current_referent_id.within(s)
    ref = s.get(Referent, rid) if rid else None
    if ref is None:
        return SignedIn(ROLE_REFERENT, "", "local")
    role = ROLE_TEAM_LEADER if ref.is_team_leader else ROLE_REFERENT
    return SignedIn(role, f"{ref.first_name} {ref.last_name}".strip(), ref.login, ref.id)
