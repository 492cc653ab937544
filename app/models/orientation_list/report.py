"""The import report: one frozen result per row, summary counts, CSV export (``;``, UTF-8 with BOM for Excel).

The report never carries a NIR, a name or an address: the line number points into the department's file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from app.models.files import write_file
from app.models.spreadsheet import csv_bytes

ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 avec BOM", "cp1252": "Windows-1252 (ANSI)"}


DELIMITER_LABELS = {";": "« ; »", ",": "« , »", "\t": "tabulation"}


def encoding_label(encoding: str) -> str:
    return ENCODING_LABELS.get(encoding, encoding)


def delimiter_label(delimiter: str) -> str:
    return DELIMITER_LABELS.get(delimiter, f"« {delimiter} »")


class Outcome(StrEnum):
    CREATED = "créé"
    UPDATED = "mis à jour"
    UNCHANGED = "inchangé"
    DUPLICATE = "doublon possible"
    REJECTED = "rejeté"


@dataclass(frozen=True)
class RowResult:
    """What happened to one line. ``reason`` is French and starts with « ligne N : » when the row is rejected."""

    line: int
    outcome: Outcome
    reason: str = ""
    person_id: str | None = None
    changed_fields: tuple[str, ...] = ()
    warning: str = ""
    #: « doublon possible »: the ids of the other records this row may be (the review lists the pairs).
    conflicts: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "ligne": self.line,
            "resultat": str(self.outcome),
            "motif": self.reason,
            "champs_modifies": list(self.changed_fields),
            "avertissement": self.warning,
            "person_id": self.person_id,
            "doublon_de": list(self.conflicts),
        }


@dataclass(frozen=True)
class ImportReport:
    file_name: str
    encoding: str
    delimiter: str
    dry_run: bool
    results: tuple[RowResult, ...]
    duration_s: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.counts:
            counts = {str(o): 0 for o in Outcome}
            for r in self.results:
                counts[str(r.outcome)] += 1
            object.__setattr__(self, "counts", counts)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def created(self) -> int:
        return self.counts[Outcome.CREATED]

    @property
    def updated(self) -> int:
        return self.counts[Outcome.UPDATED]

    @property
    def unchanged(self) -> int:
        return self.counts[Outcome.UNCHANGED]

    @property
    def rejected(self) -> int:
        return self.counts[Outcome.REJECTED]

    @property
    def duplicates(self) -> int:
        return self.counts[Outcome.DUPLICATE]

    def rejections(self) -> list[RowResult]:
        return [r for r in self.results if r.outcome == Outcome.REJECTED]

    def summary(self) -> str:
        """« 120 lignes : 10 créées, 5 mises à jour, 100 inchangées, 2 doublons possibles, 3 rejetées »."""
        prefix = "Simulation — " if self.dry_run else ""
        duplicates = (
            f"{self.duplicates} doublon{_s(self.duplicates)} possible{_s(self.duplicates)}, "
            if self.duplicates
            else ""
        )
        return (
            f"{prefix}{self.total} ligne{_s(self.total)} : {self.created} créée{_s(self.created)}, "
            f"{self.updated} mise{_s(self.updated)} à jour, {self.unchanged} inchangée{_s(self.unchanged)}, "
            f"{duplicates}{self.rejected} rejetée{_s(self.rejected)}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "fichier": self.file_name,
            "encodage": self.encoding,
            "separateur": self.delimiter,
            "simulation": self.dry_run,
            "duree_s": round(self.duration_s, 3),
            "total": self.total,
            "crees": self.created,
            "mis_a_jour": self.updated,
            "inchanges": self.unchanged,
            "doublons_possibles": self.duplicates,
            "rejetes": self.rejected,
            "lignes": [r.as_dict() for r in self.results],
        }

    def text_lines(self) -> list[str]:
        """The plain-text report of the command lines: summary, then each rejection and warning."""
        lines = [
            f"{self.file_name} ({self.encoding}, séparateur {delimiter_label(self.delimiter)}) — {self.summary()}."
        ]
        for r in self.results:
            if r.reason:
                lines.append(f"  {r.reason}")
            if r.warning:
                lines.append(f"  ligne {r.line} : {r.warning}")
        return lines

    def to_csv(self) -> bytes:
        """The per-row report as CSV bytes: ``;`` separator, UTF-8 with BOM (Excel opens it as is), every cell
        neutralised against formula injection (:func:`app.models.spreadsheet.csv_bytes`)."""
        return csv_bytes(
            ["Ligne", "Résultat", "Motif", "Champs modifiés", "Avertissement"],
            (
                [r.line, str(r.outcome), r.reason, ", ".join(r.changed_fields), r.warning]
                for r in self.results
            ),
        )

    def write_csv(self, path: str | Path) -> Path:
        """Write :meth:`to_csv` to ``path``, all or nothing (:class:`app.models.files.OutputError`)."""
        return write_file(path, self.to_csv())


def _s(n: int) -> str:
    return "s" if n > 1 else ""
