"""The hostile lists of issue #13, as files (``data/imports``), on a real vault: homonyms and twins never merged,
13-character NIRs, mixed encodings refused with the line, control / bidi / zero-width characters removed
(names stored NFC, found by a search for « Éléonore »), tab separators; and the same hygiene for the forms."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models.orientation_list.errors import ImportFileError
from app.models.orientation_list.report import Outcome
from app.models.tables.people import Person
from app.models.text import _UNSAFE
from app.services.imports.service import import_orientations
from app.services.people import caseload, duplicates
from app.services.people.identity import PersonInput, create_person, update_person
from app.services.storage import vault as vault_service

DATA = Path(__file__).parent / "data" / "imports"


def people(v: vault_service.Vault) -> list[Person]:
    with v.db.read() as s:
        return list(s.scalars(select(Person).where(Person.deleted_at.is_(None)).order_by(Person.caf_number)))


def test_martin_paul_then_martin_pierre_are_two_people(vault: vault_service.Vault) -> None:
    report = import_orientations(vault.db, DATA / "homonymes_martin.csv")
    assert [r.outcome for r in report.results] == [Outcome.CREATED, Outcome.CREATED]
    paul, pierre = people(vault)
    assert (paul.first_name, paul.caf_number, pierre.first_name, pierre.caf_number) == (
        "Paul", "3300001", "Pierre", "4400002",
    )  # fmt: skip
    assert paul.household_id != pierre.household_id
    again = import_orientations(vault.db, DATA / "homonymes_martin.csv")
    assert [r.outcome for r in again.results] == [Outcome.UNCHANGED] * 2
    assert duplicates.open_pairs(vault.db) == []  # surname + birth date alone is not even a doubt


def test_twins_in_one_list_are_two_people_of_one_household(vault: vault_service.Vault) -> None:
    report = import_orientations(vault.db, DATA / "jumeaux.csv")
    assert [r.outcome for r in report.results] == [Outcome.CREATED, Outcome.CREATED]
    awa, adama = sorted(people(vault), key=lambda p: p.first_name, reverse=True)
    assert awa.household_id == adama.household_id and awa.id != adama.id


def test_13_character_nirs_get_their_key_and_an_unusable_nir_is_a_warning(vault: vault_service.Vault) -> None:
    report = import_orientations(vault.db, DATA / "nir_13_caracteres.csv")
    assert [r.outcome for r in report.results] == [Outcome.CREATED] * 5
    by_name = {p.last_name: p.nir for p in people(vault)}
    assert by_name["LEGRAND"] == "2800575123456" + f"{97 - 2800575123456 % 97:02d}"
    assert by_name["SANTONI"] == "175022A012345" + f"{97 - 1750219012345 % 97:02d}"  # 2A read as 19
    assert by_name["ORSINI"] == "282022B054321" + f"{97 - 2820218054321 % 97:02d}"  # 2B read as 18
    assert by_name["BERNARD"] is None and by_name["ROBERT"] is None
    warnings = {r.line: r.warning for r in report.results if r.warning}
    assert warnings == {
        5: "NIR invalide : la clé de contrôle ne correspond pas au numéro : personne importée sans NIR",
        6: "NIR invalide : il ne correspond pas au sexe indiqué : personne importée sans NIR",
    }
    assert "185057512345699" not in " ".join(report.text_lines())  # a NIR is never quoted
    # the same list again, NIRs now complete in the vault: nothing changes
    assert [r.outcome for r in import_orientations(vault.db, DATA / "nir_13_caracteres.csv").results] == [
        Outcome.UNCHANGED
    ] * 5


def test_a_list_mixing_utf8_and_windows_1252_is_refused_at_the_first_bad_line(
    vault: vault_service.Vault,
) -> None:
    with pytest.raises(ImportFileError, match=r"mélange deux encodages .* la ligne 4 "):
        import_orientations(vault.db, DATA / "encodages_melanges.csv")
    with pytest.raises(ImportFileError, match="la ligne 3 n'est ni en UTF-8 ni en Windows-1252"):
        import_orientations(vault.db, DATA / "ni_utf8_ni_windows1252.csv")
    assert people(vault) == []
    # a file that is Windows-1252 throughout is still read as such
    assert import_orientations(vault.db, DATA / "orientations_cp1252.csv").encoding == "cp1252"


def test_hostile_characters_are_removed_names_stored_nfc_and_found(vault: vault_service.Vault) -> None:
    report = import_orientations(vault.db, DATA / "caracteres_hostiles.csv")
    assert report.rejected == 0 and report.created == 7
    assert {r.line: r.warning for r in report.results if r.warning} == {
        3: "caractères invisibles ou de contrôle retirés (nom, prénom)",
        4: "caractères invisibles ou de contrôle retirés (nom, prénom)",
    }
    stored = people(vault)
    for p in stored:
        for value in (p.last_name, p.first_name):
            assert unicodedata.is_normalized("NFC", value) and _UNSAFE.search(value) is None, repr(value)
    names = {(p.last_name, p.first_name) for p in stored}
    assert {("Dupont", "Jean[2J[H"), ("Martin", "Julie"), ("Lefèvre", "Éléonore")} <= names
    assert ('=HYPERLINK("http://exemple.invalid/?"&A1;"Cliquez")', "Paul") in names  # stored as given…
    found = caseload.list_rows(vault.db, caseload.CaseloadQuery(search="Éléonore"))
    assert [r.first_name for r in found] == ["Éléonore"]  # …and the NFD name is found by a typed search
    assert [
        r.first_name for r in caseload.list_rows(vault.db, caseload.CaseloadQuery(search="eleonore"))
    ] == ["Éléonore"]


def test_tab_separated_lists(vault: vault_service.Vault) -> None:
    report = import_orientations(vault.db, DATA / "tabulations.csv")
    assert report.delimiter == "\t" and report.created == 1
    assert "séparateur tabulation" in report.text_lines()[0]
    (noe,) = people(vault)
    assert noe.first_name == "Noé"


def test_forms_store_the_same_clean_text(vault: vault_service.Vault) -> None:
    nfd = unicodedata.normalize("NFD", "Éléonore")
    pid = create_person(
        vault.db,
        PersonInput(
            last_name="Mar\u202etin\x00",
            first_name=nfd + "\u200b",
            regime="legacy",
            nir="2800575123456",
            city="Saint-\x1bDenis",
        ),
    )
    with vault.db.read() as s:
        p = s.get(Person, pid)
        assert (p.last_name, p.first_name, p.city) == ("Martin", "Éléonore", "Saint-Denis")
        assert p.nir == "2800575123456" + f"{97 - 2800575123456 % 97:02d}"  # 13 typed: the key computed
    update_person(vault.db, pid, {"address_line": "3 rue\u2066 du Port\u2069\r\n"})
    with vault.db.read() as s:
        assert s.get(Person, pid).address_line == "3 rue du Port"  # type: ignore[union-attr]
