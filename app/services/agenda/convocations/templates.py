"""The letter templates (``resources/convocations/letters.yaml``), read and checked once: one per RDV purpose
(convocation or invitation, the ground an absence would be for an obligatory RDV, subject, paragraphs, what to
bring), the relance and the fixed wording. No database here."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from string import Formatter
from typing import Any

import yaml

from app.models.enums import LetterKind
from app.models.errors import FilRougeError
from app.models.resources import display_path, resource_path

#: The variables a paragraph of a template may use.
FIELDS = frozenset(
    {"date", "time", "end_time", "duration", "purpose", "referent", "service", "department", "when",
     "place", "phone", "salutation", "missed_date", "missed_time"}
)  # fmt: skip
DEFAULT_PURPOSE = "autre"


class LetterTemplateError(FilRougeError):
    default_message = "Les modèles de courriers (convocations) sont illisibles."


@dataclass(frozen=True)
class PurposeTemplate:
    """The letter of one RDV purpose."""

    purpose: str
    kind: str  # LetterKind.CONVOCATION / INVITATION
    ground: str | None  # key of the obligatory grounds (convocations only)
    subject: str
    body: tuple[str, ...]
    bring: tuple[str, ...]

    @property
    def obligatory(self) -> bool:
        return self.kind == LetterKind.CONVOCATION


@dataclass(frozen=True)
class Templates:
    """Everything the letters print, as read from the file."""

    version: str
    letter: dict[str, Any]
    obligatory: dict[str, Any]
    purposes: dict[str, PurposeTemplate]
    relance: dict[str, Any]

    def for_purpose(self, purpose: str) -> PurposeTemplate:
        """The template of ``purpose`` (« autre » for a purpose the file does not name)."""
        return self.purposes.get(purpose) or self.purposes[DEFAULT_PURPOSE]

    def tag(self, purpose: str) -> str:
        """What a sent letter records of its template: « suivi@2026.1 »."""
        return f"{self.for_purpose(purpose).purpose}@{self.version}"[:60]


def _fail(path: str, reason: str) -> LetterTemplateError:
    return LetterTemplateError(f"Modèles de courriers {path} : {reason}")


def _check_text(path: str, where: str, text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise _fail(path, f"« {where} » doit être un texte non vide.")
    try:
        names = {name for _lit, name, _spec, _conv in Formatter().parse(text) if name}
    except ValueError as exc:
        raise _fail(path, f"« {where} » : accolade mal fermée.") from exc
    unknown = sorted(names - FIELDS)
    if unknown:
        raise _fail(path, f"« {where} » : variable inconnue {{{unknown[0]}}}.")
    return " ".join(text.split())


def _purpose(path: str, code: str, raw: Any, grounds: dict[str, Any]) -> PurposeTemplate:
    if not isinstance(raw, dict):
        raise _fail(path, f"le modèle « {code} » doit être une table.")
    kind = raw.get("kind")
    if kind not in (LetterKind.CONVOCATION, LetterKind.INVITATION):
        raise _fail(path, f"« {code} » : kind doit valoir convocation ou invitation.")
    ground = raw.get("ground")
    if kind == LetterKind.CONVOCATION and ground not in grounds:
        raise _fail(
            path, f"« {code} » : une convocation nomme son motif (ground) parmi {', '.join(grounds)}."
        )
    body = raw.get("body")
    if not isinstance(body, list) or not body:
        raise _fail(path, f"« {code} » : body doit être une liste de paragraphes.")
    bring = raw.get("bring") or []
    if not isinstance(bring, list):
        raise _fail(path, f"« {code} » : bring doit être une liste.")
    return PurposeTemplate(
        purpose=code,
        kind=str(kind),
        ground=str(ground) if kind == LetterKind.CONVOCATION else None,
        subject=_check_text(path, f"{code}.subject", raw.get("subject")),
        body=tuple(_check_text(path, f"{code}.body", p) for p in body),
        bring=tuple(_check_text(path, f"{code}.bring", b) for b in bring),
    )


def parse_templates(data: Any, path: str = "letters.yaml") -> Templates:
    """Check the parsed YAML and return the templates (LetterTemplateError naming the problem otherwise)."""
    if not isinstance(data, dict):
        raise _fail(path, "le fichier doit être une table YAML.")
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        raise _fail(path, "la version des modèles manque.")
    letter, obligatory, relance = data.get("letter"), data.get("obligatory"), data.get("relance")
    for name, part in (("letter", letter), ("obligatory", obligatory), ("relance", relance)):
        if not isinstance(part, dict):
            raise _fail(path, f"la section « {name} » manque.")
    assert isinstance(letter, dict) and isinstance(obligatory, dict) and isinstance(relance, dict)
    grounds = obligatory.get("grounds")
    if not isinstance(grounds, dict) or not grounds:
        raise _fail(path, "obligatory.grounds doit nommer au moins un motif.")
    for key in ("banner", "legal_basis"):
        _check_text(path, f"obligatory.{key}", obligatory.get(key))
    for key, text in grounds.items():
        _check_text(path, f"obligatory.grounds.{key}", text)
    for key in (
        "when",
        "contact",
        "closing",
        "signed_by_referent",
        "bring_title",
        "place_missing",
        "collective",
    ):
        _check_text(path, f"letter.{key}", letter.get(key))
    for key in ("subject", "next_rdv", "no_next_rdv", "legitimate_reason", "obligatory_reminder"):
        _check_text(path, f"relance.{key}", relance.get(key))
    raw_purposes = data.get("purposes")
    if not isinstance(raw_purposes, dict) or DEFAULT_PURPOSE not in raw_purposes:
        raise _fail(path, f"la section « purposes » doit contenir au moins « {DEFAULT_PURPOSE} ».")
    purposes = {str(code): _purpose(path, str(code), raw, grounds) for code, raw in raw_purposes.items()}
    return Templates(version.strip(), letter, obligatory, purposes, relance)


@cache
def load_templates() -> Templates:
    """The templates shipped with the application, read once."""
    path = resource_path("convocations", "letters.yaml")
    shown = display_path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _fail(shown, "fichier introuvable ou illisible.") from exc
    except yaml.YAMLError as exc:
        raise _fail(shown, "YAML invalide.") from exc
    return parse_templates(data, shown)


def fill(text: str, values: dict[str, str]) -> str:
    """A template sentence with its variables replaced (a variable without a value prints empty)."""
    return " ".join(text.format_map(_Blank(values)).split())


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""
