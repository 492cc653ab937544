"""Notes of a person's file (entretien, appel, courrier, liaison partenaire): append-only, a correction is a new
note pointing at the one it corrects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.models.enums import NoteKind
from app.models.tables.base import new_id
from app.models.tables.followup import Note
from app.models.tables.people import Person
from app.services.errors import ValidationError
from app.services.people.identity import author_label, author_names
from app.services.storage.uow import get_row, person_rows, query, use_case
from app.services.validation import Checker, require_choice, require_moment, require_text


@dataclass(frozen=True)
class NoteView:
    id: str
    kind: str
    body: str
    author: str
    written_at: datetime
    corrects_note_id: str | None
    corrected_by: str | None  # the id of the note that corrects this one, if any


#: Notes that record an exchange with the person (they count as contact, DOMAIN.md « Deadlines »); a liaison
#: between professionals does not.
CONTACT_KINDS = frozenset({NoteKind.INTERVIEW, NoteKind.CALL, NoteKind.LETTER})


@use_case
def add_note(
    s: Session,
    person_id: str,
    *,
    kind: str,
    body: str,
    author: str = "",
    written_at: datetime | None = None,
    corrects_note_id: str | None = None,
) -> str:
    """Add a typed note. Notes are never edited: a correction is a new note with ``corrects_note_id``."""
    c = Checker()
    c.run("kind", require_choice, kind, NoteKind, "Type de note inconnu.")
    c.run("body", require_text, body, "La note est vide.", 20000)
    when = c.run("written_at", require_moment, written_at, "Date de la note invalide.")
    c.raise_if_any()
    person = get_row(s, Person, person_id, "Personne")
    if corrects_note_id is None and kind in CONTACT_KINDS:
        day = when.date() if when is not None else None
        if day is not None and (person.last_contact_date is None or person.last_contact_date < day):
            person.last_contact_date = day
    if corrects_note_id is not None:
        original = get_row(s, Note, corrects_note_id, "Note à corriger")
        if original.person_id != person_id:
            raise ValidationError(
                fields={"corrects_note_id": "La note corrigée concerne une autre personne."}
            )
    note = Note(
        id=new_id(),
        person_id=person_id,
        kind=kind,
        body=body.strip(),
        author=author,
        written_at=when,
        corrects_note_id=corrects_note_id,
    )
    s.add(note)
    return note.id


@query
def list_notes(s: Session, person_id: str) -> list[NoteView]:
    """The person's notes, oldest first, each with the id of its correction if it was corrected."""
    rows = person_rows(s, Note, person_id, Note.written_at, Note.created_at)
    corrected = {n.corrects_note_id: n.id for n in rows if n.corrects_note_id}
    names = author_names.within(s)
    return [
        NoteView(
            n.id,
            n.kind,
            n.body,
            author_label(n.author, names),
            n.written_at,
            n.corrects_note_id,
            corrected.get(n.id),
        )
        for n in rows
    ]
