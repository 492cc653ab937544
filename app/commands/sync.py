"""Sync commands: ``enroll``, ``sync``, ``status`` and ``demo churn`` (random realistic edits for tests)."""

from __future__ import annotations

import argparse
import random
import sys
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from app.commands._context import CommandContext, add_json_flag, print_json
from app.models.tables.base import utcnow
from app.models.tables.carnet import Objective
from app.models.tables.followup import Appointment, AppointmentEvent, Note
from app.models.tables.people import Person
from app.services.sync.base import SyncReport
from app.services.sync.client import SyncClient


def register(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser("enroll", help="enrôler ce poste auprès du serveur départemental")
    e.add_argument("--server", required=True, help="adresse du serveur (https://…, ou http://localhost…)")
    e.add_argument("--code", required=True, help="code d'enrôlement à usage unique")
    e.add_argument("--name", default="", help="nom du poste")
    e.set_defaults(func=cmd_enroll)
    s = sub.add_parser("sync", help="synchroniser avec le serveur")
    add_json_flag(s)
    s.set_defaults(func=cmd_sync)
    st = sub.add_parser("status", help="état de la synchronisation et empreintes par table")
    add_json_flag(st)
    st.set_defaults(func=cmd_status)
    d = sub.add_parser("demo", help="outils de démonstration").add_subparsers(
        dest="demo_command", required=True
    )
    c = d.add_parser("churn", help="N modifications aléatoires réalistes dans le dossier")
    c.add_argument("--ops", type=int, default=100)
    c.add_argument("--seed", type=int, default=1)
    c.set_defaults(func=cmd_churn)


def cmd_enroll(args: argparse.Namespace, ctx: CommandContext) -> int:
    client = SyncClient(ctx.open_vault(), args.server)
    user = client.enroll(args.code, args.name)
    report = client.sync()
    print(f"Poste enrôlé pour {user.get('name') or user.get('login')} ({user.get('role')}).")
    if report.state != "ok":
        print(f"Première synchronisation : {report.message}", file=sys.stderr)
        return 1
    print(f"Première synchronisation : {report.downloaded} enregistrement(s) reçu(s).")
    return 0


def summary_text(report: SyncReport) -> str:
    """The French text of a successful round: records on one line, document files on the next."""
    text = (
        f"Synchronisé : {report.uploaded} envoyée(s), {report.downloaded} reçue(s), "
        f"{report.conflicts} conflit(s), {report.pending} en attente.\n"
        f"Documents : {report.documents_sent} envoyé(s), {report.documents_received} reçu(s)"
    )
    if report.documents_missing:
        text += f", {report.documents_missing} pas encore disponible(s) sur le serveur"
    return text + "."


def cmd_sync(args: argparse.Namespace, ctx: CommandContext) -> int:
    vault = ctx.open_vault()
    client = SyncClient(vault)
    report = client.sync()
    if report.state in ("revoked", "retired"):
        ctx.close()
    if args.json:
        print_json(report.to_dict())
    elif report.state == "ok":
        print(summary_text(report))
    else:
        print(report.message, file=sys.stderr)
    return 0 if report.state in ("ok", "retired") else 1


def cmd_status(args: argparse.Namespace, ctx: CommandContext) -> int:
    st = SyncClient(ctx.open_vault()).status()
    if args.json:
        print_json(st)
        return 0
    print(f"Serveur : {st['server'] or 'non enrôlé'}")
    print(f"Poste : {st['device_id']}")
    print(f"Opérations en attente : {st['pending_ops']}")
    print(f"Dernière synchronisation : {st['last_sync'] or 'jamais'}")
    print(f"Conflits à traiter : {st['open_conflicts']}")
    for name, t in st["tables"].items():
        print(f"  {name:<22} {t['count']:>8}  {t['hash'][:16]}")
    return 0


CITIES = [
    ("Lille", "59000"),
    ("Roubaix", "59100"),
    ("Tourcoing", "59200"),
    ("Douai", "59500"),
    ("Valenciennes", "59300"),
    ("Dunkerque", "59140"),
]
LAST = [
    "Martin",
    "Bernard",
    "Dubois",
    "Lefebvre",
    "Moreau",
    "Garcia",
    "Roux",
    "Fournier",
    "Girard",
    "Mercier",
]
FIRST = ["Léa", "Hugo", "Chloé", "Louis", "Inès", "Nathan", "Manon", "Karim", "Zoé", "Yanis"]
NOTES = [
    "Entretien de suivi : point sur la recherche d'emploi.",
    "Appel : report du rendez-vous demandé.",
    "Courrier reçu de la CAF.",
    "Liaison avec le partenaire pour l'atelier CV.",
]


def own_referent_id(vault: Any, fallback: str | None) -> str | None:
    """The référent this device works for: the enrolled user's (from the server), else the profile's current
    référent, else ``fallback`` — never simply the first directory entry (another référent's, once synced)."""
    import json

    from app.services.people.identity import current_referent_id
    from app.services.sync.base import K_USER

    user = json.loads(vault.db.get_state(K_USER) or "{}") or {}
    return user.get("referent_id") or current_referent_id(vault.db) or fallback


def churn(vault: Any, ops: int, seed: int) -> dict[str, int]:
    """Make ``ops`` random edits through ordinary sessions (each produces its outbox op)."""
    rng = random.Random(seed)
    counts: dict[str, int] = {}
    referent_id = None
    with vault.db.read() as s:
        from app.models.tables.people import Referent

        person_ids = list(s.scalars(select(Person.id).where(Person.deleted_at.is_(None))))
        appt_ids = list(s.scalars(select(Appointment.id)))
        referent_id = own_referent_id(vault, s.scalars(select(Referent.id)).first())
    done = 0
    while done < ops:
        kind = rng.choice(["person", "note", "rdv", "rdv_status", "objective", "edit", "edit"])
        if not person_ids or (kind == "person" and len(person_ids) < 50):
            kind = "person"
        elif kind == "person":
            kind = "edit"
        with vault.db.session() as s:
            if kind == "person":
                city, cp = rng.choice(CITIES)
                p = Person(
                    last_name=rng.choice(LAST),
                    first_name=rng.choice(FIRST),
                    regime="legacy",
                    city=city,
                    postal_code=cp,
                    birth_date=date(1960, 1, 1) + timedelta(days=rng.randrange(15000)),
                    referent_id=referent_id,
                )
                s.add(p)
                s.flush()
                person_ids.append(p.id)
            elif kind == "edit":
                p = s.get(Person, rng.choice(person_ids))
                assert p is not None
                field = rng.choice(["phone", "city", "email", "last_contact_date", "address_line"])
                if field == "phone":
                    p.phone = "06" + "".join(str(rng.randrange(10)) for _ in range(8))
                elif field == "city":
                    p.city, p.postal_code = rng.choice(CITIES)
                elif field == "email":
                    p.email = f"{p.first_name.lower()}.{rng.randrange(1000)}@exemple.fr"
                elif field == "last_contact_date":
                    p.last_contact_date = date.today() - timedelta(days=rng.randrange(60))
                else:
                    p.address_line = f"{rng.randrange(1, 200)} rue des Tilleuls"
            elif kind == "note":
                s.add(
                    Note(
                        person_id=rng.choice(person_ids),
                        kind=rng.choice(["entretien", "appel", "courrier"]),
                        body=rng.choice(NOTES),
                        written_at=utcnow(),
                    )
                )
            elif kind == "rdv" or (kind == "rdv_status" and not appt_ids):
                a = Appointment(
                    person_id=rng.choice(person_ids),
                    referent_id=referent_id,
                    starts_at=utcnow() + timedelta(days=rng.randrange(1, 30)),
                    purpose="suivi",
                    nature=rng.choice(["physique", "telephone"]),
                )
                s.add(a)
                s.flush()
                appt_ids.append(a.id)
                kind = "rdv"
            elif kind == "rdv_status":
                a = s.get(Appointment, rng.choice(appt_ids))
                assert a is not None
                a.status = rng.choice(["honore", "excuse", "non_honore", "annule"])
                s.add(AppointmentEvent(appointment_id=a.id, status=a.status, at=utcnow()))
            else:
                s.add(
                    Objective(
                        person_id=rng.choice(person_ids),
                        theme="emploi",
                        title=rng.choice(["Trouver un emploi", "Obtenir le permis", "Formation CACES"]),
                    )
                )
        counts[kind] = counts.get(kind, 0) + 1
        done += 1
    return counts


def cmd_churn(args: argparse.Namespace, ctx: CommandContext) -> int:
    counts = churn(ctx.open_vault(), args.ops, args.seed)
    print("Modifications faites : " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0
