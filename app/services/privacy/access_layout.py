"""« Vos données personnelles — droit d'accès (RGPD art. 15) »: the readable copy of a person's whole file.

Pure: the JSON document of :func:`app.services.privacy.access.collect` in, PDF bytes out (A4, DejaVu embedded,
running header and « Page N / M » like the other documents). Unlike every other document, the NIR is printed
in full and identifiers typed in free texts are **not** redacted: this copy is given to the person it is about,
and the right of access covers all of their data.
"""

from __future__ import annotations

import io
import json
import re
from datetime import date, datetime
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table

from app.models import french
from app.models.french import fr_date
from app.services.casefile.documents import size_label
from app.services.printing import base, pages

TITLE = "Vos données personnelles — droit d'accès (RGPD art. 15)"
#: Keys of the contract content as stored (code identifiers) → French, for reading only (the JSON keeps them).
CONTENT_KEYS = {
    "objectives": "Objectifs", "actions": "Plan d'action", "label": "Action", "theme": "Thème",
    "hours_per_week": "Heures par semaine", "weekly_hours": "Heures par semaine au total", "start": "Début",
    "end": "Fin", "partner": "Partenaire", "person_commitments": "Engagements de la personne",
    "organisme_commitments": "Engagements de l'organisme", "referent_commitments": "Engagements du référent",
    "bilan_date": "Date du bilan", "observations": "Observations", "exemption": "Dispense",
    "exemption_reason": "Motif de la dispense", "followup": "Modalités de suivi",
}  # fmt: skip
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _x(text: Any) -> str:
    """Escape for a Paragraph without redacting numbers (the person's own data, see the module docstring)."""
    s = "" if text is None else str(text)
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _p(text: Any, style: str = "Body") -> Paragraph:
    """A paragraph keeping the line breaks and the indentation of ``text``."""
    lines = _x(text).strip("\n").splitlines() or [""]
    kept = [("&nbsp;" * (len(ln) - len(ln.lstrip(" ")))) + ln.lstrip(" ") for ln in lines]
    return Paragraph("<br/>".join(kept), base.style(style))


def _when(value: Any) -> str:
    """An ISO date or date-time of the JSON as French text (« 12 mars 2024 », « 12/03/2024 à 9 h 30 »)."""
    if not value:
        return "—"
    text = str(value)
    try:
        if "T" in text:
            d = datetime.fromisoformat(text)
            return f"{d:%d/%m/%Y} à {d.hour} h {d.minute:02d}"
        return fr_date(date.fromisoformat(text))
    except ValueError:
        return text


def _yes(value: Any) -> str:
    return "oui" if value else "non"


def _nir(value: str) -> str:
    v = value.replace(" ", "")
    if len(v) != 15:
        return v
    return f"{v[0]} {v[1:3]} {v[3:5]} {v[5:7]} {v[7:10]} {v[10:13]} {v[13:]}"


def _kv(pairs: list[tuple[str, Any]]) -> Table:
    rows = [[_p(k, "Label"), _p(v if v not in (None, "") else "—", "Cell")] for k, v in pairs]
    table = Table(rows, colWidths=[48 * mm, base.CONTENT_WIDTH - 48 * mm], hAlign="LEFT")
    table.setStyle(base.key_value_style())
    return table


def _grid(headers: tuple[str, ...], rows: list[list[Any]], widths: tuple[float, ...]) -> Table:
    data: list[list[Flowable]] = [[_p(h, "CellBold") for h in headers]]
    data += [
        [c if isinstance(c, Flowable) else _p(c if c not in (None, "") else "—", "Cell") for c in r]
        for r in rows
    ]
    table = Table(data, colWidths=[w * mm for w in widths], repeatRows=1, hAlign="LEFT")
    table.setStyle(base.grid_style())
    return table


def _section(title: str, count: int, body: list[Flowable], empty: str) -> list[Flowable]:
    heading = _p(f"{title} ({count})" if count else title, "Heading")
    if not count:
        return [heading, _p(empty, "Small")]
    return [base.KeepStart([heading, body[0]], 30 * mm), heading, *body]


def _structured(value: Any, depth: int = 0) -> str:
    """A JSON value (diagnostic answers, contract content) as indented readable lines."""
    pad = "    " * depth
    if isinstance(value, dict):
        lines = []
        for key, v in value.items():
            k = CONTENT_KEYS.get(key, key)
            if isinstance(v, dict | list) and v:
                lines.append(f"{pad}{k} :")
                lines.append(_structured(v, depth + 1))
            else:
                lines.append(f"{pad}{k} : {_scalar(v)}")
        return "\n".join(lines)
    if isinstance(value, list):
        parts = []
        for v in value:
            if (
                isinstance(v, dict) and v
            ):  # one entry of a list (an action of the plan): a bullet on its first line
                text = _structured(v, depth + 1)
                parts.append(f"{pad}• {text.lstrip(' ')}")
            elif isinstance(v, list):
                parts.append(_structured(v, depth))
            else:
                parts.append(f"{pad}• {_scalar(v)}")
        return "\n".join(parts)
    return f"{pad}{_scalar(value)}"


def _scalar(v: Any) -> str:
    if v is True:
        return "oui"
    if v is False:
        return "non"
    if v is None or v == "":
        return "—"
    if isinstance(v, float):
        return french.fr_hours(v)
    if isinstance(v, str) and _ISO_DAY.match(v):
        return _when(v)
    return str(v) if not isinstance(v, dict | list) else json.dumps(v, ensure_ascii=False)


def _story(d: dict[str, Any]) -> list[Flowable]:
    ident = d["identite"]
    name = f"{ident['prenom']} {ident['nom']}".strip()
    story: list[Flowable] = [
        _p("Vos données personnelles", "BigTitle"),
        _p("Droit d'accès — article 15 du règlement général sur la protection des données (RGPD)", "Lead"),
        Paragraph(f"<b>{_x(name)}</b> — données arrêtées le {_x(_when(d['genere_le']))}", base.style("Body")),
        _p(
            f"Ce document rassemble toutes les informations que {d['departement'] or 'le département'} conserve "
            "sur vous dans le dossier de votre accompagnement RSA : identité, orientation, rendez-vous, notes, "
            "diagnostic, carnet de bord, contrats, documents, sorties, sanctions et la liste des personnes qui "
            "ont consulté, modifié, imprimé ou exporté votre dossier. Le même contenu est fourni au format JSON, "
            "avec une copie de vos documents.",
        ),
        _p(
            "Vous pouvez demander la rectification d'une information inexacte, ou exercer vos autres droits, "
            "auprès de votre référent ou du délégué à la protection des données"
            + (f" : {d['contact_dpo']}." if d.get("contact_dpo") else " du département."),
        ),
        Spacer(1, 2 * mm),
        base.section_rule(),
        _p("Identité", "Heading"),
        _kv(
            [
                ("Civilité", ident["civilite"]),
                ("Nom", ident["nom"]),
                ("Nom de naissance", ident["nom_de_naissance"]),
                ("Prénom", ident["prenom"]),
                ("Date de naissance", _when(ident["date_de_naissance"])),
                ("NIR (n° de sécurité sociale)", _nir(ident["nir"]) if ident["nir"] else ""),
                ("N° allocataire CAF", ident["numero_allocataire"]),
                ("Adresse", " ".join(x for x in (ident["adresse"], ident["complement_adresse"]) if x)),
                ("Commune", f"{ident['code_postal']} {ident['commune']}".strip()),
                ("Téléphone", ident["telephone"]),
                ("Courriel", ident["courriel"]),
                ("Entrée au RSA", _when(ident["entree_rsa"])),
                ("Régime", ident["regime"]),
                ("Situation", ident["statut"]),
                ("Dernier contact", _when(ident["dernier_contact"])),
                ("Consentement données de santé", _yes(ident["consentement_donnees_sante"])),
                ("Dossier créé le", _when(ident["cree_le"])),
            ]
        ),
    ]
    if d.get("foyer"):
        story += [
            _p("Foyer", "Heading"),
            _kv([("N° allocataire", d["foyer"]["numero_allocataire"]), ("Libellé", d["foyer"]["libelle"])]),
        ]
    o = d["orientations"]
    story += _section("Orientations", len(o), [_grid(
        ("Décision", "Parcours", "Organisme", "Notifiée", "Motif et avis", "Fin"),
        [[_when(x["date_decision"]), x["parcours_type"] + (" (réorientation)" if x["reorientation"] else ""),
          x["organisme"], _when(x["date_notification"]),
          "\n".join(t for t in (x["motif"], f"Avis EP : {x['avis_ep']}" if x["avis_ep"] else "") if t),
          _when(x["fin"])] for x in o],
        (24, 26, 34, 24, 45, 17),
    )], "Aucune orientation enregistrée.")  # fmt: skip
    pc = d["parcours"]
    story += _section("Parcours", len(pc), [_grid(
        ("Début", "Fin", "Type"), [[_when(x["debut"]), _when(x["fin"]), x["type"]] for x in pc], (45, 45, 80)
    )], "Aucun parcours enregistré.")  # fmt: skip
    rf = d["referents"]
    story += _section("Référents", len(rf), [_grid(
        ("Depuis", "Référent", "Structure", "Motif"),
        [[_when(x["depuis"]), x["referent"], x["structure"], x["motif"]] for x in rf], (30, 40, 50, 50),
    )], "Aucun référent désigné.")  # fmt: skip
    rv = d["rendez_vous"]
    story += _section("Rendez-vous", len(rv), [_grid(
        ("Date", "Objet", "Nature et lieu", "Statut", "Commentaire et historique"),
        [[_when(x["date"]), x["objet"], " — ".join(t for t in (x["nature"], x["lieu"]) if t),
          x["statut"], "\n".join([x["commentaire"], *(f"{_when(h['date'])} : {h['statut']}"
                                                       + (f" ({h['commentaire']})" if h["commentaire"] else "")
                                                       for h in x["historique"])]).strip()] for x in rv],
        (28, 30, 38, 22, 52),
    )], "Aucun rendez-vous enregistré.")  # fmt: skip
    nt = d["notes"]
    ids = {n["id"]: i for i, n in enumerate(nt, 1)}
    story += _section("Notes", len(nt), [_grid(
        ("N°", "Date", "Type", "Auteur", "Texte"),
        [[str(i), _when(n["date"]), n["type"], n["auteur"],
          (f"Corrige la note n° {ids[n['corrige_la_note']]} :\n" if n["corrige_la_note"] in ids else "") + n["texte"]]
         for i, n in enumerate(nt, 1)],
        (10, 28, 24, 24, 84),
    )], "Aucune note.")  # fmt: skip
    dg = d["diagnostic"]
    versions: list[Flowable] = []
    for v in dg:
        versions += [
            _p(f"Version {v['version']} du {_when(v['date'])} — {v['auteur'] or 'auteur non renseigné'}"
               + (" — contrainte de santé signalée" if v["contrainte_sante"] else ""), "CellBold"),
            _p(_structured(v["reponses"]) or "Aucune réponse.", "Cell"),
            Spacer(1, 3 * mm),
        ]  # fmt: skip
    story += _section("Diagnostic socio-professionnel", len(dg), versions, "Aucun diagnostic enregistré.")
    cb = d["carnet"]
    story += _section("Carnet de bord", len(cb), [_grid(
        ("Objectif", "Statut", "Actions"),
        [[f"{x['objectif']}\n({x['theme']})", x["statut"],
          "\n".join(f"• {a['libelle']} — {a['statut']}" + (f", avec {a['partenaire']}" if a["partenaire"] else "")
                    + (f" ({a['commentaire']})" if a["commentaire"] else "") for a in x["actions"]) or "—"]
         for x in cb],
        (60, 25, 85),
    )], "Carnet de bord vide.")  # fmt: skip
    pr = d["prescriptions"]
    story += _section("Prescriptions", len(pr), [_grid(
        ("Date", "Type", "Partenaire", "Résultat", "Commentaire"),
        [[_when(x["date"]), x["type"], x["partenaire"],
          x["resultat"] + (f" ({_when(x['date_resultat'])})" if x["date_resultat"] else ""), x["commentaire"]]
         for x in pr],
        (25, 30, 35, 35, 45),
    )], "Aucune prescription.")  # fmt: skip
    ct = d["contrats"]
    blocks: list[Flowable] = []
    for c in ct:
        blocks.append(_p(f"{c['type']} n° {c['numero']} — {c['statut']}", "CellBold"))
        blocks.append(_kv([
            ("Période", f"du {_when(c['debut'])} au {_when(c['fin'])} ({c['duree_mois']} mois)"),
            ("Étapes", "\n".join(f"{_when(e['date'])} : {e['de'] or 'création'} → {e['vers']}"
                                 + (f" ({e['commentaire']})" if e["commentaire"] else "") for e in c["etapes"])),
            ("Signatures", "\n".join(f"{g['signataire']} ({g['nom']}) : {g['mention']}" for g in c["signatures"])),
        ]))  # fmt: skip
        for v in c["versions"]:
            blocks.append(_p(f"Version {v['version']} du {_when(v['date'])} — {v['auteur']}", "Label"))
            blocks.append(_p(_structured(v["contenu"]) or "Contenu vide.", "Cell"))
        blocks.append(Spacer(1, 4 * mm))
    story += _section("Contrats", len(ct), blocks, "Aucun contrat.")
    dc = d["documents"]
    story += _section("Documents", len(dc), [_grid(
        ("Titre", "Type", "Date", "Fichier", "Taille"),
        [[x["titre"], x["type"], _when(x["date"] or x["ajoute_le"]),
          x["fichier"] or f"{x['nom_du_fichier']} (contenu absent de ce poste)", size_label(int(x["taille_octets"] or 0))]
         for x in dc],
        (45, 28, 25, 52, 20),
    ), _p("Les fichiers sont joints dans le dossier indiqué, à côté de ce document.", "Small")],
        "Aucun document joint.")  # fmt: skip
    sr = d["sorties"]
    story += _section("Sorties", len(sr), [_grid(
        ("Date", "Catégorie", "Motif", "Détail"),
        [[_when(x["date"]), x["categorie"], x["motif"], x["detail"]] for x in sr], (25, 40, 40, 65),
    )], "Aucune sortie enregistrée.")  # fmt: skip
    sc = d["sanctions"]
    story += _section("Procédures de sanction", len(sc), [_grid(
        ("Date", "Étape", "Détail", "Auteur"),
        [[_when(x["date"]), x["etape"], x["detail"], x["auteur"]] for x in sc], (25, 40, 75, 30),
    )], "Aucune procédure.")  # fmt: skip
    jr = d["journal_des_acces"]
    story += _section("Qui a consulté ou modifié votre dossier", len(jr), [_grid(
        ("Date", "Qui", "Action", "Objet", "Détail"),
        [[_when(x["date"]), x["auteur"], x["action"], x["objet"], x["detail"]] for x in jr], (32, 28, 28, 22, 60),
    )], "Aucun accès enregistré.")  # fmt: skip
    return story


def render_access(data: dict[str, Any]) -> bytes:
    """The access document as PDF bytes (A4, DejaVu embedded)."""
    department = data.get("departement") or ""
    decor = pages.PageDecor(
        department=department,
        title=TITLE,
        reference="Document personnel — confidentiel",
        footer_note=f"Édité le {_when(str(data.get('genere_le', ''))[:10])}",
    )
    buffer = io.BytesIO()
    pdf = pages.make_document(
        buffer, decor, title=TITLE, author=department or "Fil rouge", subject="Droit d'accès"
    )
    pages.build(pdf, _story(data))
    return buffer.getvalue()
