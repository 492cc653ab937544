"""The NIR (n° de sécurité sociale): **the one validator of the application**, and its masked display.

A NIR is 13 characters (sex, year, month, département — ``2A``/``2B`` for Corsica —, commune, order) and a
2-digit key, ``97 − (NIR mod 97)`` computed with ``2A`` read as 19 and ``2B`` as 18. A département's list
often gives the 13 characters alone: :func:`parse_nir` then computes the key. Everything that stores a NIR
(the identity form, the orientation-list import, the demo) goes through :func:`parse_nir`, so a stored NIR is
always the 15 characters with a correct key. The NIR is never shown in full (:func:`mask_nir`), never written
to a file name or a log, and the messages below never quote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NIR_RE = re.compile(r"^[12378][0-9]{2}(0[1-9]|1[0-2]|[2-9][0-9])([0-9]{2}|2A|2B)[0-9]{6,8}$", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s.\-]")

#: Why a NIR cannot be used (French, shown next to the field or in the import report; never quotes the NIR).
WRONG_LENGTH = "NIR invalide : 13 caractères (sans clé) ou 15 caractères (avec la clé) attendus"
WRONG_SHAPE = (
    "NIR invalide : il ne commence pas comme un numéro de sécurité sociale (sexe, année, mois, département)"
)
WRONG_KEY = "NIR invalide : la clé de contrôle ne correspond pas au numéro"


def mask_nir(nir: str | None) -> str:
    """Mask all but the last 3 characters: ``1 85 05 75 123 456 78`` → ``•••••••••••••• 478``-like text."""
    if not nir:
        return ""
    clean = re.sub(r"\s", "", nir)
    if len(clean) <= 3:
        return "•" * len(clean)
    return "•" * (len(clean) - 3) + clean[-3:]


def normalise_nir(raw: str | None) -> str | None:
    """Strip spaces, dots and dashes, upper-case (``2a`` → ``2A``); None for empty input. Does not validate."""
    if raw is None:
        return None
    clean = _SEPARATORS.sub("", raw).upper()
    return clean or None


def nir_key(body: str) -> int:
    """The key of the 13 first characters: ``97 − (number mod 97)``, Corsica's ``2A``/``2B`` read as 19/18."""
    number = int(body.upper().replace("2A", "19").replace("2B", "18"))
    return 97 - (number % 97)


@dataclass(frozen=True)
class NirCheck:
    """The outcome of :func:`parse_nir`: the NIR to store (15 characters) or ``None``, and why not."""

    value: str | None
    problem: str = ""
    key_added: bool = False


def parse_nir(raw: str | None) -> NirCheck:
    """Validate a NIR as typed or received: 15 characters with a correct key, or 13 characters whose key is
    then computed. Empty input is ``NirCheck(None)`` without a problem; an unusable NIR has a French
    ``problem`` (length, shape, key) and no value."""
    clean = normalise_nir(raw)
    if clean is None:
        return NirCheck(None)
    if len(clean) not in (13, 15):
        return NirCheck(None, WRONG_LENGTH)
    if not _NIR_RE.match(clean) or not clean[7:].isdigit():
        return NirCheck(None, WRONG_SHAPE)
    if len(clean) == 13:
        return NirCheck(f"{clean}{nir_key(clean):02d}", key_added=True)
    if nir_key(clean[:13]) != int(clean[13:]):
        return NirCheck(None, WRONG_KEY)
    return NirCheck(clean)


def nir_is_valid(nir: str) -> bool:
    """True for a complete NIR (15 characters) whose key is right (a 13-character NIR is not complete)."""
    clean = normalise_nir(nir) or ""
    return len(clean) == 15 and parse_nir(clean).value == clean


def nir_sex(nir: str) -> str | None:
    """« M » or « F » from the first digit (1 or 2); None for the other codes (3, 7, 8: provisional numbers)."""
    return {"1": "M", "2": "F"}.get(nir[:1])
