"""The import report: one frozen result per row, summary counts, CSV export (``;``, UTF-8 with BOM for Excel).

The report never carries a NIR, a name or an address: the line number points into the department's file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 avec BOM", "cp1252": "Windows-1252 (ANSI)"}


def encoding_label(encoding: str) -> str:
    return ENCODING_LABELS.get(encoding, encoding)


class Outcome(StrEnum):
    CREATED = "créé"
    UPDATED = "mis à jour"
    UNCHANGED = "inchangé"
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

    def as_dict(self) -> dict[str, Any]:
        return {
            "ligne": self.line,
            "resultat": str(self.outcome),
            "motif": self.reason,
            "champs_modifies": list(self.changed_fields),
            "avertissement": self.warning,
            "person_id": self.person_id,
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

    def rejections(self) -> list[RowResult]:
        return [r for r in self.results if r.outcome == Outcome.REJECTED]

    def summary(self) -> str:
        """« 120 lignes : 10 créées, 5 mises à jour, 100 inchangées, 5 rejetées »."""
        prefix = "Simulation — " if self.dry_run else ""
        return (
            f"{prefix}{self.total} ligne{_s(self.total)} : {self.created} créée{_s(self.created)}, "
            f"{self.updated} mise{_s(self.updated)} à jour, {self.unchanged} inchangée{_s(self.unchanged)}, "
            f"{self.rejected} rejetée{_s(self.rejected)}"
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
            "rejetes": self.rejected,
            "lignes": [r.as_dict() for r in self.results],
        }

    def text_lines(self) -> list[str]:
        """The plain-text report of the command lines: summary, then each rejection and warning."""
        lines = [f"{self.file_name} ({self.encoding}, séparateur « {self.delimiter} ») — {self.summary()}."]
        for r in self.results:
            if r.reason:
                lines.append(f"  {r.reason}")
            if r.warning:
                lines.append(f"  ligne {r.line} : {r.warning}")
        return lines

    def to_csv(self) -> bytes:
        """The per-row report as CSV bytes: ``;`` separator, UTF-8 with BOM (Excel opens it as is)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(["Ligne", "Résultat", "Motif", "Champs modifiés", "Avertissement"])
        for r in self.results:
            writer.writerow([r.line, str(r.outcome), r.reason, ", ".join(r.changed_fields), r.warning])
        return buffer.getvalue().encode("utf-8-sig")

    def write_csv(self, path: str | Path) -> Path:
        target = Path(path)
        target.write_bytes(self.to_csv())
        return target


def _s(n: int) -> str:
    return "s" if n > 1 else ""
