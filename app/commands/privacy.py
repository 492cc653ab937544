"""Personal-data commands: ``purge`` (retention), ``export-person`` (right of access), ``audit`` (journal)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from app.commands._context import CommandContext, add_json_flag, iso_date, print_json
from app.models.errors import FilRougeError
from app.services.people.identity import current_actor
from app.services.privacy import access as access_export
from app.services.privacy import journal as audit_service
from app.services.privacy import retention
from app.services.storage import settings


class PurgeNotConfirmed(FilRougeError):
    default_message = (
        "Purge non confirmée : vérifiez d'abord la liste avec « purge --dry-run », puis relancez avec --yes."
    )


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("purge", help="purger les personnes dont la durée de conservation est dépassée")
    p.add_argument("--dry-run", action="store_true", help="lister seulement, sans rien effacer")
    p.add_argument(
        "--yes", action="store_true", help="confirmer la purge (irréversible, transmise au département)"
    )
    p.add_argument(
        "--on",
        type=iso_date,
        default=None,
        metavar="AAAA-MM-JJ",
        help="date de calcul (défaut : aujourd'hui)",
    )
    p.add_argument(
        "--person",
        action="append",
        default=None,
        metavar="ID",
        help="seulement cette personne (répétable) ; elle doit figurer dans l'aperçu",
    )
    add_json_flag(p)
    p.set_defaults(func=cmd_purge)
    e = sub.add_parser("export-person", help="droit d'accès : exporter toutes les données d'une personne")
    e.add_argument("person_id", metavar="ID", help="identifiant de la personne")
    e.add_argument(
        "--out", type=Path, required=True, metavar="DOSSIER", help="dossier où écrire JSON, PDF et documents"
    )
    e.set_defaults(func=cmd_export_person)
    a = sub.add_parser("audit", help="journal des accès (consultations, modifications, impressions, exports)")
    a.add_argument("--person", default=None, metavar="ID", help="seulement le dossier de cette personne")
    a.add_argument("--action", choices=audit_service.ACTIONS, default=None, help="seulement cette action")
    a.add_argument(
        "--since", type=iso_date, default=None, metavar="AAAA-MM-JJ", help="à partir de cette date"
    )
    a.add_argument("--limit", type=int, default=200, help="nombre maximal de lignes (défaut : 200)")
    add_json_flag(a)
    a.set_defaults(func=cmd_audit)


def cmd_purge(args: argparse.Namespace, ctx: CommandContext) -> int:
    db = ctx.open_vault().db
    on = args.on or date.today()
    months = settings.get(db, settings.RETENTION_MONTHS)
    candidates = retention.preview(db, today=on)
    if args.person:
        due = {c.person_id for c in candidates}
        for pid in args.person:
            if pid not in due:
                raise retention.PurgeRefused(
                    f"« {pid} » n'est pas à purger : durée de conservation non dépassée, accompagnement en cours "
                    "ou personne inconnue."
                )
        candidates = [c for c in candidates if c.person_id in set(args.person)]
    if args.dry_run or not candidates:
        if args.json:
            print_json(
                {
                    "on": on.isoformat(),
                    "retention_months": months,
                    "dry_run": bool(args.dry_run),
                    "candidates": [
                        {
                            "person_id": c.person_id,
                            "name": c.name,
                            "last_contact": c.last_contact.isoformat(),
                            "source": c.source,
                            "months": c.months,
                            "reason": c.reason,
                        }
                        for c in candidates
                    ],
                }
            )
            return 0
        print(f"Conservation : {months} mois après le dernier contact — calcul au {on:%d/%m/%Y}")
        if not candidates:
            print("Aucune personne à purger.")
            return 0
        print(f"{len(candidates)} personne(s) seraient purgées (aperçu, rien n'a été effacé) :")
        for c in candidates:
            print(f"{c.person_id}  {c.name:<32}  {c.reason}")
        return 0
    if not args.yes:
        raise PurgeNotConfirmed()
    log = retention.purge(db, [c.person_id for c in candidates], actor=current_actor(db))
    if args.json:
        print_json(
            {
                "actor": log.actor,
                "at": log.started_at.isoformat(timespec="seconds"),
                "purged": [{"person_id": p.person_id, "rows": p.rows, "files": p.files} for p in log.people],
            }
        )
        return 0
    print(
        f"{len(log.people)} personne(s) purgée(s) : {log.total_rows} enregistrement(s) effacé(s), "
        f"{log.files} fichier(s) supprimé(s). La purge sera transmise au département à la prochaine synchronisation."
    )
    return 0


def cmd_export_person(args: argparse.Namespace, ctx: CommandContext) -> int:
    db = ctx.open_vault().db
    json_path, pdf_path = access_export.export_person(db, args.person_id, args.out, actor=current_actor(db))
    print(f"Données exportées : {pdf_path}")
    print(f"Format JSON : {json_path}")
    return 0


def cmd_audit(args: argparse.Namespace, ctx: CommandContext) -> int:
    db = ctx.open_vault().db
    lines = audit_service.journal(
        db, person_id=args.person, action=args.action, since=args.since, limit=args.limit
    )
    if args.json:
        print_json(
            [
                {
                    "at": ln.at.isoformat(timespec="seconds"),
                    "actor": ln.actor,
                    "action": ln.action,
                    "person_id": ln.person_id,
                    "person": ln.person_name,
                    "object_table": ln.object_table,
                    "object_id": ln.object_id,
                    "detail": ln.detail,
                    "derived": ln.derived,
                }
                for ln in lines
            ]
        )
        return 0
    if not lines:
        print("Aucun événement dans le journal pour ces critères.")
        return 0
    for ln in lines:
        print(
            f"{ln.at:%d/%m/%Y %H:%M}  {ln.actor:<14}  {ln.action_label:<17}  {ln.person_name or '—':<28}  "
            f"{ln.object_label:<12}  {ln.detail}"
        )
    return 0
