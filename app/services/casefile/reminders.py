"""RDV reminders on the laptop (ADR 0036): the person's consent and channel, and the reminders queued for their
planned RDVs. A reminder is an ``appointment_reminder`` row that travels in the outbox like any write; the
département server sends it when it is due and writes its state back (downloaded with the next sync).

Every change of a RDV goes through :func:`refresh_reminders` in the same unit of work: scheduling queues the
reminder (J-2 at 9 h by default, setting « Rappel envoyé avant le rendez-vous »), moving the RDV or changing its
place cancels the queued one and queues another, cancelling the RDV (or any status but « prévu ») cancels it.
Nothing is queued without the person's consent, a channel, a contact that channel can reach, and a RDV far enough
ahead. The row carries what the message needs and nothing else (when, where, which service, whom to call).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.enums import AppointmentNature, AppointmentStatus, ReminderChannel, ReminderState
from app.models.reminders import contact_problem, due_moment
from app.models.tables.base import new_id
from app.models.tables.followup import Appointment, AppointmentReminder
from app.models.tables.people import Person, Referent
from app.services.errors import ValidationError
from app.services.settings.letterhead import department_name
from app.services.storage import settings
from app.services.storage.uow import get_row, query, use_case
from app.services.validation import require_choice

#: What the message says of the place, by RDV nature (a physical RDV says its place).
PLACE_BY_NATURE = {
    AppointmentNature.PHONE: "par téléphone",
    AppointmentNature.VIDEO: "en visioconférence",
    AppointmentNature.HOME_VISIT: "à votre domicile",
}
CHANNEL_LABELS = {"aucun": "Aucun rappel", "courriel": "Courriel", "sms": "SMS"}


@dataclass(frozen=True)
class ReminderPreference:
    """The person's choice, and whether a reminder can reach them by it (``problem``: why not, in French)."""

    person_id: str
    channel: str
    consent_on: date | None
    email: str
    phone: str
    problem: str | None

    @property
    def label(self) -> str:
        """« SMS (accord du 03/02/2026) », « Aucun rappel », « Courriel — pas d'adresse électronique »."""
        if self.channel == ReminderChannel.NONE:
            return CHANNEL_LABELS["aucun"]
        text = CHANNEL_LABELS.get(self.channel, self.channel)
        if self.consent_on is not None:
            text += f" (accord du {self.consent_on:%d/%m/%Y})"
        return text + (f" — {self.problem}" if self.problem else "")


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def _preference(p: Person) -> ReminderPreference:
    problem = None
    if p.reminder_channel != ReminderChannel.NONE:
        problem = contact_problem(p.reminder_channel, p.email, p.phone)
    return ReminderPreference(p.id, p.reminder_channel, p.reminder_consent_on, p.email, p.phone, problem)


@query
def reminder_preference(s: Session, person_id: str) -> ReminderPreference:
    return _preference(get_row(s, Person, person_id, "Personne"))


@use_case
def set_reminder_preference(
    s: Session, person_id: str, channel: str, *, consent_on: date | None = None, now: datetime | None = None
) -> ReminderPreference:
    """Record the person's channel (courriel, SMS or aucun) and the day they agreed (today by default).

    A channel the person's file cannot serve is refused with the reason (« Cette personne n'a pas d'adresse
    électronique : renseignez-la dans son identité, ou choisissez le SMS. »). The reminders of their planned RDVs
    follow at once: queued with the new channel, or cancelled for « aucun »."""
    require_choice(channel, ReminderChannel, "Canal de rappel inconnu (courriel, SMS ou aucun).")
    person = get_row(s, Person, person_id, "Personne")
    problem = contact_problem(channel, person.email, person.phone)
    if problem is not None:
        raise ValidationError(fields={"channel": _problem_message(channel, problem)})
    when = now or _now()
    if channel == ReminderChannel.NONE:
        person.reminder_channel, person.reminder_consent_on = channel, None
    else:
        consent = consent_on or when.date()
        if consent > when.date():
            raise ValidationError(
                fields={"consent_on": "La date de l'accord ne peut pas être dans le futur."}
            )
        person.reminder_channel, person.reminder_consent_on = channel, consent
    for rdv in s.scalars(
        select(Appointment).where(
            Appointment.person_id == person.id,
            Appointment.deleted_at.is_(None),
            Appointment.status == AppointmentStatus.PLANNED,
            Appointment.starts_at > when,
        )
    ):
        follow_rdv(s, rdv, now=when)
    return _preference(person)


def _problem_message(channel: str, problem: str) -> str:
    if channel == ReminderChannel.EMAIL:
        return (
            f"Rappel par courriel impossible : {problem}. Renseignez l'adresse dans l'identité de la personne, "
            "ou choisissez le SMS."
        )
    return (
        f"Rappel par SMS impossible : {problem}. Renseignez un numéro de portable (06 ou 07) dans l'identité "
        "de la personne, ou choisissez le courriel."
    )


def _place(rdv: Appointment) -> str:
    return PLACE_BY_NATURE.get(AppointmentNature(rdv.nature), rdv.place.strip()) if rdv.nature in (
        AppointmentNature.PHONE, AppointmentNature.VIDEO, AppointmentNature.HOME_VISIT
    ) else rdv.place.strip()  # fmt: skip


def _service_and_phone(s: Session, rdv: Appointment, person: Person) -> tuple[str, str]:
    ref_id = rdv.referent_id or person.referent_id
    ref = s.get(Referent, ref_id) if ref_id else None
    service = str(settings.get.within(s, settings.LETTER_SERVICE) or "").strip()
    service = service or (ref.structure if ref is not None else "") or department_name.within(s)
    return service[:200], (ref.phone if ref is not None else "")[:40]


def _wanted(s: Session, rdv: Appointment, now: datetime) -> dict[str, object] | None:
    """The reminder this RDV should have now (channel, due, when, where, service, phone), or None."""
    if rdv.person_id is None or rdv.deleted_at is not None or rdv.status != AppointmentStatus.PLANNED:
        return None
    person = s.get(Person, rdv.person_id)
    if (
        person is None
        or person.reminder_channel == ReminderChannel.NONE
        or person.reminder_consent_on is None
    ):
        return None
    if contact_problem(person.reminder_channel, person.email, person.phone) is not None:
        return None
    days = int(settings.get.within(s, settings.REMINDER_DAYS_BEFORE))
    due = due_moment(rdv.starts_at, days, now)
    if due is None:
        return None
    service, phone = _service_and_phone(s, rdv, person)
    return {"channel": person.reminder_channel, "due_at": due, "rdv_at": rdv.starts_at,
            "place": _place(rdv)[:200], "service": service, "reply_phone": phone}  # fmt: skip


@use_case
def refresh_reminders(s: Session, appointment_id: str, *, now: datetime | None = None) -> str | None:
    """Bring the reminders of one RDV in line with it (see :func:`follow_rdv`)."""
    return follow_rdv(s, get_row(s, Appointment, appointment_id, "Rendez-vous"), now=now)


def follow_rdv(s: Session, rdv: Appointment, *, now: datetime | None = None) -> str | None:
    """Inside the unit of work that changed ``rdv``: cancel its queued reminders that no longer match (RDV
    cancelled or moved, place or channel changed), queue the one it should have. Returns the new reminder's
    id, if any."""
    when = now or _now()
    wanted = _wanted(s, rdv, when)
    keep = None
    for rem in s.scalars(
        select(AppointmentReminder).where(
            AppointmentReminder.appointment_id == rdv.id,
            AppointmentReminder.deleted_at.is_(None),
            AppointmentReminder.cancelled_at.is_(None),
            AppointmentReminder.state != ReminderState.CANCELLED,
        )
    ):
        same = wanted is not None and all(
            getattr(rem, k) == wanted[k] for k in ("channel", "rdv_at", "place", "service", "reply_phone")
        )
        if same and keep is None:
            keep = rem  # queued, or already sent (or failed) by the server: never a second one
        elif rem.state == ReminderState.QUEUED:
            rem.cancelled_at = when
    if wanted is None or keep is not None:
        return None
    row = AppointmentReminder(id=new_id(), appointment_id=rdv.id, person_id=rdv.person_id, **wanted)
    s.add(row)
    return row.id
