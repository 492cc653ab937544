"""Orientation-list import on the département server: the same file, the same reading, matching and planning
as the client import (:mod:`app.services.imports`), written through the server's sync machinery.

The plan becomes ops of a server pseudo-device (``origin_device = "server"``) applied with the upload path's
own helpers (:mod:`server.engine.ops`): every written row gets a feed sequence number and per-field revisions, person
inserts and référent changes record scope events, so each change reaches exactly the devices whose caseload it
falls into at their next sync. Everything happens in one transaction: a refused op rolls the whole import back.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from app.models.orientation_list.columns import ColumnMap
from app.models.orientation_list.errors import ImportFileError
from app.models.orientation_list.planner import Plan, Planner, assignment_row, audit_row, plan_rows
from app.models.orientation_list.reader import read_file
from app.models.orientation_list.report import ImportReport
from app.models.orientation_list.snapshot import SNAPSHOT_TABLES, load_snapshot_from
from app.models.sync import wire as codec
from server.engine.authorise import Policy
from server.engine.batch import Batch, FeedCounter
from server.engine.ops import apply_op
from server.engine.scope import DeviceCtx
from server.store.db import ServerDB, lock_counter, store_counter
from server.store.tables import BUSINESS, users

log = logging.getLogger(__name__)
SERVER_DEVICE = "server"
DEFAULT_ACTOR = "import-serveur"


class ServerImportError(ImportFileError):
    """The server import cannot run (unknown référent login, op refused by the sync engine)."""


def _referent_of(conn: Connection, login: str) -> tuple[str, str]:
    """(user id, référent id) of a user login; refuses users that are not référents."""
    row = conn.execute(select(users.c.id, users.c.referent_id).where(users.c.login == login)).first()
    if row is None:
        raise ServerImportError(f"Utilisateur « {login} » inconnu du serveur (python -m server user add).")
    if not row.referent_id:
        raise ServerImportError(
            f"L'utilisateur « {login} » n'est pas un référent : aucun portefeuille à remplir."
        )
    return str(row.id), str(row.referent_id)


def plan_to_ops(plan: Plan, actor: str, today: date, base: int) -> list[dict[str, Any]]:
    """The plan as sync ops (wire values), parents before children. ``base`` is the feed sequence read in the
    same transaction: every stored field revision is at most ``base``, so the import's updates never conflict."""
    ops: list[dict[str, Any]] = []

    def op(table: str, row_id: str, kind: str, fields: dict[str, Any]) -> None:
        wire = {k: codec.to_wire(v) for k, v in fields.items() if k != "id"}
        ops.append(
            {
                "i": str(uuid.uuid4()),
                "s": len(ops) + 1,
                "t": table,
                "r": row_id,
                "k": kind,
                "b": base,
                "f": wire,
            }
        )

    for caf, household_id in plan.new_households.items():
        op("household", household_id, "insert", {"caf_number": caf})
    for r in plan.rows:
        if not r.has_writes:
            continue
        if r.new_person is not None:
            op("person", r.person_id, "insert", r.new_person)
        else:
            if r.person_changes:
                op("person", r.person_id, "update", r.person_changes)
            op("audit_event", (audit := audit_row(r, actor))["id"], "append", audit)
        orientation_changes: dict[str, dict[str, Any]] = {}
        if r.close_orientation is not None:
            orientation_changes.setdefault(r.close_orientation[0], {})["ended_on"] = r.close_orientation[1]
        if r.orientation_changes is not None:
            orientation_changes.setdefault(r.orientation_changes[0], {}).update(r.orientation_changes[1])
        for oid, changes in orientation_changes.items():
            op("orientation", oid, "update", changes)
        if r.new_orientation is not None:
            op("orientation", r.new_orientation["id"], "insert", r.new_orientation)
        if r.parcours_track is not None:
            op("parcours", r.parcours_track[0], "update", {"track": r.parcours_track[1]})
        if r.referent_id is not None:
            assignment = assignment_row(r, actor, today)
            op("referent_assignment", assignment["id"], "insert", assignment)
    return ops


def import_orientations_server(
    sdb: ServerDB,
    source: str | Path | bytes,
    *,
    referent_login: str | None = None,
    column_map: ColumnMap | Path | str | Mapping[str, Any] | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import a département orientation list into the server database; returns the same per-row report as
    the client. ``referent_login``: the référent given to new people whose row names none."""
    started = time.perf_counter()
    cmap, table, name, records = read_file(source, column_map)
    total = 2 * len(records)

    def notify(done: int) -> None:
        if progress is not None:
            progress(done, total)

    with sdb.write() as conn:
        user_id, default_referent = (
            ("", None) if referent_login is None else _referent_of(conn, referent_login)
        )
        tables = {t: BUSINESS[t] for t in SNAPSHOT_TABLES}
        snapshot = load_snapshot_from(conn, tables, actor_referent_id=default_referent)
        if snapshot.actor == "import":
            snapshot.actor = DEFAULT_ACTOR
        planner = Planner(snapshot, default_referent_id=default_referent)
        results = plan_rows(planner, table, records, cmap, notify, lambda: False)
        if not dry_run and planner.plan.writes:
            _apply(conn, planner.plan, snapshot.actor, user_id)
        notify(total)
    report = ImportReport(
        file_name=name,
        encoding=table.encoding,
        delimiter=table.delimiter,
        dry_run=dry_run,
        results=tuple(results),
        duration_s=time.perf_counter() - started,
    )
    log.info("Import d'orientations (serveur) : %s (%.1f s)", report.summary(), report.duration_s)
    return report


def _apply(conn: Connection, plan: Plan, actor: str, user_id: str) -> None:
    counter = FeedCounter(lock_counter(conn))
    start = counter.value
    ops = plan_to_ops(plan, actor, date.today(), start)
    device = DeviceCtx(
        id=SERVER_DEVICE, user_id=user_id, role="admin", referent_id=None, team_id=None, status="active"
    )
    # The plan has matched every row against the whole base: no per-person duplicate search on creation.
    batch = Batch(conn, device, ops, find_duplicates=False, policy=Policy.trusted_server(device))
    for op in ops:
        result = apply_op(batch, op, counter)
        if result["st"] != "applied":
            raise ServerImportError(
                f"Le serveur a refusé une écriture de l'import ({op['t']}, {result['st']}"
                f"{' : ' + result['msg'] if result.get('msg') else ''}) : rien n'a été enregistré."
            )
    batch.flush()
    if counter.value != start:
        store_counter(conn, counter.value)
