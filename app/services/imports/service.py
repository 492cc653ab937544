"""``import_orientations``: the monthly orientation list (CSV) of the département into the vault."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from app.services.db import Database
from app.services.imports.apply import Applier
from app.services.imports.columns import ColumnMap, load_column_map
from app.services.imports.errors import ImportCancelled, ImportFileError, ImportRowError
from app.services.imports.planner import Planner
from app.services.imports.reader import CsvTable, open_table
from app.services.imports.report import ImportReport, Outcome, RowResult
from app.services.imports.rows import parse_row
from app.services.imports.snapshot import load_snapshot

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
CHECK_EVERY = 1000


def _never() -> bool:
    return False


def import_orientations(
    db: Database,
    path_or_bytes: str | Path | bytes,
    *,
    column_map: ColumnMap | Path | str | Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Import a département orientation list; returns the per-row report.

    Refuses a file that is not a usable CSV with :class:`ImportFileError`. A bad row never stops the others:
    it is reported « rejeté » with its reason. Re-importing the same file writes nothing. ``progress(done,
    total)`` counts steps (each data row is read, then applied: ``total`` is twice the number of rows);
    ``cancel()`` is checked between batches and, if true, :class:`ImportCancelled` is raised and the
    transaction is rolled back — nothing is saved. ``dry_run`` computes the same report and writes nothing.
    """
    started = time.perf_counter()
    cmap = load_column_map(column_map)
    table, name = open_table(path_or_bytes, cmap)
    records = list(table.records())
    if not records:
        raise ImportFileError(
            "Le fichier ne contient aucune ligne de données (seulement la ligne d'en-têtes)."
        )
    total = 2 * len(records)
    notify: Callable[[int], None] = (lambda done: progress(done, total)) if progress else (lambda done: None)
    cancelled = cancel or _never
    with db.session() as s:
        snapshot = load_snapshot(s)
        planner = Planner(snapshot)
        results = _plan_rows(planner, table, records, cmap, notify, cancelled)
        if not dry_run and planner.plan.writes:
            Applier(s, planner.plan, snapshot.actor, lambda d: notify(len(records) + d), cancelled).run()
        elif cancelled():
            raise ImportCancelled()
        notify(total)
    report = ImportReport(
        file_name=name,
        encoding=table.encoding,
        delimiter=table.delimiter,
        dry_run=dry_run,
        results=tuple(results),
        duration_s=time.perf_counter() - started,
    )
    log.info(
        "Import d'orientations%s : %d lignes, %d créées, %d mises à jour, %d inchangées, %d rejetées (%.1f s)",
        " (simulation)" if dry_run else "",
        report.total,
        report.created,
        report.updated,
        report.unchanged,
        report.rejected,
        report.duration_s,
    )
    return report


def _plan_rows(
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
            results.append(RowResult(line, plan.outcome, "", plan.person_id, plan.changed, plan.warning))
        if done % CHECK_EVERY == 0:
            notify(done)
            if cancelled():
                raise ImportCancelled()
    notify(len(records))
    return results
