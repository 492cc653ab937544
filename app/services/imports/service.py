"""``import_orientations``: the monthly orientation list (CSV) of the département into the vault."""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.models.files import remove_quietly
from app.models.orientation_list.columns import FIELDS, ColumnMap
from app.models.orientation_list.errors import ImportCancelled
from app.models.orientation_list.planner import Planner, plan_rows
from app.models.orientation_list.reader import read_file
from app.models.orientation_list.report import ImportReport, Outcome, RowResult
from app.models.orientation_list.snapshot import load_snapshot
from app.models.tables.base import utcnow
from app.models.tables.local import LocalSetting
from app.models.tables.people import Person
from app.services.imports.apply import Applier
from app.services.storage.db import Database

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
LARGE_IMPORT_ROWS = 5000
LARGE_IMPORT_CACHE_KIB = 256 * 1024  # at most 256 MB, only for the import's transaction
HISTORY_KEY = "import_history"
HISTORY_LENGTH = 50


@dataclass(frozen=True)
class FileInfo:
    """What was detected in a file before importing it (header check passed)."""

    file_name: str
    encoding: str
    delimiter: str
    rows: int
    mapped: tuple[tuple[str, str], ...]  # (header in the file, French label of the field)
    ignored: tuple[str, ...]  # headers the column map does not know
    absent: tuple[str, ...]  # French labels of optional fields with no column


@dataclass(frozen=True)
class HistoryEntry:
    """One past import of this profile (kept in a local setting, newest first)."""

    file_name: str
    at: datetime
    total: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    duplicates: int = 0


def describe_file(
    source: str | Path | bytes, column_map: ColumnMap | Path | str | Mapping[str, Any] | None = None
) -> FileInfo:
    """Encoding, separator, columns recognised / ignored / absent and the number of data rows; nothing is
    imported. Raises :class:`ImportFileError` exactly when the import itself would refuse the file."""
    cmap, table, name, records = read_file(source, column_map)
    present = {f for f in table.columns if f is not None}
    return FileInfo(
        file_name=name,
        encoding=table.encoding,
        delimiter=table.delimiter,
        rows=len(records),
        mapped=tuple((h, cmap.label(f)) for h, f in zip(table.header, table.columns, strict=True) if f),
        ignored=tuple(h for h, f in zip(table.header, table.columns, strict=True) if f is None and h),
        absent=tuple(cmap.label(f) for f in FIELDS if f not in present),
    )


def import_history(db: Database) -> list[HistoryEntry]:
    """Past imports of this profile, newest first, times in local time (simulations are not recorded)."""
    with db.read() as s:
        setting = s.get(LocalSetting, HISTORY_KEY)
        raw = list(setting.value or []) if setting is not None else []
    out = []
    for e in raw:
        try:
            out.append(
                HistoryEntry(
                    file_name=str(e["file"]),
                    at=datetime.fromisoformat(e["at"]).replace(tzinfo=UTC).astimezone().replace(tzinfo=None),
                    total=int(e["total"]),
                    created=int(e["created"]),
                    updated=int(e["updated"]),
                    unchanged=int(e["unchanged"]),
                    rejected=int(e["rejected"]),
                    duplicates=int(e.get("duplicates", 0)),
                )
            )
        except (KeyError, TypeError, ValueError):
            continue
    return out


def person_names(db: Database, person_ids: list[str]) -> dict[str, str]:
    """« NOM Prénom » of the given people (for the report table on screen; the CSV report has no names)."""
    out: dict[str, str] = {}
    ids = sorted(set(person_ids))
    with db.read() as s:
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            for pid, last, first in s.execute(
                select(Person.id, Person.last_name, Person.first_name).where(Person.id.in_(part))
            ):
                out[pid] = f"{(last or '').upper()} {first or ''}".strip()
    return out


def _record_history(s: Any, report_counts: dict[str, Any]) -> None:
    setting = s.get(LocalSetting, HISTORY_KEY)
    entries = list(setting.value or []) if setting is not None else []
    entries.insert(0, report_counts)
    s.merge(LocalSetting(key=HISTORY_KEY, value=entries[:HISTORY_LENGTH]))


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
    report_path: Path | None = None,
) -> ImportReport:
    """Import a département orientation list; returns the per-row report.

    Refuses a file that is not a usable CSV with :class:`ImportFileError`. A bad row never stops the others:
    it is reported « rejeté » with its reason. Re-importing the same file writes nothing. ``progress(done,
    total)`` counts steps (each data row is read, then applied: ``total`` is twice the number of rows);
    ``cancel()`` is checked between batches and, if true, :class:`ImportCancelled` is raised and the
    transaction is rolled back — nothing is saved. ``dry_run`` computes the same report and writes nothing.

    ``report_path``: the per-row report (CSV) is written there **before** the transaction commits, so a report
    that cannot be written (full disk, read-only folder: :class:`~app.models.files.OutputError`) leaves the
    vault untouched, and an import whose commit fails leaves no report claiming rows were created.
    """
    with _gc_paused():
        return _import(db, path_or_bytes, column_map, progress, cancel, dry_run, report_path)


def _import(
    db: Database,
    path_or_bytes: str | Path | bytes,
    column_map: ColumnMap | Path | str | Mapping[str, Any] | None,
    progress: Progress | None,
    cancel: Callable[[], bool] | None,
    dry_run: bool,
    report_path: Path | None = None,
) -> ImportReport:
    started = time.perf_counter()
    cmap, table, name, records = read_file(path_or_bytes, column_map)
    total = 2 * len(records)
    notify: Callable[[int], None] = (lambda done: progress(done, total)) if progress else (lambda done: None)
    cancelled = cancel or _never
    written: Path | None = None
    try:
        with db.session() as s:
            snapshot = load_snapshot(s)
            planner = Planner(snapshot)
            results = plan_rows(planner, table, records, cmap, notify, cancelled)
            if not dry_run and planner.plan.writes:
                with _large_cache(s, planner.plan.writes):
                    Applier(
                        s, planner.plan, snapshot.actor, lambda d: notify(len(records) + d), cancelled
                    ).run()
            elif cancelled():
                raise ImportCancelled()
            if not dry_run:
                _record_history(s, _history_counts(name, results))
            notify(total)
            report = ImportReport(
                file_name=name,
                encoding=table.encoding,
                delimiter=table.delimiter,
                dry_run=dry_run,
                results=tuple(results),
            )
            if report_path is not None:
                written = report.write_csv(report_path)  # before the commit: see the docstring
    except BaseException:
        if written is not None:
            remove_quietly(written)
        raise
    report = replace(report, duration_s=time.perf_counter() - started)
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


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while the import allocates its millions of small objects (the collector
    rescanned the growing heap again and again: a 100,000-row plan took a fifth longer). Restored after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def _large_cache(s: Session, writes: int) -> Iterator[None]:
    """A page cache sized for a large import while it runs: random-uuid index inserts into a vault bigger than
    the default 8 MB cache made each batch slower than the last (thrashing on encrypted pages)."""
    if writes < LARGE_IMPORT_ROWS:
        yield
        return
    previous = s.execute(text("PRAGMA cache_size")).scalar()
    s.execute(text(f"PRAGMA cache_size = -{LARGE_IMPORT_CACHE_KIB}"))
    try:
        yield
    finally:
        s.execute(text(f"PRAGMA cache_size = {int(previous or -2000)}"))


def _history_counts(name: str, results: list[RowResult]) -> dict[str, Any]:
    counts = {str(o): 0 for o in Outcome}
    for r in results:
        counts[str(r.outcome)] += 1
    return {
        "file": name,
        "at": utcnow().isoformat(timespec="seconds"),
        "total": len(results),
        "created": counts[Outcome.CREATED],
        "updated": counts[Outcome.UPDATED],
        "unchanged": counts[Outcome.UNCHANGED],
        "rejected": counts[Outcome.REJECTED],
        "duplicates": counts[Outcome.DUPLICATE],
    }
