"""Who a received identity is about: **the** identity matching of the application (DOMAIN.md, « Department
exchanges »), used by the client import, the server import and any later exchange, and the search for
possible duplicates among the people already recorded.

The rules, in order:

1. **NIR**: a person holding the same NIR whose names and birth date agree with the row is the same person.
   The same NIR with another surname, first name or birth date is **not** applied to that person: it is a
   « doublon possible » left to a référent.
2. **CAF number + first name + birth date** (the surname may have changed: marriage). Never the CAF number
   alone: a couple shares it.
3. **Surname + first name + birth date**. If both CAF numbers are known and differ, it is a « doublon
   possible » (homonyms exist), not a match. Never surname + birth date alone: twins and homonyms.

Two records whose NIRs are both known and differ are never the same person. Names are compared folded
(:func:`app.models.text.fold`: case, accents, punctuation ignored); a surname also agrees with the other
record's birth name. A field unknown on one side does not contradict the other.

Identities merged into a person (a « même personne » decision) stay known as **aliases** of that person:
a later list still spelling the merged identity finds the person kept, without rewriting the identity
the référent chose.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from app.models.text import fold

BY_NIR = "NIR"
BY_CAF = "n° allocataire, prénom et date de naissance"
BY_NAME = "nom, prénom et date de naissance"


@dataclass(frozen=True)
class Candidate:
    """What matching knows about a person: a record of the vault, a row planned earlier in the same file, or
    an alias (the identity of a record merged into ``id``)."""

    id: str
    nir: str | None
    caf_number: str
    first_name: str
    last_name: str
    birth_date: date | None
    birth_name: str = ""
    alias: bool = False

    @property
    def first_key(self) -> str:
        return fold(self.first_name)

    @property
    def last_key(self) -> str:
        return fold(self.last_name)


@dataclass(frozen=True)
class Match:
    """The answer for one identity.

    - ``person_id`` set, no ``conflicts``: the same person (update it);
    - ``person_id`` None, no ``conflicts``: a new person;
    - ``conflicts`` set: a **doublon possible** — the identity agrees with ``person_id`` (or with nobody: a
      new record) but disagrees with the ``conflicts`` records on an identifier (``reason``, French);
    - ``ambiguous``: several records agree equally (they are duplicates of each other): nothing is written.
    """

    person_id: str | None = None
    conflicts: tuple[str, ...] = ()
    reason: str = ""
    how: str = ""
    ambiguous: bool = False
    via_alias: bool = False

    @property
    def is_duplicate(self) -> bool:
        return bool(self.conflicts) or self.ambiguous


def nir_compatible(a: Candidate, b: Candidate) -> bool:
    """False when both NIRs are known and differ: then they are two people, whatever the names say."""
    return not (a.nir and b.nir and a.nir != b.nir)


def surnames_agree(a: Candidate, b: Candidate) -> bool:
    """Same surname, or one record's surname is the other's birth name (a name taken at marriage)."""
    if not a.last_key or not b.last_key or a.last_key == b.last_key:
        return True
    births = {fold(a.birth_name), fold(b.birth_name)} - {""}
    return a.last_key in births or b.last_key in births


def identities_agree(a: Candidate, b: Candidate) -> bool:
    """Names and birth date agree (what a NIR match must also show to be applied)."""
    if a.birth_date and b.birth_date and a.birth_date != b.birth_date:
        return False
    if a.first_key and b.first_key and a.first_key != b.first_key:
        return False
    return surnames_agree(a, b)


def _ids(candidates: Iterable[Candidate]) -> list[str]:
    return sorted({c.id for c in candidates})


def _disagreement(holder: Candidate, row: Candidate) -> str:
    what = []
    if not surnames_agree(holder, row):
        what.append("le nom")
    if holder.first_key and row.first_key and holder.first_key != row.first_key:
        what.append("le prénom")
    if holder.birth_date and row.birth_date and holder.birth_date != row.birth_date:
        what.append("la date de naissance")
    verb = "diffèrent" if len(what) > 1 else "diffère"
    return f"même NIR qu'une personne déjà enregistrée, mais {' et '.join(what)} {verb}"


_CAF_DIFFERS = (
    "mêmes nom, prénom et date de naissance qu'une personne déjà enregistrée, mais n° allocataire différent"
)
_AMBIGUOUS = "{n} dossiers correspondent ({how}) : ils sont peut-être en double"


@dataclass
class PersonIndex:
    """The candidates by key, loaded once (no query per row) and kept up to date as rows are planned."""

    by_nir: dict[str, list[Candidate]] = field(default_factory=lambda: defaultdict(list))
    by_caf: dict[tuple[str, str, date], list[Candidate]] = field(default_factory=lambda: defaultdict(list))
    by_name: dict[tuple[str, str, date], list[Candidate]] = field(default_factory=lambda: defaultdict(list))

    def _keys(self, c: Candidate) -> Iterator[tuple[dict, object]]:  # type: ignore[type-arg]
        if c.nir:
            yield self.by_nir, c.nir
        if c.birth_date is not None and c.first_key:
            if c.caf_number:
                yield self.by_caf, (c.caf_number, c.first_key, c.birth_date)
            if c.last_key:
                yield self.by_name, (c.last_key, c.first_key, c.birth_date)

    def add(self, c: Candidate) -> None:
        for index, key in self._keys(c):
            index[key].append(c)

    def forget(self, c: Candidate) -> None:
        for index, key in self._keys(c):
            bucket = index.get(key)
            if bucket is not None and c in bucket:
                bucket.remove(c)

    def match(self, row: Candidate) -> Match:
        """The record ``row`` is about, following the rules of the module docstring."""
        holders: list[Candidate] = []
        if row.nir:
            bucket = self.by_nir.get(row.nir) or []
            agreeing = [c for c in bucket if identities_agree(c, row)]
            found = self._one(agreeing, BY_NIR)
            if found is not None:
                return found
            holders = bucket
        conflicts = _ids(holders)
        reason = _disagreement(holders[0], row) if holders else ""
        found = self._other_levels(row, conflicts)
        if found is not None and (found.ambiguous or found.conflicts):
            return found
        if found is not None:
            others = tuple(i for i in conflicts if i != found.person_id)
            return Match(
                found.person_id, others, reason if others else "", found.how, via_alias=found.via_alias
            )
        return Match(None, tuple(conflicts), reason)

    def _other_levels(self, row: Candidate, nir_conflicts: list[str]) -> Match | None:
        if row.birth_date is None or not row.first_key:
            return None
        if row.caf_number:
            bucket = self.by_caf.get((row.caf_number, row.first_key, row.birth_date)) or []
            found = self._one([c for c in bucket if nir_compatible(c, row)], BY_CAF)
            if found is not None:
                return found
        bucket = [
            c
            for c in self.by_name.get((row.last_key, row.first_key, row.birth_date)) or []
            if nir_compatible(c, row)
        ]
        same_caf = [
            c for c in bucket if not (c.caf_number and row.caf_number and c.caf_number != row.caf_number)
        ]
        found = self._one(same_caf, BY_NAME)
        if found is not None:
            return found
        other_caf = [i for i in _ids(bucket) if i not in nir_conflicts]
        if other_caf:
            return Match(None, tuple(sorted({*nir_conflicts, *other_caf})), _CAF_DIFFERS, BY_NAME)
        return None

    @staticmethod
    def _one(candidates: list[Candidate], how: str) -> Match | None:
        ids = _ids(candidates)
        if not ids:
            return None
        if len(ids) > 1:
            return Match(None, tuple(ids), _AMBIGUOUS.format(n=len(ids), how=how), how, ambiguous=True)
        return Match(ids[0], how=how, via_alias=all(c.alias for c in candidates))


# --- identities merged into a person ---------------------------------------------------------------------

IDENTITY_KEYS = ("nir", "caf_number", "last_name", "birth_name", "first_name", "birth_date", "sex")


def identity_record(values: dict[str, object]) -> dict[str, str]:
    """What a merge keeps of the merged record (its identity and contact details, JSON-ready: dates as ISO
    text, empty values left out); matching reads the :data:`IDENTITY_KEYS` of it."""
    out: dict[str, str] = {}
    for key, value in values.items():
        if isinstance(value, date):
            out[key] = value.isoformat()
        elif value:
            out[key] = str(value)
    return out


def alias_candidates(
    merges: Iterable[tuple[str, str, dict[str, str] | None]], live: set[str]
) -> list[Candidate]:
    """``(kept, merged, identity)`` of each « même personne » decision → candidates standing for the live
    record the merged identity ended in (a record merged into one merged later follows the chain)."""
    into = {merged: kept for kept, merged, _identity in merges}
    out = []
    for kept, _merged, identity in merges:
        target, seen = kept, {kept}
        while target in into and target not in live:
            target = into[target]
            if target in seen:
                break
            seen.add(target)
        if target not in live or not identity:
            continue
        born = identity.get("birth_date")
        try:
            birth_date = date.fromisoformat(born) if born else None
        except ValueError:
            birth_date = None
        out.append(
            Candidate(
                id=target,
                nir=identity.get("nir") or None,
                caf_number=identity.get("caf_number", ""),
                first_name=identity.get("first_name", ""),
                last_name=identity.get("last_name", ""),
                birth_date=birth_date,
                birth_name=identity.get("birth_name", ""),
                alias=True,
            )
        )
    return out


# --- possible duplicates among recorded people ------------------------------------------------------------


@dataclass(frozen=True)
class DuplicatePair:
    """Two live records that may be the same person, and why (French)."""

    first_id: str
    second_id: str
    reason: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.first_id, self.second_id)


def pair_key(a: str, b: str) -> tuple[str, str]:
    """The order-free key of a pair of person ids."""
    return (a, b) if a <= b else (b, a)


_SAME_NIR = "même NIR"
_SAME_NAMES = "mêmes nom, prénom et date de naissance"
_SAME_CAF = "même n° allocataire, même prénom et même date de naissance"


def duplicate_pairs(
    people: Iterable[Candidate], decided: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset()
) -> list[DuplicatePair]:
    """Pairs of live records the rules above could not tell apart or found contradicting: the same NIR, or
    the same names and birth date, or the same CAF number, first name and birth date — unless their NIRs are
    both known and differ. ``decided`` pairs (:func:`pair_key`) were already settled by a référent."""
    index = PersonIndex()
    for c in people:
        if not c.alias:
            index.add(c)
    found: dict[tuple[str, str], str] = {}
    for reason, table in ((_SAME_NIR, index.by_nir), (_SAME_NAMES, index.by_name), (_SAME_CAF, index.by_caf)):
        for bucket in table.values():
            if len(bucket) < 2:
                continue
            for i, a in enumerate(bucket):
                for b in bucket[i + 1 :]:
                    key = pair_key(a.id, b.id)
                    if a.id == b.id or key in decided or key in found:
                        continue
                    if reason != _SAME_NIR and not nir_compatible(a, b):
                        continue
                    found[key] = reason
    return [DuplicatePair(a, b, reason) for (a, b), reason in sorted(found.items())]
