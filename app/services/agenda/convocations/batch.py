"""The letters of a day or a week: plan (which RDVs, which are already convoked), then output one letter at a
time with a progress callback and a cancel check between letters — one PDF per letter in a folder, one PDF for
all, or each handed to a printer. Each letter output is recorded as sent and audited (:mod:`.letters`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.enums import AppointmentStatus, AuditAction
from app.models.errors import FilRougeError
from app.models.files import OutputError
from app.models.tables.followup import Appointment
from app.models.tables.people import Person
from app.models.text import fold
from app.services.agenda.calendar import week_start
from app.services.agenda.convocations import letters
from app.services.printing.combine import concatenate
from app.services.storage.db import Database
from app.services.storage.outputs import session_outputs
from app.services.storage.uow import query, unit_of_work

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]
_UNSAFE = re.compile(r"[^A-Za-z0-9-]+")


class LettersOutputError(FilRougeError):
    default_message = "Les convocations n'ont pas pu être enregistrées dans ce dossier."


@dataclass(frozen=True)
class LetterItem:
    """One RDV to write to: who, when, and whether a convocation or invitation already left for it."""

    appointment_id: str
    person_id: str
    last_name: str
    first_name: str
    starts_at: datetime
    convoked: bool

    @property
    def label(self) -> str:
        """« 15/12 14:00 — LEFÈVRE Éloïse »."""
        return f"{self.starts_at:%d/%m %H:%M} — {self.last_name.upper()} {self.first_name}"

    @property
    def file_name(self) -> str:
        """``Convocation_2026-12-15_1400_LEFEVRE_Eloise.pdf`` (ASCII, no character a file system refuses)."""
        who = "_".join(_UNSAFE.sub("-", fold(x).upper() if n == 0 else fold(x).capitalize()).strip("-")
                       for n, x in enumerate((self.last_name, self.first_name)))  # fmt: skip
        return f"Convocation_{self.starts_at:%Y-%m-%d_%H%M}_{who or 'sans-nom'}.pdf"


@dataclass(frozen=True)
class LetterPlan:
    start: date
    end: date
    items: tuple[LetterItem, ...]

    @property
    def to_send(self) -> tuple[LetterItem, ...]:
        """The RDVs not convoked yet."""
        return tuple(i for i in self.items if not i.convoked)

    def summary(self) -> str:
        """« 7 rendez-vous du 14/12/2026 au 20/12/2026, dont 2 déjà convoqués »."""
        n = len(self.items)
        period = f"du {self.start:%d/%m/%Y}" + (f" au {self.end:%d/%m/%Y}" if self.end != self.start else "")
        text = f"{n} rendez-vous {period}" if n else f"Aucun rendez-vous à convoquer {period}"
        done = n - len(self.to_send)
        if done:
            text += f", dont {done} déjà convoqué{'s' if done > 1 else ''}"
        return text


@dataclass(frozen=True)
class LettersResult:
    total: int
    done: tuple[LetterItem, ...] = ()
    failed: tuple[tuple[LetterItem, str], ...] = ()
    cancelled: bool = False
    paths: tuple[Path, ...] = field(default=())

    def message(self) -> str:
        """« 5 courriers enregistrés. » / « Annulé : 2 courriers sur 5 enregistrés. » (+ failures)."""
        n = len(self.done)
        noun = "courrier" if n <= 1 else "courriers"
        verb = "enregistré" if n <= 1 else "enregistrés"
        text = f"{n} {noun} sur {self.total} {verb}" if n != self.total else f"{n} {noun} {verb}"
        text = ("Annulé : " if self.cancelled else "") + text + "."
        if self.failed:
            names = ", ".join(item.label for item, _ in self.failed[:5])
            text += f" {len(self.failed)} en échec : {names}{'…' if len(self.failed) > 5 else ''}."
        return text


def period(on: date, week: bool) -> tuple[date, date]:
    """The day ``on``, or its week (Monday → Sunday)."""
    if not week:
        return on, on
    start = week_start(on)
    return start, start + timedelta(days=6)


@query
def plan_letters(s: Session, start: date, end: date, *, today: date | None = None) -> LetterPlan:
    """The planned individual RDVs (participants of collective sessions included) from ``start`` to ``end``,
    not before ``today``, in time order, each with whether it was already convoked."""
    first = max(start, today or date.today())
    rows = s.execute(
        select(
            Appointment.id, Appointment.person_id, Person.last_name, Person.first_name, Appointment.starts_at
        )
        .join(Person, Person.id == Appointment.person_id)
        .where(Appointment.deleted_at.is_(None), Appointment.status == AppointmentStatus.PLANNED)
        .where(Appointment.starts_at >= datetime.combine(first, time.min))
        .where(Appointment.starts_at < datetime.combine(end + timedelta(days=1), time.min))
        .order_by(Appointment.starts_at, Person.last_name, Person.first_name)
    ).all()
    states = letters.letter_states.within(s, [r[0] for r in rows])
    items = tuple(LetterItem(r[0], r[1] or "", r[2], r[3], r[4], states[r[0]].convoked) for r in rows)
    return LetterPlan(start, end, items)


def render_letters(
    db: Database,
    items: tuple[LetterItem, ...],
    *,
    out_dir: Path | str | None = None,
    combine_to: Path | str | None = None,
    on_document: Callable[[LetterItem, bytes], None] | None = None,
    actor: str | None = None,
    today: date | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> LettersResult:
    """Output the letters of ``items`` one at a time: a file each in ``out_dir``, one file ``combine_to``
    (written with its records once every letter is rendered, nothing on cancel), or each PDF to
    ``on_document`` (printing). ``progress(done, total, label)`` before each letter and at the end."""
    total = len(items)
    combined = Path(combine_to) if combine_to is not None else None
    folder = combined.parent if combined is not None else Path(out_dir) if out_dir is not None else None
    if folder is None and on_document is None:
        raise ValueError("render_letters needs out_dir, combine_to or on_document")
    if folder is not None and not folder.is_dir():
        raise LettersOutputError(
            f"Le dossier « {folder} » n'existe pas : aucune convocation n'a été enregistrée."
        )
    done: list[LetterItem] = []
    failed: list[tuple[LetterItem, str]] = []
    pdfs: list[bytes] = []
    paths: list[Path] = []
    cancelled = False
    for n, item in enumerate(items):
        if cancel is not None and cancel():
            cancelled = True
            break
        if progress is not None:
            progress(n, total, item.label)
        try:
            if combined is not None:
                pdfs.append(letters.preview_letter(db, item.appointment_id, today=today))
            elif out_dir is not None:
                path = Path(out_dir) / item.file_name
                letters.print_letter(db, item.appointment_id, out=path, actor=actor, today=today)
                paths.append(path)
            else:
                assert on_document is not None
                on_document(item, letters.preview_letter(db, item.appointment_id, today=today))
                letters.record_letter(db, item.appointment_id, actor=actor, today=today)
        except OutputError as exc:
            raise LettersOutputError(
                f"{exc.message} {len(done)} courrier(s) enregistré(s) avant l'erreur."
            ) from exc
        except FilRougeError as exc:
            failed.append((item, exc.message))
            continue
        done.append(item)
    if combined is not None and not cancelled and done:
        _write_combined(db, combined, pdfs, done, actor=actor, today=today)
        paths.append(combined)
    elif combined is not None:
        done.clear()  # nothing was written
    if progress is not None:
        progress(len(done) + len(failed), total, "")
    return LettersResult(total, tuple(done), tuple(failed), cancelled, tuple(paths))


def _write_combined(
    db: Database,
    path: Path,
    pdfs: list[bytes],
    done: list[LetterItem],
    *,
    actor: str | None,
    today: date | None,
) -> None:
    """The one PDF and the records of its letters, in one unit of work (all or nothing)."""
    with unit_of_work(db) as s:
        session_outputs(s).write(path, concatenate(pdfs))
        for item in done:
            letters.record_letter.within(
                s, item.appointment_id, actor=actor, today=today, action=AuditAction.EXPORT
            )


@query
def plan_session(s: Session, session_id: str, *, today: date | None = None) -> LetterPlan:
    """The letters of a collective session: one per participant still « prévu » (ADR 0037)."""
    row = s.get(Appointment, session_id)
    if row is None or row.deleted_at is not None:
        raise LettersOutputError("Séance collective introuvable.")
    rows = s.execute(
        select(
            Appointment.id, Appointment.person_id, Person.last_name, Person.first_name, Appointment.starts_at
        )
        .join(Person, Person.id == Appointment.person_id)
        .where(Appointment.session_id == session_id, Appointment.deleted_at.is_(None))
        .where(Appointment.status == AppointmentStatus.PLANNED)
        .where(Appointment.starts_at >= datetime.combine(today or date.today(), time.min))
        .order_by(Person.last_name, Person.first_name)
    ).all()
    states = letters.letter_states.within(s, [r[0] for r in rows])
    items = tuple(LetterItem(r[0], r[1] or "", r[2], r[3], r[4], states[r[0]].convoked) for r in rows)
    return LetterPlan(row.starts_at.date(), row.starts_at.date(), items)


def preview_letters(
    db: Database,
    items: tuple[LetterItem, ...],
    *,
    today: date | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> tuple[bytes, tuple[LetterItem, ...]] | None:
    """The letters of ``items`` in one PDF for a preview (nothing recorded: :func:`record_letters` once printed
    or saved), with the items it holds; None when cancelled. A letter that cannot be written is left out."""
    pdfs: list[bytes] = []
    kept: list[LetterItem] = []
    for n, item in enumerate(items):
        if cancel is not None and cancel():
            return None
        if progress is not None:
            progress(n, len(items), item.label)
        try:
            pdfs.append(letters.preview_letter(db, item.appointment_id, today=today))
        except FilRougeError:
            continue
        kept.append(item)
    if progress is not None:
        progress(len(items), len(items), "")
    return (concatenate(pdfs) if pdfs else b""), tuple(kept)


def record_letters(
    db: Database, items: tuple[LetterItem, ...], *, action: str = AuditAction.PRINT, actor: str | None = None
) -> int:
    """Record the letters of ``items`` as sent (after a print or a save of :func:`preview_letters`), in one unit
    of work; returns how many."""
    with unit_of_work(db) as s:
        for item in items:
            letters.record_letter.within(s, item.appointment_id, actor=actor, action=action)
    return len(items)
