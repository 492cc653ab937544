"""Display helpers for personal identifiers. The NIR is never shown in full."""

from __future__ import annotations

import re

_NIR_RE = re.compile(r"^[12378][0-9]{2}(0[1-9]|1[0-2]|[2-9][0-9])([0-9]{2}|2A|2B)[0-9]{6,8}$", re.IGNORECASE)


def mask_nir(nir: str | None) -> str:
    """Mask all but the last 3 characters: ``1 85 05 75 123 456 78`` → ``•••••••••••••• 478``-like text."""
    if not nir:
        return ""
    clean = re.sub(r"\s", "", nir)
    if len(clean) <= 3:
        return "•" * len(clean)
    return "•" * (len(clean) - 3) + clean[-3:]


def normalise_nir(raw: str | None) -> str | None:
    """Strip spaces and dots; return None for empty input. Does not validate."""
    if raw is None:
        return None
    clean = re.sub(r"[\s.\-]", "", raw).upper()
    return clean or None


def nir_is_valid(nir: str) -> bool:
    """Check the shape and the key (97 - number mod 97) of a 15-character NIR (13 digits + 2-digit key)."""
    clean = normalise_nir(nir) or ""
    if len(clean) != 15 or not _NIR_RE.match(clean):
        return False
    body = clean[:13].replace("2A", "19").replace("2B", "18")
    try:
        number, key = int(body), int(clean[13:])
    except ValueError:
        return False
    return 97 - (number % 97) == key
