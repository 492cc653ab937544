"""Finding the person a row is about, without one query per row.

The people of the vault are loaded once into dicts keyed by NIR, by (CAF number, birth date, first name) and
by (last name, birth date), names folded (case and accents ignored). The order is fixed: NIR, then CAF number
+ birth date + first name, then last name + birth date — **never the CAF number alone**, which a couple
shares. Two records whose NIRs are both known and differ are never the same person.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from app.models.orientation_list.errors import ImportRowError
from app.models.orientation_list.rows import ParsedRow
from app.models.text import fold


@dataclass
class Candidate:
    """What matching needs to know about a person (existing, or created earlier in the same file)."""

    id: str
    nir: str | None
    caf_number: str
    first_name: str
    last_name: str
    birth_date: date | None


@dataclass
class PersonIndex:
    by_nir: dict[str, list[Candidate]] = field(default_factory=lambda: defaultdict(list))
    by_caf: dict[tuple[str, date, str], list[Candidate]] = field(default_factory=lambda: defaultdict(list))
    by_name: dict[tuple[str, date], list[Candidate]] = field(default_factory=lambda: defaultdict(list))

    def add(self, c: Candidate) -> None:
        if c.nir:
            self.by_nir[c.nir].append(c)
        if c.birth_date is None:
            return
        if c.caf_number:
            self.by_caf[(c.caf_number, c.birth_date, fold(c.first_name))].append(c)
        self.by_name[(fold(c.last_name), c.birth_date)].append(c)

    def forget(self, c: Candidate) -> None:
        for index, key in self._keys(c):
            bucket = index.get(key)
            if bucket is not None and c in bucket:
                bucket.remove(c)

    def _keys(self, c: Candidate) -> list[tuple[dict, object]]:  # type: ignore[type-arg]
        keys: list[tuple[dict, object]] = []  # type: ignore[type-arg]
        if c.nir:
            keys.append((self.by_nir, c.nir))
        if c.birth_date is not None:
            if c.caf_number:
                keys.append((self.by_caf, (c.caf_number, c.birth_date, fold(c.first_name))))
            keys.append((self.by_name, (fold(c.last_name), c.birth_date)))
        return keys

    def match(self, row: ParsedRow) -> Candidate | None:
        """The one person this row is about, ``None`` for a new person; ambiguity → :class:`ImportRowError`."""
        p = row.person
        nir = row.nir
        if nir:
            found = _compatible(self.by_nir.get(nir), nir, "NIR")
            if found is not None:
                return found
        caf = str(p.get("caf_number") or "")
        if caf:
            key = (caf, row.birth_date, fold(str(p["first_name"])))
            found = _compatible(self.by_caf.get(key), nir, "n° allocataire, date de naissance et prénom")
            if found is not None:
                return found
        name_key = (fold(str(p["last_name"])), row.birth_date)
        return _compatible(self.by_name.get(name_key), nir, "nom et date de naissance")


def _compatible(bucket: list[Candidate] | None, nir: str | None, how: str) -> Candidate | None:
    """The one candidate of a bucket whose NIR does not contradict the row's; several → ImportRowError."""
    if not bucket:
        return None
    compatible = [c for c in bucket if not (nir and c.nir and c.nir != nir)]
    if len(compatible) == 1:
        return compatible[0]
    if len(compatible) > 1:
        raise ImportRowError(
            f"{len(compatible)} dossiers correspondent ({how}) : rapprochement impossible, "
            "vérifiez les doublons dans Fil rouge"
        )
    return None
