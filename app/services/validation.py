"""Input validation shared by the services: dates typed « JJ/MM/AAAA », texts, codes and choices, with French
messages collected per field into one :class:`~app.services.errors.ValidationError`."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import ParamSpec, TypeVar, cast

from app.models.tables.base import utcnow
from app.models.text import clean_text
from app.services.errors import ValidationError

P = ParamSpec("P")
R = TypeVar("R")

_CODE_RE = re.compile(r"^[a-z0-9_]{1,40}$")
DATE_MESSAGE = "Date invalide (format attendu : JJ/MM/AAAA)."
_DATE_RE = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\s*$")
_ISO_RE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")


class FieldError(Exception):
    """Raised by a field validator; collected into one :class:`ValidationError`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_date(value: date | str | None, message: str) -> date | None:
    """A date from a ``date`` or text « JJ/MM/AAAA » (ISO accepted); ``None``/empty stays ``None``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    m = _DATE_RE.match(value)
    parts = (m.group(3), m.group(2), m.group(1)) if m else None
    if parts is None and (iso := _ISO_RE.match(value)):
        parts = (iso.group(1), iso.group(2), iso.group(3))
    if parts is None:
        raise FieldError(message)
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        raise FieldError(message) from None


def require_date(value: date | str | None, message: str) -> date:
    parsed = parse_date(value, message)
    if parsed is None:
        raise FieldError(message)
    return parsed


def require_text(value: str | None, message: str, max_len: int = 200) -> str:
    """Stripped, whitespace-collapsed, non-empty text of at most ``max_len`` characters, NFC and without
    control or invisible characters (:func:`app.models.text.clean_text`)."""
    clean = " ".join(clean_text(value or "").split())
    if not clean:
        raise FieldError(message)
    if len(clean) > max_len:
        raise FieldError(f"Texte trop long ({max_len} caractères au plus).")
    return clean


def optional_text(value: str | None, max_len: int = 200) -> str:
    """Like :func:`require_text`, empty allowed."""
    clean = " ".join(clean_text(value or "").split())
    if len(clean) > max_len:
        raise FieldError(f"Texte trop long ({max_len} caractères au plus).")
    return clean


def require_code(value: str, message: str) -> str:
    """A vocabulary code as stored (lower-case letters, digits and ``_``, at most 40 characters)."""
    if not _CODE_RE.match(value or ""):
        raise FieldError(message)
    return value


def require_choice(value: str, choices: type[StrEnum] | dict[str, str] | frozenset[str], message: str) -> str:
    """``value`` if it is one of the codes of an enum, a vocabulary (code → label) or a set."""
    codes = {str(c) for c in choices} if isinstance(choices, type) else set(choices)
    if value not in codes:
        raise FieldError(message)
    return value


def fmt_date(d: date) -> str:
    return d.strftime("%d/%m/%Y")


class Checker:
    """Collects field errors, then raises one :class:`ValidationError` listing them all."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def ok(self) -> bool:
        return not self.errors

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def run(self, field: str, func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R | None:
        """Call ``func(*args)``; on :class:`FieldError` record it under ``field`` and return ``None``."""
        try:
            return func(*args, **kwargs)
        except FieldError as exc:
            self.add(field, exc.message)
            return None

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(fields=self.errors)


def check(field: str, func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Validate one field: return the cleaned value or raise a one-field :class:`ValidationError`."""
    checker = Checker()
    value = checker.run(field, func, *args, **kwargs)
    checker.raise_if_any()
    return cast(R, value)


def require_moment(value: datetime | None, message: str) -> datetime:
    """A moment as stored (naive UTC): now when not given, the given ``datetime`` otherwise."""
    if value is None:
        return utcnow()
    if not isinstance(value, datetime):
        raise FieldError(message)
    return value.replace(tzinfo=None)
