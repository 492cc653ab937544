"""The lists the window shows, as CSV or XLSX files: the caseload and the alerts (the people behind a figure are
:func:`app.services.reporting.export.export_people`). Headless too: ``caseload --out``, ``alerts --out``.

A list of people is an export of personal data: one audit event « export » per person listed. The file is
written first (all or nothing, :mod:`.sheets`), then the audit events in one transaction; if they cannot be
recorded, the file is removed: no export leaves without its trace.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.models.enums import AuditAction
from app.models.files import remove_quietly
from app.services.people.caseload import CaseloadRow
from app.services.people.followup import AlertGroup
from app.services.reporting.sheets import check_extension, write_table
from app.services.storage import audit
from app.services.storage.db import Database
from app.services.storage.uow import use_case

CASELOAD_HEADER = (
    "Nom", "Prénom", "N° allocataire", "Commune", "Référent", "Parcours", "Régime", "Prochaine échéance", "État",
    "Date limite", "Dernier contact",
)  # fmt: skip
ALERTS_HEADER = ("Échéance", "Fondement", "Personne", "Date limite", "État", "Jours restants")


def _day(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


def caseload_rows(rows: Sequence[CaseloadRow]) -> list[list[Any]]:
    out = []
    for r in rows:
        due = r.next_due
        out.append([
            r.last_name, r.first_name, r.caf_number, r.city, r.referent, r.track_label, r.regime_label,
            due.label if due else "", due.state_label if due else "", _day(due.due) if due else "",
            _day(r.last_contact),
        ])  # fmt: skip
    return out


def alert_rows(groups: Sequence[AlertGroup]) -> list[tuple[list[Any], str]]:
    """(cells, person id) of every alert line, grouped by rule as on the Alertes page."""
    out = []
    for g in groups:
        basis = g.legal_basis or g.source
        for line in g.lines:
            out.append(([g.label, basis, line.person, _day(line.due_date), line.state_label, line.days_left],
                        line.person_id))  # fmt: skip
    return out


@use_case
def record_list_export(s: Session, person_ids: Sequence[str], *, actor: str, detail: str) -> None:
    for pid in dict.fromkeys(person_ids):
        audit.record_audit.within(
            s, actor=actor or "local", action=AuditAction.EXPORT, person_id=pid, object_table="person",
            object_id=pid, detail=detail,
        )  # fmt: skip


def export_list(
    db: Database,
    path: Path | str,
    titles: Sequence[str],
    rows: Sequence[Sequence[Any]],
    person_ids: Sequence[str],
    *,
    actor: str,
    subject: str,
    text_columns: Sequence[int] = (),
) -> int:
    """Write a list (.csv or .xlsx) and audit it once per person listed; returns the rows written."""
    target = Path(path)
    ext = check_extension(target)
    count = write_table(target, titles, rows, sheet=subject, title=subject, text_columns=text_columns)
    detail = f"Liste « {subject} » ({ext.lstrip('.').upper()}, {count} ligne(s))"
    try:
        record_list_export(db, person_ids, actor=actor, detail=detail)
    except BaseException:
        remove_quietly(target)
        raise
    return count


def export_caseload(db: Database, rows: Sequence[CaseloadRow], path: Path | str, *, actor: str) -> int:
    return export_list(
        db, path, CASELOAD_HEADER, caseload_rows(rows), [r.id for r in rows], actor=actor,
        subject="File active", text_columns=(3,),
    )  # fmt: skip


def export_alerts(db: Database, groups: Sequence[AlertGroup], path: Path | str, *, actor: str) -> int:
    pairs = alert_rows(groups)
    return export_list(
        db, path, ALERTS_HEADER, [cells for cells, _pid in pairs], [pid for _cells, pid in pairs], actor=actor,
        subject="Alertes",
    )  # fmt: skip
