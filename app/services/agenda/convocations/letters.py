"""The letter of one RDV from the database: a convocation or an invitation (template of the RDV's purpose) or a
relance after a no-show; recorded as sent (``appointment_letter``, in the person's timeline) and audited
« impression » in the same unit of work as the file written. The states shown beside a RDV (letters sent,
reminder) and the relance to propose after an absence are read here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.enums import AppointmentStatus, AuditAction, LetterKind, ReminderState
from app.models.french import WEEKDAYS_FR, fr_date, fr_time
from app.models.tables.base import new_id
from app.models.tables.followup import Appointment, AppointmentLetter, AppointmentReminder
from app.models.tables.people import Person, Referent
from app.models.text import headline
from app.models.vocabularies.loader import load_vocabularies
from app.services.agenda.convocations.templates import Templates, fill, load_templates
from app.services.errors import ValidationError
from app.services.people.identity import current_actor, current_referent_id
from app.services.settings.letterhead import Letterhead, letterhead
from app.services.storage import audit
from app.services.storage.outputs import session_outputs
from app.services.storage.uow import get_row, query, use_case

#: « auto »: the convocation or invitation of the RDV's purpose; « relance »: the letter after a no-show.
AUTO = "auto"


@dataclass(frozen=True)
class LetterDocument:
    """Everything a letter prints (no database, no template lookup left): see :mod:`.layout`."""

    kind: str  # LetterKind
    letterhead: Letterhead
    referent_name: str
    referent_phone: str
    referent_email: str
    recipient: tuple[str, ...]  # name, then the address lines
    issued_on: date
    subject: str
    obligatory: bool
    salutation: str
    paragraphs: tuple[str, ...]
    details: tuple[tuple[str, str], ...]  # (« Date », « mardi 10 mars 2026 à 14 h »)…
    after_details: tuple[str, ...]  # paragraphs printed under the RDV box (a relance's)
    bring_title: str
    bring: tuple[str, ...]
    banner: str
    consequences: tuple[str, ...]
    legal_basis: str
    contact: str
    closing: str
    signature: tuple[str, ...]  # title lines then the name
    reference: str  # footer: « Rendez-vous du 10/03/2026 — modèle suivi@2026.1 »

    @property
    def title(self) -> str:
        return {"convocation": "Convocation", "invitation": "Invitation"}.get(self.kind, "Relance")


@dataclass(frozen=True)
class SentLetter:
    kind: str
    sent_on: date
    author: str


@dataclass(frozen=True)
class ReminderInfo:
    channel: str
    state: str
    due_at: datetime
    sent_at: datetime | None
    failure: str


@dataclass(frozen=True)
class LetterState:
    """What was done to bring the person to a RDV: letters sent (oldest first) and the live reminder."""

    appointment_id: str
    letters: tuple[SentLetter, ...] = ()
    reminder: ReminderInfo | None = None

    @property
    def convoked(self) -> bool:
        return any(x.kind in (LetterKind.CONVOCATION, LetterKind.INVITATION) for x in self.letters)

    @property
    def label(self) -> str:
        """« Convoqué le 03/03/2026 · rappel SMS envoyé le 08/03 » / « Non convoqué »."""
        parts = []
        sent = [x for x in self.letters if x.kind != LetterKind.RELANCE]
        if sent:
            last = sent[-1]
            verb = "Convoqué" if last.kind == LetterKind.CONVOCATION else "Invité"
            parts.append(f"{verb} le {last.sent_on:%d/%m/%Y}")
        else:
            parts.append("Non convoqué")
        relances = [x for x in self.letters if x.kind == LetterKind.RELANCE]
        if relances:
            parts.append(f"relancé le {relances[-1].sent_on:%d/%m/%Y}")
        if self.reminder is not None:
            parts.append(reminder_label(self.reminder))
        return " · ".join(parts)


@dataclass(frozen=True)
class RelanceProposal:
    """After a no-show: the relance letter to propose, and the RDV it will name if one is planned."""

    appointment_id: str
    person_id: str
    person_name: str
    missed_at: datetime
    next_rdv_at: datetime | None


_CHANNELS = {"courriel": "par courriel", "sms": "par SMS"}


def reminder_label(r: ReminderInfo) -> str:
    """« rappel SMS envoyé le 08/03 à 09:00 », « rappel par courriel prévu le 08/03 », « rappel en échec : … »."""
    how = _CHANNELS.get(r.channel, "")
    if r.state == ReminderState.SENT and r.sent_at is not None:
        return f"rappel {how} envoyé le {r.sent_at:%d/%m à %H:%M}"
    if r.state == ReminderState.FAILED:
        return f"rappel {how} en échec" + (f" : {r.failure}" if r.failure else "")
    if r.state == ReminderState.CANCELLED:
        return f"rappel {how} annulé"
    if r.state == ReminderState.SENDING:
        return f"rappel {how} en cours d'envoi"
    return f"rappel {how} prévu le {r.due_at:%d/%m à %H:%M}"


# ---------------------------------------------------------------------------------------------- building


def _person_name(p: Person) -> str:
    return " ".join(x for x in (p.civility, p.first_name, p.last_name.upper()) if x)


def _address(p: Person) -> tuple[str, ...]:
    town = " ".join(x for x in (p.postal_code, p.city.upper()) if x)
    return tuple(x for x in (p.address_line, p.address_extra, town) if x.strip())


def _referent(s: Session, rdv: Appointment, person: Person) -> Referent | None:
    for ref_id in (rdv.referent_id, person.referent_id, current_referent_id.within(s)):
        ref = s.get(Referent, ref_id) if ref_id else None
        if ref is not None:
            return ref
    return None


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} minutes"
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def _long_day(moment: datetime) -> str:
    return f"{WEEKDAYS_FR[moment.weekday()]} {fr_date(moment)}"


def _values(rdv: Appointment, ref_name: str, head: Letterhead, t: Templates) -> dict[str, str]:
    vocab = load_vocabularies()
    end = rdv.starts_at + timedelta(minutes=rdv.duration_min)
    values = {
        "date": _long_day(rdv.starts_at),
        "time": fr_time(rdv.starts_at),
        "end_time": fr_time(end),
        "duration": _duration(rdv.duration_min),
        "purpose": vocab.label("appointment_purposes", rdv.purpose),
        "referent": ref_name,
        "service": head.service or head.department,
        "department": head.department,
        "place": rdv.place,
    }
    values["when"] = fill(t.letter["when"], values)
    return values


def _where(rdv: Appointment, t: Templates) -> str:
    natures = t.letter.get("natures") or {}
    if rdv.nature == "physique" and not rdv.place.strip():
        return str(t.letter["place_missing"])
    text = natures.get(rdv.nature) or "Lieu : {place}"
    return fill(str(text), {"place": rdv.place})


def _details(
    rdv: Appointment, values: dict[str, str], t: Templates, ref_name: str
) -> tuple[tuple[str, str], ...]:
    where = _where(rdv, t)
    label, _, text = where.partition(" : ")
    rows = [("Date", f"{values['date']} à {values['time']} ({values['duration']})")]
    # « Lieu » then the place; a RDV by phone, video or at home says so in full beside « Modalité »
    rows.append(("Lieu", text) if label == "Lieu" and text else ("Modalité", where))
    rows.append(("Avec", ref_name))
    return tuple(rows)


def _salutation(p: Person, t: Templates) -> str:
    table = t.letter.get("salutation") or {}
    return str(table.get(p.civility) or table.get("default") or "Madame, Monsieur")


def _signature(head: Letterhead, ref_name: str, t: Templates) -> tuple[str, ...]:
    if head.signatory_name:
        return (*(x for x in (head.signatory_title,) if x), head.signatory_name)
    return (str(t.letter["signed_by_referent"]), ref_name)


def _load(s: Session, appointment_id: str) -> tuple[Appointment, Person]:
    rdv = get_row(s, Appointment, appointment_id, "Rendez-vous")
    if rdv.person_id is None:
        raise ValidationError(
            "Une séance collective se convoque participant par participant : ouvrez la séance et choisissez "
            "« Convocations »."
        )
    return rdv, get_row(s, Person, rdv.person_id, "Personne")


def _next_rdv(s: Session, rdv: Appointment) -> Appointment | None:
    return s.scalars(
        select(Appointment)
        .where(Appointment.person_id == rdv.person_id, Appointment.deleted_at.is_(None))
        .where(Appointment.status == AppointmentStatus.PLANNED, Appointment.starts_at > rdv.starts_at)
        .order_by(Appointment.starts_at)
        .limit(1)
    ).first()


def _check_kind(rdv: Appointment, kind: str, today: date) -> None:
    if kind == LetterKind.RELANCE:
        if rdv.status != AppointmentStatus.MISSED:
            raise ValidationError("Une relance suit un rendez-vous non honoré : ce rendez-vous ne l'est pas.")
        return
    if rdv.status == AppointmentStatus.CANCELLED:
        raise ValidationError("Ce rendez-vous est annulé : aucune convocation ne peut être envoyée.")
    if rdv.status != AppointmentStatus.PLANNED or rdv.starts_at.date() < today:
        raise ValidationError("Ce rendez-vous est passé : une convocation n'a plus d'objet.")


@query
def build_letter(
    s: Session, appointment_id: str, *, kind: str = AUTO, today: date | None = None
) -> LetterDocument:
    """The letter of a RDV: its convocation or invitation (``kind`` « auto ») or its relance (« relance »)."""
    issued = today or date.today()
    rdv, person = _load(s, appointment_id)
    _check_kind(rdv, kind, issued)
    t = load_templates()
    head = letterhead.within(s)
    ref = _referent(s, rdv, person)
    ref_name = f"{ref.first_name} {ref.last_name}" if ref is not None else "votre référent"
    phone = f" au {ref.phone}" if ref is not None and ref.phone else ""
    tpl = t.for_purpose(rdv.purpose)
    values = _values(rdv, ref_name, head, t) | {"phone": phone, "salutation": _salutation(person, t)}
    details: tuple[tuple[str, str], ...] = ()
    after: tuple[str, ...] = ()
    bring: tuple[str, ...] = ()
    if kind == LetterKind.RELANCE:
        letter_kind, subject, paragraphs, after = _relance(s, rdv, values, t, tpl.obligatory)
        obligatory = False
        follow = _next_rdv(s, rdv)
        if follow is not None:
            details = _details(follow, _values(follow, ref_name, head, t), t, ref_name)
    else:
        letter_kind, subject, obligatory, bring = (
            tpl.kind,
            fill(tpl.subject, values),
            tpl.obligatory,
            tpl.bring,
        )
        paragraphs = tuple(fill(p, values) for p in tpl.body)
        details = _details(rdv, values, t, ref_name)
        if rdv.session_id:
            paragraphs += (str(t.letter["collective"]),)
            session = s.get(Appointment, rdv.session_id)
            title = headline(session.comment) if session is not None else ""
            if title:  # « Séance : Atelier CV et lettre de motivation » under the date
                details = (details[0], ("Séance", title), *details[1:])
    ob = t.obligatory
    consequences: tuple[str, ...] = ()
    if obligatory and kind != LetterKind.RELANCE and tpl.ground:
        consequences = (
            fill(ob["grounds"][tpl.ground], values),
            *(fill(p, values) for p in ob.get("common", ())),
        )
    return LetterDocument(
        kind=letter_kind,
        letterhead=head,
        referent_name=ref_name,
        referent_phone=ref.phone if ref is not None else "",
        referent_email=ref.email if ref is not None else "",
        recipient=(_person_name(person), *_address(person)),
        issued_on=issued,
        subject=subject,
        obligatory=obligatory and kind != LetterKind.RELANCE,
        salutation=values["salutation"],
        paragraphs=paragraphs,
        details=details,
        after_details=after,
        bring_title=str(t.letter["bring_title"]),
        bring=bring,
        banner=str(ob["banner"]),
        consequences=consequences,
        legal_basis=" ".join(str(ob["legal_basis"]).split()) if consequences else "",
        contact=fill(t.letter["contact"], values),
        closing=fill(t.letter["closing"], values),
        signature=_signature(head, ref_name, t),
        reference=f"Rendez-vous du {rdv.starts_at:%d/%m/%Y} — modèle {t.tag(rdv.purpose)}",
    )


def _relance(
    s: Session, rdv: Appointment, values: dict[str, str], t: Templates, obligatory: bool
) -> tuple[str, str, tuple[str, ...], tuple[str, ...]]:
    """(kind, subject, paragraphs above the box of the next RDV, paragraphs under it)."""
    r = t.relance
    missed = {**values, "missed_date": f"{rdv.starts_at:%d/%m/%Y}", "missed_time": fr_time(rdv.starts_at)}
    missed["purpose"] = missed["purpose"][:1].lower() + missed["purpose"][1:]
    paragraphs = [fill(p, missed) for p in r.get("body", ())]
    follow = _next_rdv(s, rdv)
    if follow is not None:
        head = Letterhead(values["department"], values["service"], "", "", "")
        nxt = _values(follow, values["referent"], head, t)
        paragraphs.append(fill(r["next_rdv"], nxt))
    else:
        paragraphs.append(fill(r["no_next_rdv"], missed))
    after = [fill(r["legitimate_reason"], missed)]
    if obligatory:
        after.append(fill(r["obligatory_reminder"], missed))
    return LetterKind.RELANCE, fill(r["subject"], missed), tuple(paragraphs), tuple(after)


# ---------------------------------------------------------------------------------------------- output


def letter_pdf(doc: LetterDocument) -> bytes:
    from app.services.agenda.convocations.layout import render_letter  # reportlab: loaded when printing

    return render_letter(doc)


@query
def preview_letter(s: Session, appointment_id: str, *, kind: str = AUTO, today: date | None = None) -> bytes:
    """The letter as PDF bytes, for a preview: nothing is recorded (:func:`record_letter` after printing)."""
    return letter_pdf(build_letter.within(s, appointment_id, kind=kind, today=today))


@use_case
def record_letter(
    s: Session,
    appointment_id: str,
    *,
    kind: str = AUTO,
    actor: str | None = None,
    today: date | None = None,
    action: str = AuditAction.PRINT,
) -> str:
    """Record the letter of a RDV as sent (timeline) and audit it (« impression » or « export »). Returns the
    letter kind recorded (convocation, invitation or relance)."""
    day = today or date.today()
    rdv, person = _load(s, appointment_id)
    t = load_templates()
    letter_kind = LetterKind.RELANCE if kind == LetterKind.RELANCE else t.for_purpose(rdv.purpose).kind
    who = actor or current_actor.within(s)
    s.add(
        AppointmentLetter(
            id=new_id(), appointment_id=rdv.id, person_id=person.id, kind=letter_kind,
            template=t.tag(rdv.purpose), sent_on=day, author=who,
        )
    )  # fmt: skip
    label = {"convocation": "Convocation", "invitation": "Invitation"}.get(letter_kind, "Relance")
    audit.record_audit.within(
        s, actor=who, action=action, person_id=person.id, object_table="appointment", object_id=rdv.id,
        detail=f"{label} — rendez-vous du {rdv.starts_at:%d/%m/%Y %H:%M}",
    )  # fmt: skip
    return str(letter_kind)


@use_case
def print_letter(
    s: Session,
    appointment_id: str,
    *,
    kind: str = AUTO,
    out: Path | str | None = None,
    actor: str | None = None,
    today: date | None = None,
) -> bytes:
    """The letter of a RDV as PDF bytes, written to ``out`` when given (all or nothing), recorded as sent and
    audited in the same unit of work: a failed write records nothing, a failed record leaves no file."""
    data = letter_pdf(build_letter.within(s, appointment_id, kind=kind, today=today))
    if out is not None:
        session_outputs(s).write(out, data)
    action = AuditAction.EXPORT if out is not None else AuditAction.PRINT
    record_letter.within(s, appointment_id, kind=kind, actor=actor, today=today, action=action)
    return data


# ---------------------------------------------------------------------------------------------- states


@query
def letter_states(s: Session, appointment_ids: Sequence[str]) -> dict[str, LetterState]:
    """For each RDV id: the letters sent and its live reminder (the last one queued)."""
    ids = list(dict.fromkeys(appointment_ids))
    letters: dict[str, list[SentLetter]] = {i: [] for i in ids}
    reminders: dict[str, ReminderInfo] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        for row in s.scalars(
            select(AppointmentLetter)
            .where(AppointmentLetter.appointment_id.in_(chunk), AppointmentLetter.deleted_at.is_(None))
            .order_by(AppointmentLetter.sent_on, AppointmentLetter.created_at)
        ):
            letters[row.appointment_id].append(SentLetter(row.kind, row.sent_on, row.author))
        for rem in s.scalars(
            select(AppointmentReminder)
            .where(AppointmentReminder.appointment_id.in_(chunk), AppointmentReminder.deleted_at.is_(None))
            .order_by(AppointmentReminder.created_at)
        ):
            state = (
                ReminderState.CANCELLED
                if rem.cancelled_at and rem.state == ReminderState.QUEUED
                else rem.state
            )
            reminders[rem.appointment_id] = ReminderInfo(
                rem.channel, state, rem.due_at, rem.sent_at, rem.failure
            )
    return {i: LetterState(i, tuple(letters[i]), reminders.get(i)) for i in ids}


@query
def relance_proposal(s: Session, appointment_id: str) -> RelanceProposal | None:
    """After a no-show (status « non honoré »): the relance to propose, or None (not missed, relance already
    sent, collective session row)."""
    rdv = get_row(s, Appointment, appointment_id, "Rendez-vous")
    if rdv.status != AppointmentStatus.MISSED or rdv.person_id is None:
        return None
    sent = s.scalar(
        select(AppointmentLetter.id).where(
            AppointmentLetter.appointment_id == rdv.id, AppointmentLetter.kind == LetterKind.RELANCE
        )
    )
    if sent is not None:
        return None
    person = get_row(s, Person, rdv.person_id, "Personne")
    follow = _next_rdv(s, rdv)
    return RelanceProposal(
        rdv.id, rdv.person_id, f"{person.last_name.upper()} {person.first_name}", rdv.starts_at,
        follow.starts_at if follow is not None else None,
    )  # fmt: skip
