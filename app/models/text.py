"""Text normalisation, written once: the folding used by search, sorting, identity matching and vocabulary
lookups; header keys of imported files; the hygiene of every text entering the vault (:func:`clean_text`) and
of every text leaving for a terminal (:func:`terminal_safe`)."""

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
        for char in {c for c in set(text) if ord(c) > 127}:  # set(): the scan in C, not in Python
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


# --- hygiene ----------------------------------------------------------------------------------------------

#: Code points never stored beyond ASCII (Unicode 14, the database of Python 3.11; ``tests/models/test_text``
#: checks this list against ``unicodedata``): the C1 controls (with NEL) and every invisible formatting
#: character (category Cf: soft hyphen, zero-width spaces and joiners, bidirectional marks, embeddings,
#: overrides such as U+202E and isolates, the byte-order mark, tag characters…), plus the line and paragraph
#: separators U+2028/U+2029 (read as line breaks).
UNSAFE_RANGES: tuple[tuple[int, int], ...] = (
    (0x80, 0x9F), (0xAD, 0xAD), (0x600, 0x605), (0x61C, 0x61C), (0x6DD, 0x6DD), (0x70F, 0x70F),
    (0x890, 0x891), (0x8E2, 0x8E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x2028, 0x202E),
    (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD),
    (0x110CD, 0x110CD), (0x13430, 0x13438), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)  # fmt: skip
_RANGES = "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in UNSAFE_RANGES)
#: What :func:`clean_text` acts on: every control character (tabs and line breaks included) and the above.
_UNSAFE = re.compile(f"[\\x00-\\x1f\\x7f{_RANGES}]")
_BREAKS = frozenset({"\n", "\r", "\x85", "\u2028", "\u2029"})


def headline(value: str | None, limit: int = 120) -> str:
    """The first non-empty line of ``value`` without its final full stop, at most ``limit`` characters (a
    collective session's « Intitulé » is the first line of its comment)."""
    line = next((x.strip() for x in (value or "").splitlines() if x.strip()), "")
    return line.rstrip(".").strip()[:limit]


def clean_text(value: str, *, multiline: bool = False) -> str:
    """**The** hygiene of a text entering the vault (forms, imports, the sync download): NFC (an accent typed
    decomposed is stored composed); control and invisible formatting characters removed (NUL, ESC, BEL,
    zero-width characters, bidirectional overrides…). A multi-line text keeps its line breaks (``\\r\\n``,
    ``\\r`` and U+2028 become ``\\n``) and tabs; a one-line text gets a space for each. Nothing else changes
    (no trimming: :func:`collapse` does that where a field wants it)."""
    if not value.isascii() and not unicodedata.is_normalized("NFC", value):
        value = unicodedata.normalize("NFC", value)
    if _UNSAFE.search(value) is None:
        return value
    out: list[str] = []
    after_cr = False
    for char in value:
        if after_cr and char == "\n":
            after_cr = False
            continue
        after_cr = char == "\r"
        if char in _BREAKS:
            out.append("\n" if multiline else " ")
        elif char == "\t" or "\x0b" <= char <= "\x0c" or "\x1c" <= char <= "\x1f":
            out.append("\t" if multiline and char == "\t" else " ")
        elif _UNSAFE.match(char) is None:
            out.append(char)
    return "".join(out)


def removed_characters(value: str, *, multiline: bool = False) -> bool:
    """True when :func:`clean_text` removes something from ``value`` beyond normalising it (a control or an
    invisible character: what an import reports as a warning)."""
    for char in _UNSAFE.findall(value):
        if (
            char not in _BREAKS
            and char != "\t"
            and not ("\x0b" <= char <= "\x0c" or "\x1c" <= char <= "\x1f")
        ):
            return True
    return False


#: What a terminal must never receive raw: the same characters as above (ESC starts a terminal sequence, CR
#: rewrites the line, a bidi override reverses what follows) and lone surrogates; line breaks and tabs stay.
_TERMINAL_UNSAFE = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f{_RANGES}\\ud800-\\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # a UTF-16 surrogate pair: the escape stays valid inside a JSON string
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def terminal_safe(text: str) -> str:
    """``text`` with every character a terminal would act on or hide written as a ``\\uXXXX`` escape (line
    breaks and tabs kept): what the commands print can never clear the screen, ring, move the cursor or
    reverse the display. The escapes are those of JSON, so JSON output stays valid JSON."""
    return _TERMINAL_UNSAFE.sub(_escape, text)
