"""Property (Hypothesis): lists with homonyms, twins, couples, 13- and 15-character NIRs (or none), spelling
variants and re-imports never put two distinct people in one file, and re-importing a list writes nothing.

The same generated months are checked twice: many examples through the shared planner on an in-memory
snapshot (what both the client and the server import run), a few through ``import_orientations`` on a real
encrypted vault."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.models.orientation_list.planner import Planner, plan_rows
from app.models.orientation_list.reader import read_file
from app.models.orientation_list.report import Outcome
from app.models.orientation_list.snapshot import Snapshot
from app.models.tables.local import OutboxOp
from app.services.imports.service import import_orientations
from app.services.storage import vault as vault_service

HEAD = "NIR;N° allocataire CAF;Nom;Prénom;Date de naissance;Type d'orientation;Date d'orientation"
SURNAMES = ["Martin", "Lefèvre", "Nguyễn", "Diallo", "Dupont", "Ça-Ira"]
FIRST = {"F": ["Anne", "Élodie", "Awa", "Zoé", "Inès"], "M": ["Paul", "Pierre", "Adama", "Noé", "Jérôme"]}
TRACKS = ["Sociale", "Professionnelle", "Socio-professionnelle"]


@dataclass(frozen=True)
class Someone:
    """One real person: what every row about them says (spellings and NIR form vary per row)."""

    key: int
    sex: str
    last: str
    first: str
    born: date
    nir13: str
    caf: str


def _nir13(sex: str, born: date, order: int) -> str:
    return f"{1 if sex == 'M' else 2}{born:%y}{born:%m}75{order:06d}"


@st.composite
def population(draw: st.DrawFn) -> list[Someone]:
    """Households of one or two adults, with homonyms (same names and birth date, other CAF number) and twins
    (same surname, birth date and household, other first names)."""
    people: list[Someone] = []
    for h in range(draw(st.integers(1, 6))):
        caf = f"{3000000 + h:07d}"
        last = draw(st.sampled_from(SURNAMES))
        born = date(1960, 1, 1) + timedelta(days=draw(st.integers(0, 15000)))
        sex = draw(st.sampled_from("FM"))
        first = draw(st.sampled_from(FIRST[sex]))
        people.append(Someone(len(people), sex, last, first, born, _nir13(sex, born, len(people)), caf))
        shape = draw(st.sampled_from(["alone", "couple", "twins"]))
        if shape != "alone":
            sex2 = draw(st.sampled_from("FM"))
            first2 = draw(st.sampled_from([f for f in FIRST[sex2] if f != first]))
            born2 = born if shape == "twins" else born + timedelta(days=draw(st.integers(1, 3000)))
            people.append(
                Someone(len(people), sex2, last, first2, born2, _nir13(sex2, born2, len(people)), caf)
            )
        if draw(st.booleans()):  # a homonym elsewhere: same surname, first name and birth date, other CAF
            p = people[-1]
            people.append(Someone(len(people), p.sex, p.last, p.first, p.born, _nir13(p.sex, p.born, len(people)),
                                  f"{4000000 + h:07d}"))  # fmt: skip
    return people


def _nir(p: Someone, form: str) -> str:
    if form == "none":
        return ""
    if form == "13":
        return p.nir13
    return p.nir13 + f"{97 - int(p.nir13) % 97:02d}"


def _spell(name: str, style: str) -> str:
    return {"as-is": name, "upper": name.upper(), "lower": name.lower()}[style]


@st.composite
def months(draw: st.DrawFn) -> tuple[list[Someone], list[list[tuple[int, str]]]]:
    """The population and 1–3 monthly lists, each a CSV whose rows name (person key, row text)."""
    people = draw(population())
    lists = []
    for month in range(draw(st.integers(1, 3))):
        decided = date(2025, 1, 6) + timedelta(days=35 * month)
        chosen = draw(st.lists(st.sampled_from(people), min_size=1, unique_by=lambda p: p.key))
        rows = []
        for p in chosen:
            nir = _nir(p, draw(st.sampled_from(["none", "13", "15"])))
            style = draw(st.sampled_from(["as-is", "upper", "lower"]))
            track = draw(st.sampled_from(TRACKS))
            rows.append((p.key, f"{nir};{p.caf};{_spell(p.last, style)};{_spell(p.first, style)};"
                                f"{p.born:%d/%m/%Y};{track};{decided:%d/%m/%Y}"))  # fmt: skip
        lists.append(rows)
    return people, lists


def _csv(rows: list[tuple[int, str]]) -> bytes:
    return ("\n".join([HEAD, *(text for _key, text in rows)]) + "\n").encode("utf-8")


def _check_never_merged(owner: dict[str, set[int]]) -> None:
    shared = {pid: keys for pid, keys in owner.items() if len(keys) > 1}
    assert not shared, f"distinct people filed under one record: {shared}"


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(months())
def test_the_planner_never_merges_two_people_and_reimports_write_nothing(case) -> None:
    _people, lists = case
    snapshot = Snapshot()
    owner: dict[str, set[int]] = defaultdict(set)
    for rows in [*lists, lists[-1]]:  # every month, then the last one again
        cmap, table, _name, records = read_file(_csv(rows))
        planner = Planner(snapshot)
        results = plan_rows(planner, table, records, cmap, lambda _n: None, lambda: False)
        assert all(r.outcome != Outcome.REJECTED for r in results), [r.reason for r in results]
        for (key, _text), r in zip(rows, results, strict=True):
            if r.person_id:
                owner[r.person_id].add(key)
        _check_never_merged(owner)
    assert planner.plan.writes == 0, [r.outcome for r in results]  # the re-import of the last month
    assert all(r.outcome == Outcome.UNCHANGED for r in results)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=months())
def test_on_a_real_vault_too(case, tmp_path_factory, memory_keyring) -> None:
    _people, lists = case
    data_dir = tmp_path_factory.mktemp("propriete")
    vault = vault_service.create_vault(data_dir, "p", mode=vault_service.MODE_KEYRING)
    try:
        owner: dict[str, set[int]] = defaultdict(set)
        for rows in lists:
            report = import_orientations(vault.db, _csv(rows))
            for (key, _text), r in zip(rows, report.results, strict=True):
                if r.person_id:
                    owner[r.person_id].add(key)
        _check_never_merged(owner)
        with vault.db.read() as s:
            ops = s.scalar(select(func.count()).select_from(OutboxOp))
        again = import_orientations(vault.db, _csv(lists[-1]))
        assert [r.outcome for r in again.results] == [Outcome.UNCHANGED] * len(lists[-1])
        with vault.db.read() as s:
            assert s.scalar(select(func.count()).select_from(OutboxOp)) == ops  # nothing written
    finally:
        vault.close()
