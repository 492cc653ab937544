"""Text normalisation used for header names, name matching and vocabulary lookups."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_NUMBER_WORDS = re.compile(r"\b(n|no|num|nr)\b")


class _CombiningMarks(dict[int, int | None]):
    """``str.translate`` table deleting combining marks (accents once decomposed), filled as characters come."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_DROP_COMBINING = _CombiningMarks()


@lru_cache(maxsize=65536)
def fold(value: str) -> str:
    """Lower-case, accent-free, punctuation collapsed to single spaces: « Lefèvre-D'Arc » → ``lefevre d arc``."""
    if value.isascii():  # nothing to decompose: the same result, without the Unicode work
        return _NON_ALNUM.sub(" ", value.lower()).strip()
    decomposed = unicodedata.normalize("NFKD", value.replace("°", " "))
    ascii_only = decomposed.translate(_DROP_COMBINING).casefold()
    ascii_only = ascii_only.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return _NON_ALNUM.sub(" ", ascii_only).strip()


@lru_cache(maxsize=4096)
def header_key(value: str) -> str:
    """Key of a column header: :func:`fold`, then « n° / no / num » read as « numero »."""
    return _NUMBER_WORDS.sub("numero", fold(value))


def collapse(value: str) -> str:
    """Whitespace collapsed and stripped (the way every text field is stored)."""
    return " ".join(value.split())


def digits(value: str) -> str:
    return "".join(c for c in value if c.isdigit())
