"""One CSV record → a validated :class:`ParsedRow`, or :class:`ImportRowError` with the French reason."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from operator import gt, itemgetter

from app.models.identity.nir import nir_sex, parse_nir
from app.models.law import CE_ONLY_FROM
from app.models.orientation_list.columns import ColumnMap
from app.models.orientation_list.errors import ImportRowError
from app.models.text import clean_text, collapse, fold, removed_characters

MAX_FIELD_CHARS = 1000
#: Column widths of the person / orientation tables (the vault does not enforce them: we do).
MAX_LEN = {
    "caf_number": 20,
    "last_name": 100,
    "birth_name": 100,
    "first_name": 100,
    "address_line": 200,
    "address_extra": 200,
    "city": 100,
    "phone": 40,
    "email": 200,
    "organisme": 200,
    "referent": 200,
}
_DATE_FR = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2})?)?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[\d .()/-]{6,25}$")
_SEX = {
    "f": "F",
    "femme": "F",
    "feminin": "F",
    "2": "F",
    "mme": "F",
    "madame": "F",
    "m": "M",
    "h": "M",
    "homme": "M",
    "masculin": "M",
    "1": "M",
    "monsieur": "M",
    "mr": "M",
}
_CIVILITY = {"m": "M.", "mr": "M.", "monsieur": "M.", "mme": "Mme", "madame": "Mme", "mlle": "Mme"}


@dataclass(frozen=True)
class ParsedRow:
    """A valid row: person fields (only those given in the file) and the orientation decision."""

    line: int
    person: dict[str, object]
    track: str
    decision_date: date
    notification_date: date | None
    organisme: str | None
    referent: str | None
    #: What the row said that could not be used, without rejecting it (an unusable NIR, characters removed).
    warnings: tuple[str, ...] = ()

    @property
    def regime(self) -> str:
        """The regime of the orientation decided on that date (loi n° 2023-1196 from 1 January 2025)."""
        return "plein_emploi" if self.decision_date >= CE_ONLY_FROM else "legacy"

    @property
    def nir(self) -> str | None:
        return self.person.get("nir")  # type: ignore[return-value]

    @property
    def birth_date(self) -> date:
        return self.person["birth_date"]  # type: ignore[return-value]


_today_cache: tuple[float, date] = (0.0, date.min)


def _today() -> date:
    """``date.today()``, asked of the clock again at the next midnight or after a minute (whichever comes
    first: a clock set by hand is followed); twice per row, the system call was a noticeable share."""
    global _today_cache
    until, today = _today_cache
    tick = time.monotonic()
    if tick < until:
        return today
    now = datetime.now()
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time())
    _today_cache = (tick + min((midnight - now).total_seconds(), 60.0), now.date())
    return now.date()


def parse_date(raw: str, label: str, *, required: bool = False) -> date | None:
    value = raw.strip()
    if not value:
        if required:
            raise ImportRowError(f"{label} manquante")
        return None
    parsed = _date_of(value)
    if type(parsed) is date:
        return parsed
    if parsed is _BAD_FORMAT:
        raise ImportRowError(f"{label} « {value} » invalide (format attendu : JJ/MM/AAAA)")
    raise ImportRowError(f"{label} « {value} » invalide")


_BAD_FORMAT, _BAD_DATE = "format", "date"


@lru_cache(maxsize=32768)
def _date_of(value: str) -> date | str:
    """The date written in a stripped cell, or why not (the same few thousand dates fill a whole list)."""
    m = _DATE_FR.match(value)
    parts = (m.group(3), m.group(2), m.group(1)) if m else None
    if parts is None and (iso := _DATE_ISO.match(value)):
        parts = (iso.group(1), iso.group(2), iso.group(3))
    if parts is None:
        return _BAD_FORMAT
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return _BAD_DATE


def _birth_date(raw: str) -> date:
    born = parse_date(raw, "date de naissance", required=True)
    assert born is not None
    today = _today()
    if born > today or born.year < today.year - 120:
        raise ImportRowError(f"date de naissance « {raw.strip()} » invalide")
    return born


def _nir(raw: str) -> str | None:
    """The NIR to store (its key computed from 13 characters), or :class:`_NirUnusable` with the reason: the
    person is then imported without it (an unusable NIR never rejects the row, DOMAIN.md)."""
    checked = parse_nir(raw)
    if checked.problem:
        raise _NirUnusable(checked.problem)
    return checked.value


class _NirUnusable(Exception):
    """The NIR of a row cannot be used (length, shape or key): a warning, not a rejection."""


def _caf(raw: str) -> str:
    value = raw.replace(" ", "").strip()
    if value and not value.isdigit():
        raise ImportRowError("n° allocataire CAF invalide (chiffres attendus)")
    return value.zfill(7) if value else ""


def _postal(raw: str) -> str:
    value = raw.replace(" ", "").strip()
    if value.isdigit() and len(value) == 4:  # a leading zero lost by a spreadsheet (01000 → 1000)
        value = "0" + value
    if value and not (value.isdigit() and len(value) == 5):
        raise ImportRowError("code postal invalide (5 chiffres attendus)")
    return value


def _choice(raw: str, table: dict[str, str], label: str) -> str:
    key = fold(raw)
    if key and key not in table:
        raise ImportRowError(f"{label} « {collapse(raw)} » inconnu(e)")
    return table.get(key, "")


def _pattern(raw: str, regex: re.Pattern[str], label: str) -> str:
    value = collapse(raw)
    if value and not regex.match(value):
        raise ImportRowError(f"{label} invalide")
    return value


def _required_text(raw: str, label: str) -> str:
    value = collapse(raw)
    if not value:
        raise ImportRowError(f"{label} manquant")
    return value


_PERSON_PARSERS = {
    "nir": _nir,
    "caf_number": _caf,
    "civility": lambda v: _choice(v, _CIVILITY, "civilité"),
    "last_name": lambda v: _required_text(v, "nom"),
    "first_name": lambda v: _required_text(v, "prénom"),
    "birth_name": collapse,
    "birth_date": _birth_date,
    "sex": lambda v: _choice(v, _SEX, "sexe"),
    "address_line": collapse,
    "address_extra": collapse,
    "postal_code": _postal,
    "city": collapse,
    "phone": lambda v: _pattern(v, _PHONE, "téléphone"),
    "email": lambda v: _pattern(v, _EMAIL, "adresse électronique"),
    "rsa_entry_date": lambda v: parse_date(v, "date d'entrée RSA"),
}
#: Fields whose empty cell still counts (a row must give them); others: an empty cell means "not given".
_ALWAYS_PARSED = frozenset({"last_name", "first_name", "birth_date"})


def _cells(fields: list[str], columns: tuple[str | None, ...], cmap: ColumnMap) -> dict[str, str]:
    count = len(columns)
    if len(fields) != count and (len(fields) < count or any(f.strip() for f in fields[count:])):
        raise ImportRowError(
            f"{len(fields)} champs au lieu de {count} (séparateur ou guillemets mal placés ?)"
        )
    pick, names, limits = _cell_layout(columns)
    values = pick(fields)
    if any(map(gt, map(len, values), limits)):  # a long cell: the exact checks, in column order
        _check_lengths(names, values, cmap)
    return dict(zip(names, values, strict=True))


@lru_cache(maxsize=64)
def _cell_layout(
    columns: tuple[str | None, ...],
) -> tuple[Callable[[list[str]], tuple[str, ...]], tuple[str, ...], tuple[int, ...]]:
    """For a file's columns: a getter of the mapped cells, their fields, and the length no cell may exceed
    without a closer look (its column width, at most MAX_FIELD_CHARS)."""
    mapped = [(i, f) for i, f in enumerate(columns) if f is not None]
    indexes = [i for i, _ in mapped]
    getter = itemgetter(*indexes)
    pick: Callable[[list[str]], tuple[str, ...]] = (
        getter if len(indexes) > 1 else (lambda fields: (getter(fields),))
    )
    names = tuple(f for _, f in mapped)
    return pick, names, tuple(min(MAX_LEN.get(f, MAX_FIELD_CHARS), MAX_FIELD_CHARS) for f in names)


def _check_lengths(names: tuple[str, ...], values: tuple[str, ...], cmap: ColumnMap) -> None:
    for field, value in zip(names, values, strict=True):
        if len(value) > MAX_FIELD_CHARS:
            raise ImportRowError(
                f"champ « {cmap.label(field)} » trop long (plus de {MAX_FIELD_CHARS} caractères)"
            )
        limit = MAX_LEN.get(field)
        if limit is not None and len(value) > limit and len(collapse(value)) > limit:
            raise ImportRowError(f"champ « {cmap.label(field)} » trop long ({limit} caractères au plus)")


@lru_cache(maxsize=64)
def _parsers_for(columns: tuple[str | None, ...]) -> tuple[tuple[str, Callable[[str], object], bool], ...]:
    """The person parsers that can apply to a file with these columns, in their fixed order."""
    present = set(columns)
    return tuple(
        (field, parser, field in _ALWAYS_PARSED)
        for field, parser in _PERSON_PARSERS.items()
        if field in present or field in _ALWAYS_PARSED
    )


NIR_DROPPED = "{problem} : personne importée sans NIR"
SEX_MISMATCH = "NIR invalide : il ne correspond pas au sexe indiqué"
CLEANED = "caractères invisibles ou de contrôle retirés ({fields})"


def parse_row(line: int, fields: list[str], columns: tuple[str | None, ...], cmap: ColumnMap) -> ParsedRow:
    """Validate one record; the first problem found is the reason of the rejection. Every cell is cleaned
    first (:func:`app.models.text.clean_text`: NFC, no control or invisible character); an unusable NIR and
    removed characters are warnings of an accepted row."""
    cells, cleaned = _clean_cells(_cells(fields, columns, cmap), cmap)
    person: dict[str, object] = {}
    warnings: list[str] = []
    for field, parser, always in _parsers_for(columns):
        raw = cells.get(field, "")
        if always or (raw and not raw.isspace()):  # a cell with something else than blanks
            try:
                person[field] = parser(raw)
            except _NirUnusable as exc:
                warnings.append(NIR_DROPPED.format(problem=exc))
    nir, sex = person.get("nir"), person.get("sex")
    if isinstance(nir, str) and sex and nir_sex(nir) not in (None, sex):
        del person["nir"]
        warnings.append(NIR_DROPPED.format(problem=SEX_MISMATCH))
    if cleaned:
        warnings.append(CLEANED.format(fields=", ".join(cleaned)))
    track, decided, notified = _orientation(cells, cmap)
    return ParsedRow(
        line=line,
        person=person,
        track=track,
        decision_date=decided,
        notification_date=notified,
        organisme=_optional(cells, "organisme"),
        referent=_optional(cells, "referent"),
        warnings=tuple(warnings),
    )


def _clean_cells(cells: dict[str, str], cmap: ColumnMap) -> tuple[dict[str, str], list[str]]:
    """Every cell through :func:`clean_text`; the French labels of the fields that lost characters."""
    cleaned: list[str] = []
    for field, value in cells.items():
        if value.isascii() and value.isprintable():
            continue
        if removed_characters(value):
            cleaned.append(cmap.label(field))
        cells[field] = clean_text(value)
    return cells, cleaned


def _optional(cells: dict[str, str], field: str) -> str | None:
    value = collapse(cells.get(field, ""))
    return value or None


def _orientation(cells: dict[str, str], cmap: ColumnMap) -> tuple[str, date, date | None]:
    raw_track = collapse(cells.get("track", ""))
    if not raw_track:
        raise ImportRowError("type d'orientation manquant")
    track = cmap.track_for(raw_track)
    if track is None:
        raise ImportRowError(
            f"type d'orientation « {raw_track} » inconnu (attendu : Professionnelle, Socio-professionnelle ou Sociale)"
        )
    decided = parse_date(cells.get("decision_date", ""), "date d'orientation", required=True)
    assert decided is not None
    notified = parse_date(cells.get("notification_date", ""), "date de notification")
    if notified is not None and notified < decided:
        raise ImportRowError("la date de notification précède la date d'orientation")
    if decided > _today():
        raise ImportRowError(f"date d'orientation « {decided:%d/%m/%Y} » dans le futur")
    return track, decided, notified
