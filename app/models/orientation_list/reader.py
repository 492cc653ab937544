"""Reading the raw file: refuse what is not a CSV, detect the encoding and the separator, map the header.

Encoding: **one** for the whole file. UTF-8 (with or without BOM) when every line is valid UTF-8; else
Windows-1252, but only if it is plausible throughout: no line may look like UTF-8 (a file saved partly in each
encoding would give « LefÃ¨vre » on some lines) and no byte may be one Windows-1252 leaves undefined. A file
that is neither is refused with the first line where it goes wrong. Separator: ``;``, ``,`` or a tab,
whichever appears most often in the header line outside quotes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.models.orientation_list.columns import ColumnMap, load_column_map
from app.models.orientation_list.errors import ImportFileError

MAX_FILE_BYTES = 512 * 1024 * 1024
_FIELD_LIMIT = 16 * 1024 * 1024
_BINARY_SIGNATURES = {
    b"PK\x03\x04": "un classeur Excel (.xlsx) ou une archive ZIP",
    b"\xd0\xcf\x11\xe0": "un classeur Excel ancien format (.xls)",
    b"%PDF": "un document PDF",
    b"\x1f\x8b": "une archive compressée (gzip)",
}
_SAVE_AS_CSV = " Enregistrez la liste au format CSV (séparateur « ; ») puis importez ce fichier."


@dataclass(frozen=True)
class CsvTable:
    """A decoded CSV: its encoding and separator, the field of each column (``None`` if unmapped), the rows."""

    encoding: str
    delimiter: str
    header: tuple[str, ...]
    columns: tuple[str | None, ...]
    text: str
    header_line: int = 1

    def records(self) -> Iterator[tuple[int, list[str] | None]]:
        """(line number in the file, fields) for each non-blank data line; ``None`` for an unreadable line."""
        reader = csv.reader(io.StringIO(self.text), delimiter=self.delimiter)
        next(reader, None)
        offset = self.header_line - 1
        start = reader.line_num + 1
        while True:
            try:
                fields: list[str] | None = next(reader)
            except StopIteration:
                return
            except csv.Error:
                fields = None
            if fields is None or any(f.strip() for f in fields):
                yield start + offset, fields
            start = reader.line_num + 1


def read_bytes(source: str | Path | bytes) -> tuple[bytes, str]:
    """The file content and a display name (never a path with personal data: just the file name)."""
    if isinstance(source, bytes | bytearray):
        return bytes(source), "données"
    path = Path(source)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ImportFileError(
                "Le fichier est trop volumineux pour une liste d'orientation (plus de 512 Mo)."
            )
        return path.read_bytes(), path.name
    except FileNotFoundError:
        raise ImportFileError(f"Le fichier « {path.name} » est introuvable.") from None
    except IsADirectoryError:
        raise ImportFileError(f"« {path.name} » est un dossier, pas un fichier CSV.") from None
    except OSError as exc:
        raise ImportFileError(f"Le fichier « {path.name} » n'a pas pu être lu ({exc.strerror}).") from None


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding label). Refuses binary files with a French message naming what the file looks like."""
    if not data.strip():
        raise ImportFileError("Le fichier est vide.")
    for signature, what in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise ImportFileError(f"Ce fichier est {what}, pas un fichier CSV." + _SAVE_AS_CSV)
    sample = data[:65536]
    if sample.count(b"\x00") * 100 > len(sample):  # over 1 %: UTF-16 or binary; a stray NUL is just removed
        raise ImportFileError(
            "Ce fichier contient des données binaires (ou un encodage UTF-16) : ce n'est pas un CSV lisible."
            + _SAVE_AS_CSV
        )
    try:
        return data.decode("utf-8-sig"), "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    _check_single_byte(data)
    return data.decode("cp1252"), "cp1252"


#: Bytes Windows-1252 does not define: a file holding one is not Windows-1252.
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def _check_single_byte(data: bytes) -> None:
    """Refuse a file that is not valid UTF-8 and not plausibly Windows-1252 throughout, naming the line."""
    utf8_lines: list[int] = []
    other_lines: list[int] = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        if any(b in _CP1252_UNDEFINED for b in line):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                raise ImportFileError(
                    f"L'encodage du fichier n'est pas reconnu : la ligne {number} n'est ni en UTF-8 ni en "
                    "Windows-1252." + _SAVE_AS_CSV
                ) from None
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            other_lines.append(number)
        else:
            utf8_lines.append(number)
    if utf8_lines:
        # Mixed: the lines of the minority encoding are the bad ones (ties: the file was UTF-8 at first).
        first_bad = other_lines[0] if len(utf8_lines) >= len(other_lines) else utf8_lines[0]
        raise ImportFileError(
            "Le fichier mélange deux encodages (UTF-8 et Windows-1252) : la ligne "
            f"{first_bad} n'est pas dans le même encodage que les autres (les accents y seraient illisibles). "
            "Enregistrez toute la liste dans un seul encodage, de préférence UTF-8, puis importez-la de nouveau."
        )


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            count += 1
    return count


DELIMITERS = (";", ",", "\t")


def sniff_delimiter(text: str) -> str:
    """The separator that appears most often outside quotes in the header line (``;`` on a tie)."""
    first = text.lstrip("\r\n").split("\n", 1)[0]
    counts = {d: _count_outside_quotes(first, d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > counts[";"] else ";"


def _check_header(header: list[str], columns: list[str | None], cmap: ColumnMap) -> None:
    if not any(columns):
        raise ImportFileError(
            "Aucune colonne reconnue dans la première ligne : ce fichier n'est pas une liste d'orientation "
            "(en-têtes attendus : NIR, Nom, Prénom, Date de naissance, Type d'orientation…)."
        )
    seen: dict[str, str] = {}
    for raw, field in zip(header, columns, strict=True):
        if field is None:
            continue
        if field in seen:
            raise ImportFileError(
                f"Les colonnes « {seen[field]} » et « {raw.strip()} » désignent toutes deux "
                f"« {cmap.label(field)} » : gardez-en une seule."
            )
        seen[field] = raw.strip()
    missing = [cmap.label(f) for f in sorted(cmap.required, key=_field_order) if f not in seen]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise ImportFileError(f"Colonne{plural} obligatoire{plural} absente{plural} : {', '.join(missing)}.")


def _field_order(field: str) -> int:
    from app.models.orientation_list.columns import FIELDS

    return FIELDS.index(field) if field in FIELDS else len(FIELDS)


def open_table(source: str | Path | bytes, cmap: ColumnMap) -> tuple[CsvTable, str]:
    """Decode and check the header; returns the table and the file's display name."""
    data, name = read_bytes(source)
    text, encoding = decode(data)
    delimiter = sniff_delimiter(text)
    if csv.field_size_limit() < _FIELD_LIMIT:
        csv.field_size_limit(_FIELD_LIMIT)
    body = text.lstrip("\r\n")
    try:
        header = next(csv.reader(io.StringIO(body), delimiter=delimiter), [])
    except csv.Error:
        raise ImportFileError(
            "La première ligne (en-têtes) est mal formée : ce n'est pas un CSV lisible."
        ) from None
    columns = [cmap.field_for(h) for h in header]
    _check_header(header, columns, cmap)
    header_line = text[: len(text) - len(body)].count("\n") + 1
    table = CsvTable(encoding, delimiter, tuple(h.strip() for h in header), tuple(columns), body, header_line)
    return table, name


def read_file(
    source: str | Path | bytes, column_map: ColumnMap | Path | str | Mapping[str, Any] | None = None
) -> tuple[ColumnMap, CsvTable, str, list[tuple[int, list[str] | None]]]:
    """Decode, check the header and split the records; refuses a file without any data row."""
    cmap = load_column_map(column_map)
    table, name = open_table(source, cmap)
    records = list(table.records())
    if not records:
        raise ImportFileError(
            "Le fichier ne contient aucune ligne de données (seulement la ligne d'en-têtes)."
        )
    return cmap, table, name, records
