"""Right of access (RGPD art. 15): everything the file holds about one person, as JSON and as a PDF.

:func:`export_person` writes, in the chosen folder, ``donnees-<date>-<id8>.json``, the PDF of the same content
and a ``documents`` sub-folder with the document files themselves; it records an « export » audit event.
File names never carry the name or the NIR of the person (only the first 8 characters of the record id).

**JSON format** (``format`` = ``fil-rouge/droit-acces/1``). Keys are stable; dates are ISO 8601 (``AAAA-MM-JJ``,
date-times ``AAAA-MM-JJTHH:MM:SS``, local time of the device); coded values are given as their French label.

- ``format``, ``genere_le``, ``departement``, ``contact_dpo``, ``personne_id``
- ``identite``: civilite, nom, nom_de_naissance, prenom, sexe, date_de_naissance, nir (in full: these are the
  person's own data), numero_allocataire, adresse, complement_adresse, code_postal, commune, telephone,
  courriel, entree_rsa, regime, statut, dernier_contact, consentement_donnees_sante, cree_le
- ``foyer``: numero_allocataire, libelle (or null)
- ``orientations`` [parcours_type, organisme, regime, date_decision, date_notification, avis_ep, date_avis_ep,
  motif, reorientation, fin]
- ``parcours`` [debut, fin, type]
- ``referents`` [depuis, referent, structure, motif, designe_par]
- ``rendez_vous`` [date, duree_min, objet, nature, lieu, collectif, statut, commentaire, historique
  [date, statut, auteur, commentaire]]
- ``notes`` [id, date, type, auteur, texte, corrige_la_note]
- ``diagnostic`` [version, date, auteur, source, contrainte_sante, reponses {section: {question: réponse}}]
- ``carnet`` [theme, objectif, statut, consentement, date_consentement, actions [libelle, statut, partenaire,
  debut, fin, heures_par_semaine, commentaire]]
- ``prescriptions`` [type, partenaire, date, resultat, date_resultat, commentaire]
- ``contrats`` [numero, type, regime, statut, debut, fin, duree_mois, signe_le, lieu_signature, versions
  [version, date, auteur, contenu], etapes [date, de, vers, auteur, commentaire], signatures [signataire, nom,
  mode, signe_le, lieu, mention]] — signatures are described (« signé le … à … »), never their strokes
- ``documents`` [titre, type, date, nom_du_fichier, type_mime, taille_octets, ajoute_le, fichier] — ``fichier`` is
  the path of the copy, relative to the JSON file (null when the content is not on this device)
- ``sorties`` [date, categorie, motif, detail, suivi_dans_emploi_jusqu_au]
- ``sanctions`` [procedure, date, etape, detail, auteur]
- ``journal_des_acces`` [date, auteur, action, objet, detail]: who viewed, changed, printed or exported the file
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.enums import AuditAction
from app.models.errors import FilRougeError
from app.models.files import all_or_nothing
from app.models.tables.carnet import Action, Attachment, DiagnosticVersion, Document, Objective, Prescription
from app.models.tables.contracts import Contract, ContractEvent, ContractVersion, Signature
from app.models.tables.followup import (
    Appointment,
    AppointmentEvent,
    AppointmentLetter,
    AppointmentReminder,
    Note,
    SanctionStep,
)
from app.models.tables.local import AuditEvent
from app.models.tables.people import (
    ExitRecord,
    Household,
    Orientation,
    Parcours,
    Person,
    Referent,
    ReferentAssignment,
)
from app.models.vocabularies.loader import load_vocabularies
from app.services.casefile import diagnostic
from app.services.errors import NotFoundError
from app.services.settings import letterhead
from app.services.storage import audit
from app.services.storage.db import Database

FORMAT = "fil-rouge/droit-acces/1"
SECTIONS = (
    "identite", "foyer", "orientations", "parcours", "referents", "rendez_vous", "notes", "diagnostic", "carnet",
    "prescriptions", "contrats", "documents", "sorties", "sanctions", "journal_des_acces",
)  # fmt: skip
STATUS_LABELS = {"active": "Accompagnée", "exited": "Sortie de l'accompagnement"}
AUDIT_OBJECTS = {
    "person": "dossier",
    "document": "document",
    "contract": "contrat",
    "appointment": "rendez-vous",
    "note": "note",
}


class AccessExportError(FilRougeError):
    default_message = "L'export des données n'a pas pu être écrit."


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    return value.isoformat()


def _label(kind: str, code: str | None) -> str:
    if not code:
        return ""
    try:
        return load_vocabularies().label(kind, code)
    except KeyError:
        return code


def _letters_and_reminders(s: Session, pid: str) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per RDV id: the letters sent (ADR 0035) and the reminders (ADR 0036), as the person reads them."""
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for x in _rows(
        s, AppointmentLetter, AppointmentLetter.person_id == pid, order=[AppointmentLetter.sent_on]
    ):
        entry = out.setdefault(x.appointment_id, {"courriers": [], "rappels": []})
        entry["courriers"].append({"type": _label("letter_kinds", x.kind), "envoye_le": _iso(x.sent_on),
                                   "par": x.author, "modele": x.template})  # fmt: skip
    for r in _rows(
        s, AppointmentReminder, AppointmentReminder.person_id == pid, order=[AppointmentReminder.due_at]
    ):
        entry = out.setdefault(r.appointment_id, {"courriers": [], "rappels": []})
        entry["rappels"].append({"canal": _label("reminder_channels", r.channel), "prevu_le": _iso(r.due_at),
                                 "etat": _label("reminder_states", r.state), "envoye_le": _iso(r.sent_at),
                                 "motif_echec": r.failure, "annule_le": _iso(r.cancelled_at)})  # fmt: skip
    return out


def _fr(d: datetime) -> str:
    return f"{d:%d/%m/%Y} à {d.hour} h {d.minute:02d}"


def _rows(s: Session, model: Any, *where: Any, order: Iterable[Any] = ()) -> list[Any]:
    return list(s.scalars(select(model).where(model.deleted_at.is_(None), *where).order_by(*order)))


def _diagnostic_answers(data: dict[str, Any]) -> dict[str, Any]:
    """Section → question → answer, all as French text (labels of choices, dd/mm/yyyy dates, units)."""
    out: dict[str, Any] = {}
    for section, items in (data or {}).items():
        if not isinstance(items, dict):
            out[_label("diagnostic_sections", section)] = items
            continue
        answers = {}
        for item, value in items.items():
            text = diagnostic.format_value(item, value)
            if text:
                answers[_label("diagnostic_items", item)] = text
        if answers:
            out[_label("diagnostic_sections", section)] = answers
    return out


def collect(db: Database, person_id: str) -> dict[str, Any]:
    """Everything about ``person_id``, as the JSON document described in the module docstring."""
    department = letterhead.department_name(db)
    dpo = letterhead.dpo_contact(db)
    with db.read() as s:
        p = s.get(Person, person_id)
        if p is None or p.deleted_at is not None:
            raise NotFoundError("Cette personne est introuvable (elle a peut-être été purgée).")
        pid = p.id
        household = s.get(Household, p.household_id) if p.household_id else None
        referents = {r.id: r for r in s.scalars(select(Referent))}
        out: dict[str, Any] = {
            "format": FORMAT,
            "genere_le": _iso(datetime.now()),
            "departement": department,
            "contact_dpo": dpo,
            "personne_id": pid,
        }
        out["identite"] = {
            "civilite": p.civility, "nom": p.last_name, "nom_de_naissance": p.birth_name, "prenom": p.first_name,
            "sexe": p.sex, "date_de_naissance": _iso(p.birth_date),
            "nir": p.nir or "",  # the person's own data: shown in full here, and only here
            "numero_allocataire": p.caf_number, "adresse": p.address_line, "complement_adresse": p.address_extra,
            "code_postal": p.postal_code, "commune": p.city, "telephone": p.phone, "courriel": p.email,
            "entree_rsa": _iso(p.rsa_entry_date), "regime": _label("regimes", p.regime),
            "statut": STATUS_LABELS.get(p.status, p.status), "dernier_contact": _iso(p.last_contact_date),
            "consentement_donnees_sante": bool(p.health_data_consent), "cree_le": _iso(p.created_at),
            "rappels_des_rendez_vous": _label("reminder_channels", p.reminder_channel),
            "accord_rappels_le": _iso(p.reminder_consent_on),
        }  # fmt: skip
        out["foyer"] = (
            {"numero_allocataire": household.caf_number, "libelle": household.label} if household else None
        )
        out["orientations"] = [
            {"parcours_type": _label("tracks", o.track), "organisme": o.organisme, "regime": _label("regimes", o.regime),
             "date_decision": _iso(o.decision_date), "date_notification": _iso(o.notification_date),
             "avis_ep": o.ep_opinion, "date_avis_ep": _iso(o.ep_opinion_date), "motif": o.reason,
             "reorientation": bool(o.is_reorientation), "fin": _iso(o.ended_on)}
            for o in _rows(s, Orientation, Orientation.person_id == pid, order=[Orientation.decision_date])
        ]  # fmt: skip
        out["parcours"] = [
            {"debut": _iso(x.start_date), "fin": _iso(x.end_date), "type": _label("tracks", x.track)}
            for x in _rows(s, Parcours, Parcours.person_id == pid, order=[Parcours.start_date])
        ]
        assignments = _rows(
            s, ReferentAssignment, ReferentAssignment.person_id == pid, order=[ReferentAssignment.start_date]
        )
        out["referents"] = [
            {"depuis": _iso(a.start_date),
             "referent": f"{ref.first_name} {ref.last_name}" if (ref := referents.get(a.referent_id)) else "",
             "structure": ref.structure if ref else "", "motif": a.reason, "designe_par": a.assigned_by}
            for a in assignments
        ]  # fmt: skip
        rdvs = _rows(s, Appointment, Appointment.person_id == pid, order=[Appointment.starts_at])
        events: dict[str, list[AppointmentEvent]] = {}
        if rdvs:
            for e in _rows(
                s, AppointmentEvent, AppointmentEvent.appointment_id.in_([r.id for r in rdvs]), order=[AppointmentEvent.at]
            ):  # fmt: skip
                events.setdefault(e.appointment_id, []).append(e)
        sent = _letters_and_reminders(s, pid)
        out["rendez_vous"] = [
            {"date": _iso(r.starts_at), "duree_min": r.duration_min, "objet": _label("appointment_purposes", r.purpose),
             "nature": _label("appointment_natures", r.nature), "lieu": r.place, "collectif": bool(r.collective),
             "statut": _label("appointment_statuses", r.status), "commentaire": r.comment,
             "historique": [{"date": _iso(e.at), "statut": _label("appointment_statuses", e.status),
                             "auteur": e.author, "commentaire": e.comment} for e in events.get(r.id, [])],
             **sent.get(r.id, {})}
            for r in rdvs
        ]  # fmt: skip
        out["notes"] = [
            {"id": n.id, "date": _iso(n.written_at), "type": _label("note_kinds", n.kind), "auteur": n.author,
             "texte": n.body, "corrige_la_note": n.corrects_note_id}
            for n in _rows(s, Note, Note.person_id == pid, order=[Note.written_at])
        ]  # fmt: skip
        out["diagnostic"] = [
            {"version": d.version_no, "date": _iso(d.recorded_at), "auteur": d.author, "source": d.source,
             "contrainte_sante": bool(d.health_constraint), "reponses": _diagnostic_answers(d.data)}
            for d in _rows(s, DiagnosticVersion, DiagnosticVersion.person_id == pid, order=[DiagnosticVersion.version_no])
        ]  # fmt: skip
        actions: dict[str, list[Action]] = {}
        for a in _rows(s, Action, Action.person_id == pid, order=[Action.start_date, Action.created_at]):
            actions.setdefault(a.objective_id, []).append(a)
        out["carnet"] = [
            {"theme": _label("carnet_themes", o.theme), "objectif": o.title, "statut": _label("objective_statuses", o.status),
             "consentement": bool(o.consent), "date_consentement": _iso(o.consent_date),
             "actions": [{"libelle": a.label, "statut": _label("action_statuses", a.status), "partenaire": a.partner,
                          "debut": _iso(a.start_date), "fin": _iso(a.end_date),
                          "heures_par_semaine": a.hours_per_week, "commentaire": a.comment}
                         for a in actions.get(o.id, [])]}
            for o in _rows(s, Objective, Objective.person_id == pid, order=[Objective.position, Objective.created_at])
        ]  # fmt: skip
        out["prescriptions"] = [
            {"type": _label("prescription_kinds", x.kind), "partenaire": x.partner, "date": _iso(x.prescribed_on),
             "resultat": _label("prescription_outcomes", x.outcome), "date_resultat": _iso(x.outcome_date),
             "commentaire": x.comment}
            for x in _rows(s, Prescription, Prescription.person_id == pid, order=[Prescription.prescribed_on])
        ]  # fmt: skip
        out["contrats"] = [
            _contract(s, c)
            for c in _rows(s, Contract, Contract.person_id == pid, order=[Contract.created_at])
        ]
        out["documents"] = [
            {"id": d.id, "titre": d.title, "type": _label("document_kinds", d.kind), "date": _iso(d.document_date),
             "nom_du_fichier": d.file_name, "type_mime": d.mime_type, "taille_octets": d.size,
             "ajoute_le": _iso(d.created_at), "fichier": None}
            for d in _rows(s, Document, Document.person_id == pid, order=[Document.created_at])
        ]  # fmt: skip
        out["sorties"] = [
            {"date": _iso(x.exit_date), "categorie": _label("exit_categories", x.category),
             "motif": _label("exit_reasons", x.reason), "detail": x.detail,
             "suivi_dans_emploi_jusqu_au": _iso(x.in_job_followup_until)}
            for x in _rows(s, ExitRecord, ExitRecord.person_id == pid, order=[ExitRecord.exit_date])
        ]  # fmt: skip
        out["sanctions"] = [
            {"procedure": x.procedure_id, "date": _iso(x.step_date), "etape": _label("sanction_steps", x.kind),
             "detail": x.detail, "auteur": x.author}
            for x in _rows(s, SanctionStep, SanctionStep.person_id == pid, order=[SanctionStep.step_date, SanctionStep.created_at])
        ]  # fmt: skip
        out["journal_des_acces"] = [
            {"date": _iso(e.at), "auteur": e.actor, "action": _label("audit_actions", e.action),
             "objet": AUDIT_OBJECTS.get(e.object_table, e.object_table), "detail": e.detail}
            for e in _rows(s, AuditEvent, AuditEvent.person_id == pid, order=[AuditEvent.at])
        ]  # fmt: skip
    return out


def _signature_mention(sig: Signature) -> str:
    who = "la personne" if sig.signer == "personne" else "le référent"
    how = "sur tablette" if sig.method == "pad" else "sur papier"
    where = f", {sig.place}" if sig.place else ""
    return f"Signé par {who} le {_fr(sig.signed_at)}{where} ({how})"


def _contract(s: Session, c: Contract) -> dict[str, Any]:
    versions = _rows(
        s, ContractVersion, ContractVersion.contract_id == c.id, order=[ContractVersion.version_no]
    )
    steps = _rows(s, ContractEvent, ContractEvent.contract_id == c.id, order=[ContractEvent.at])
    sigs = _rows(s, Signature, Signature.contract_id == c.id, order=[Signature.signed_at])
    return {
        "numero": c.number, "type": _label("contract_kinds", c.kind), "regime": _label("regimes", c.regime),
        "statut": _label("contract_statuses", c.status), "debut": _iso(c.start_date), "fin": _iso(c.end_date),
        "duree_mois": c.duration_months, "signe_le": _iso(c.signed_on), "lieu_signature": c.signed_place,
        "versions": [{"version": v.version_no, "date": _iso(v.saved_at), "auteur": v.author, "contenu": v.content}
                     for v in versions],
        "etapes": [{"date": _iso(e.at), "de": _label("contract_statuses", e.from_status),
                    "vers": _label("contract_statuses", e.to_status), "auteur": e.author, "commentaire": e.comment}
                   for e in steps],
        "signatures": [{"signataire": _label("signers", g.signer), "nom": g.signer_name,
                        "mode": _label("signature_methods", g.method), "signe_le": _iso(g.signed_at),
                        "lieu": g.place, "mention": _signature_mention(g)} for g in sigs],
    }  # fmt: skip


_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


def _safe_name(index: int, title: str, file_name: str) -> str:
    suffix = Path(file_name).suffix[:10] if file_name else ""
    stem = _UNSAFE.sub("-", title or "document").strip("-")[:60] or "document"
    return f"{index:02d}-{stem}{suffix}"


def export_person(db: Database, person_id: str, out_dir: Path | str, *, actor: str) -> tuple[Path, Path]:
    """Write the JSON, the PDF and the document files in ``out_dir``; returns (json_path, pdf_path)."""
    from app.services.privacy.access_layout import render_access

    data = collect(db, person_id)
    folder = Path(out_dir)
    stem = f"donnees-{date.today():%Y-%m-%d}-{person_id[:8]}"
    docs_dir = folder / f"{stem}-documents"
    made_dir = not docs_dir.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with all_or_nothing() as out:  # a failure removes every file already written for this export
            with db.read() as s:
                for i, doc in enumerate(data["documents"], 1):
                    row = s.get(Document, doc["id"])
                    blob = s.get(Attachment, row.sha256) if row is not None else None
                    if blob is None:
                        continue
                    docs_dir.mkdir(exist_ok=True)
                    target = out.write(
                        docs_dir / _safe_name(i, doc["titre"], doc["nom_du_fichier"]), bytes(blob.data)
                    )
                    doc["fichier"] = f"{docs_dir.name}/{target.name}"
            json_text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
            json_path = out.write(folder / f"{stem}.json", json_text.encode("utf-8"))
            pdf_path = out.write(folder / f"{stem}.pdf", render_access(data))
            files = sum(1 for d in data["documents"] if d["fichier"])
            audit.record_audit(
                db, actor=actor or "local", action=AuditAction.EXPORT, person_id=person_id, object_table="person",
                object_id=person_id,
                detail=f"Droit d'accès : export de toutes les données (JSON, PDF, {files} document(s))",
            )  # fmt: skip
    except OSError as exc:
        raise AccessExportError(
            f"Impossible d'écrire dans « {folder.name} » : vérifiez que le dossier existe et qu'il est accessible "
            f"en écriture ({exc.strerror or exc})."
        ) from None
    except BaseException:
        if made_dir:
            with contextlib.suppress(OSError):
                docs_dir.rmdir()
        raise
    return json_path, pdf_path
