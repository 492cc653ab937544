"""The intermediate archive (« archivage intermédiaire ») between the end of a file's active period and its
final elimination.

The CNIL's référentiel of retention periods for the social and médico-social sector (délibération n° 2023-095
du 14 septembre 2023) sets the active period of an accompaniment file at two years from the last contact, and
allows an intermediate archive where the file keeps an administrative interest — evidence within the
applicable limitation periods (a sanction contested late, an undue payment claimed back: CASF L.262-45) —
consulted only « de manière ponctuelle et motivée par des personnes spécifiquement habilitées ». Its length is
the département's decision (its DPO's), so it is a setting of the server: ``python -m server archive
--duree-annees N`` (0, the default, means no intermediate archive: the purge eliminates at once).

When a device's retention purge reaches the server (:mod:`server.engine.purge`) and the setting is above 0, the
person's rows — every table of :mod:`app.models.personal_data`, as they were before the scrub, and her
household — and the bytes of her documents are copied into ``archive`` in the same transaction, then scrubbed everywhere else as before.
No route of the API reads ``archive``: no device ever downloads it. The server's operators read one file with
``python -m server archive lire``, which is audited, and ``python -m server archive eliminer`` deletes the
files whose archive period is over (audited too; meant for a daily cron).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import Connection, delete, select

from server.admin import audit
from server.store.db import get_meta, set_meta, utcnow
from server.store.tables import BUSINESS, archive, attachment_chunks

#: ``server_meta`` key of the archive period, in whole years (0: no intermediate archive).
ARCHIVE_YEARS = "archive_years"
#: An upper bound that catches a typo (the longest limitation period concerned is 5 years, in case of fraud).
MAX_ARCHIVE_YEARS = 10


@dataclass(frozen=True)
class ArchivedFile:
    person_id: str
    referent_id: str | None
    archived_at: datetime
    eliminate_after: date

    def as_dict(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "referent_id": self.referent_id,
            "archived_at": self.archived_at.isoformat(timespec="seconds"),
            "eliminate_after": self.eliminate_after.isoformat(),
        }


def archive_years(conn: Connection) -> int:
    raw = get_meta(conn, ARCHIVE_YEARS)
    try:
        return max(0, int(raw)) if raw else 0
    except ValueError:
        return 0


def set_archive_years(conn: Connection, years: int) -> None:
    if not 0 <= years <= MAX_ARCHIVE_YEARS:
        raise ValueError(f"Durée d'archivage intermédiaire : de 0 à {MAX_ARCHIVE_YEARS} ans.")
    set_meta(conn, ARCHIVE_YEARS, str(years))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _document_bytes(conn: Connection, digests: set[str]) -> dict[str, str]:
    files: dict[str, str] = {}
    for digest in sorted(digests):
        chunks = conn.execute(
            select(attachment_chunks.c.data)
            .where(attachment_chunks.c.sha256 == digest)
            .order_by(attachment_chunks.c.idx)
        ).scalars()
        data = b"".join(bytes(c) for c in chunks)
        if data:
            files[digest] = base64.b64encode(data).decode("ascii")
    return files


def archive_before_purge(
    conn: Connection,
    person: dict[str, Any],
    rows: dict[str, list[dict[str, Any]]],
    digests: set[str],
    *,
    device_id: str,
) -> bool:
    """Copy the file of ``person`` (her rows by table, her documents) into the archive when the département
    set an archive period. False when there is none, or when the file is archived already (a replayed purge
    must not overwrite the archived file with its scrubbed copy)."""
    years = archive_years(conn)
    if years == 0:
        return False
    pid = person["id"]
    if conn.execute(select(archive.c.person_id).where(archive.c.person_id == pid)).first() is not None:
        return False
    now = utcnow()
    household = BUSINESS["household"]
    found = (
        conn.execute(select(household).where(household.c.id == person.get("household_id"))).mappings().first()
    )
    payload = {
        "person": {k: _plain(v) for k, v in person.items()},
        "household": {k: _plain(v) for k, v in found.items()} if found is not None else None,
        "tables": {
            name: [{k: _plain(v) for k, v in r.items()} for r in found] for name, found in rows.items()
        },
        "documents": _document_bytes(conn, digests),
    }
    conn.execute(
        archive.insert().values(
            person_id=pid,
            referent_id=person.get("referent_id"),
            archived_at=now,
            eliminate_after=now.date() + relativedelta(years=years),
            device_id=device_id,
            payload=json.dumps(payload, ensure_ascii=False, sort_keys=True),
        )
    )
    audit.write(conn, [audit.event("archived", device_id=device_id, table_name="person", row_id=pid,
                                   detail=f"archivage intermédiaire pour {years} an(s)")])  # fmt: skip
    return True


def archived_files(conn: Connection) -> list[ArchivedFile]:
    rows = conn.execute(
        select(
            archive.c.person_id, archive.c.referent_id, archive.c.archived_at, archive.c.eliminate_after
        ).order_by(archive.c.eliminate_after, archive.c.person_id)
    ).all()
    return [ArchivedFile(*r) for r in rows]


def read_archive(conn: Connection, person_id: str, *, reason: str, operator: str) -> dict[str, Any] | None:
    """The archived file of ``person_id`` (None if there is none); the reading is audited with its reason."""
    payload = conn.execute(select(archive.c.payload).where(archive.c.person_id == person_id)).scalar()
    if payload is None:
        return None
    audit.write(conn, [audit.event("archive_read", table_name="person", row_id=person_id, code=operator[:40],
                                   detail=f"motif : {reason}")])  # fmt: skip
    found: dict[str, Any] = json.loads(payload)
    return found


def eliminate_expired(conn: Connection, on: date, *, operator: str) -> list[str]:
    """Delete the archived files whose period is over on ``on``; their ids (audited)."""
    ids = list(conn.execute(select(archive.c.person_id).where(archive.c.eliminate_after <= on)).scalars())
    if ids:
        conn.execute(delete(archive).where(archive.c.person_id.in_(ids)))
        audit.write(conn, [audit.event("archive_eliminated", table_name="person", row_id=pid, code=operator[:40],
                                       detail="fin de l'archivage intermédiaire") for pid in ids])  # fmt: skip
    return ids
