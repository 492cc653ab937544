"""Text normalisation, written once: the folding used by search, sorting, identity matching and vocabulary
lookups; header keys of imported files."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

#: What separates words once folded: anything that is not a letter or a digit of any script.
_NON_WORD = re.compile(r"[\W_]+")
_NON_WORD_KEEP_NUL = re.compile(r"(?:[^\w\x00]|_)+")
_NUMBER_WORDS = re.compile(r"\b(n|no|num|nr)\b")
_APOSTROPHES = "’‘ʼ`´"
_LIGATURES = {"œ": "oe", "æ": "ae"}


class _CharFold(dict[int, str]):
    """One character folded: decomposed (NFKD), combining marks dropped, case-folded, ligatures spelt out.
    A ``str.translate`` table filled as characters come (a combining mark alone folds to nothing)."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if char in _APOSTROPHES:
            value = "'"
        else:
            value = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            value = value.casefold()
            value = "".join(_LIGATURES.get(c, c) for c in value)
        self[code] = value
        return value


_FOLD = _CharFold()


@lru_cache(maxsize=65536)
def fold(value: str | None) -> str:
    """**The** folding of the application, for search, sorting and identity matching: lower case, no accents,
    any script kept, punctuation collapsed to single spaces. « Lefèvre-D'Arc » → ``lefevre d arc``; the same
    name typed with decomposed accents (NFD) folds the same."""
    if not value:
        return ""
    if value.isascii():  # nothing to decompose: the same result, without the Unicode work
        return _NON_WORD.sub(" ", value.lower()).strip()
    return _NON_WORD.sub(" ", value.translate(_FOLD)).strip()


def fold_column(values: Sequence[str | None]) -> list[str]:
    """:func:`fold` of a whole column at once (the caseload index folds 100,000 names): one join, one lower,
    one replace per distinct non-ASCII character, one regular expression, one split."""
    if not values:
        return []
    text = "\x00".join([v or "" for v in values])
    if "\x00" in text.replace("\x00", "", len(values) - 1):  # a stray NUL inside a value
        return [fold(v) for v in values]
    if not text.isascii():
        for char in {c for c in text if ord(c) > 127}:
            text = text.replace(char, _FOLD[ord(char)])
    text = _NON_WORD_KEEP_NUL.sub(" ", text.lower())
    return [piece.strip() for piece in text.split("\x00")]


def fold_same_length(text: str) -> str:
    """:func:`fold` character by character, one character for one (so that a match position found in the
    folded text holds in the original): a character whose folding is not one character stays lower-cased."""
    out = []
    for char in text:
        folded = _FOLD[ord(char)]
        if len(folded) != 1:
            lower = char.lower()
            folded = lower if len(lower) == 1 else char
        out.append(folded)
    return "".join(out)


@lru_cache(maxsize=4096)
def header_key(value: str) -> str:
    """Key of a column header: :func:`fold`, then « n° / no / num » read as « numero »."""
    return _NUMBER_WORDS.sub("numero", fold(value))


def collapse(value: str) -> str:
    """Whitespace collapsed and stripped (the way every text field is stored)."""
    return " ".join(value.split())


def digits(value: str) -> str:
    return "".join(c for c in value if c.isdigit())
