"""Orientation-list import on a real encrypted vault: encodings, separators, matching, idempotence, report."""

from __future__ import annotations

import csv
import io
import json
import random
import re
import sys
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.__main__ import main
from app.models.orientation_list.columns import load_column_map
from app.models.orientation_list.errors import ImportCancelled, ImportFileError
from app.models.orientation_list.report import Outcome
from app.models.tables.local import AuditEvent, OutboxOp
from app.models.tables.people import Household, Orientation, Person, Referent, ReferentAssignment
from app.models.text import fold, header_key
from app.services.imports.service import describe_file, import_history, import_orientations
from app.services.storage import vault as vault_service
from tests.conftest import TEST_PASSPHRASE

DATA = Path(__file__).parent / "data" / "imports"
HEAD = "NIR;N° allocataire CAF;Nom;Prénom;Date de naissance;Sexe;Téléphone;Type d'orientation;Date d'orientation;Organisme"


def nir(body: str) -> str:
    return body + f"{97 - int(body) % 97:02d}"


NIR_A = nir("2800575123456")


def csv_bytes(*rows: str, head: str = HEAD) -> bytes:
    return ("\n".join([head, *rows]) + "\n").encode("utf-8")


def count(v: vault_service.Vault, model: type) -> int:
    with v.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def people(v: vault_service.Vault) -> list[Person]:
    with v.db.read() as s:
        return list(s.scalars(select(Person).order_by(Person.birth_date)).all())


def outcomes(report) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(r.outcome) for r in report.results]


# --- encodings and separators ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("orientations_utf8.csv", "utf-8"),
        ("orientations_utf8_bom.csv", "utf-8-sig"),
        ("orientations_cp1252.csv", "cp1252"),
    ],
)
def test_encodings(vault: vault_service.Vault, name: str, encoding: str) -> None:
    report = import_orientations(vault.db, DATA / name)
    assert report.encoding == encoding
    assert report.delimiter == ";"
    assert outcomes(report) == ["créé"] * 4
    found = {(p.last_name, p.first_name) for p in people(vault)}
    assert ("Lefèvre", "Élodie") in found and ("Ça-Ira", "Zoé") in found
    with vault.db.read() as s:
        zoe = s.scalars(select(Person).where(Person.first_name == "Zoé")).one()
        assert zoe.address_line == "3, place Jean-Jaurès"
        assert zoe.regime == "plein_emploi"
        orientation = s.scalars(select(Orientation).where(Orientation.person_id == zoe.id)).one()
        assert (orientation.track, orientation.decision_date) == ("social", date(2025, 1, 6))
        assert orientation.organisme == "CCAS Bobigny"


def test_comma_separator_iso_dates_and_header_synonyms(vault: vault_service.Vault) -> None:
    report = import_orientations(vault.db, DATA / "orientations_virgule.csv")
    assert report.delimiter == ","
    assert outcomes(report) == ["créé", "créé"]
    with vault.db.read() as s:
        orientations = s.scalars(select(Orientation).order_by(Orientation.track)).all()
        assert [o.track for o in orientations] == ["emploi", "social"]
        assert orientations[1].organisme == "MDS Saint-Denis, antenne Nord"


def test_same_people_in_utf8_then_cp1252_are_matched_not_duplicated(vault: vault_service.Vault) -> None:
    import_orientations(vault.db, DATA / "orientations_utf8.csv")
    before = count(vault, OutboxOp)
    report = import_orientations(vault.db, DATA / "orientations_cp1252.csv")
    assert count(vault, Person) == 4
    # NIR matches; « Nguyen » vs « Nguyễn » folds to the same name: nothing changes
    assert outcomes(report) == ["inchangé"] * 4
    assert count(vault, OutboxOp) == before


# --- matching --------------------------------------------------------------------------------------------


def test_couple_sharing_a_caf_number_is_two_people_in_one_household(vault: vault_service.Vault) -> None:
    data = csv_bytes(
        ";1234567;Martin;Claire;02/03/1985;F;;Sociale;03/02/2025;",
        ";1234567;Martin;Paul;04/05/1983;M;;Professionnelle;03/02/2025;",
    )
    report = import_orientations(vault.db, data)
    assert outcomes(report) == ["créé", "créé"]
    claire, paul = sorted(people(vault), key=lambda p: p.first_name)
    assert claire.id != paul.id
    assert claire.household_id is not None and claire.household_id == paul.household_id
    assert count(vault, Household) == 1
    # a later list with only Paul (changed phone): Claire is untouched, never matched by the CAF number alone
    report = import_orientations(
        vault.db, csv_bytes(";1234567;Martin;Paul;04/05/1983;M;0612345678;Professionnelle;03/02/2025;")
    )
    assert outcomes(report) == ["mis à jour"]
    assert report.results[0].person_id == paul.id
    assert report.results[0].changed_fields == ("phone",)
    # a third member of the household with a new first name is a new person, same household
    report = import_orientations(vault.db, csv_bytes(";1234567;Martin;Léo;04/05/2003;M;;Sociale;03/02/2025;"))
    assert outcomes(report) == ["créé"]
    assert count(vault, Household) == 1


def test_matching_order_nir_then_caf_birth_first_then_name_birth(vault: vault_service.Vault) -> None:
    import_orientations(vault.db, csv_bytes(";1234567;Dupont;Anne;02/03/1985;F;;Sociale;03/02/2025;"))
    (anne,) = people(vault)
    # matched by CAF + birth + first name although the surname changed: the surname is updated
    report = import_orientations(
        vault.db, csv_bytes(f"{NIR_A};1234567;Durand;ANNE;02/03/1985;F;;Sociale;03/02/2025;")
    )
    assert report.results[0].person_id == anne.id
    assert set(report.results[0].changed_fields) == {"last_name", "nir"}
    # matched by NIR although the CAF number changed (a move): the CAF number is updated
    report = import_orientations(
        vault.db, csv_bytes(f"{NIR_A};7777777;Durand;Anne;02/03/1985;F;;Sociale;03/02/2025;")
    )
    assert report.results[0].person_id == anne.id
    assert report.results[0].changed_fields == ("caf_number", "household_id")
    # matched by name + birth date, accent- and case-insensitive, without NIR or CAF number
    report = import_orientations(vault.db, csv_bytes(";;DURAND;anne;02/03/1985;F;;Sociale;03/02/2025;"))
    assert report.results[0].person_id == anne.id
    assert outcomes(report) == ["inchangé"]
    assert count(vault, Person) == 1


def test_same_nir_with_another_first_name_is_a_possible_duplicate_never_applied(
    vault: vault_service.Vault,
) -> None:
    row = f"{NIR_A};7777777;Durand;Anne-Marie;02/03/1985;F;;Sociale;03/02/2025;"
    import_orientations(vault.db, csv_bytes(f"{NIR_A};1234567;Durand;Anne;02/03/1985;F;;Sociale;03/02/2025;"))
    (anne,) = people(vault)
    (result,) = import_orientations(vault.db, csv_bytes(row)).results
    assert result.outcome == Outcome.DUPLICATE and result.conflicts == (anne.id,)
    assert result.reason == "ligne 2 : même NIR qu'une personne déjà enregistrée, mais le prénom diffère"
    # Anne is untouched; the row went to a new record, listed with Anne for review
    with vault.db.read() as s:
        kept = s.get(Person, anne.id)
        assert (kept.first_name, kept.caf_number) == ("Anne", "1234567")
    assert count(vault, Person) == 2 and result.person_id not in (None, anne.id)
    # re-importing the same list finds that record again: nothing more is written
    before = count(vault, OutboxOp)
    again = import_orientations(vault.db, csv_bytes(row))
    assert outcomes(again) == ["inchangé"] and again.results[0].person_id == result.person_id
    assert count(vault, OutboxOp) == before


def test_ambiguous_match_is_a_possible_duplicate_that_writes_nothing(vault: vault_service.Vault) -> None:
    with vault.db.session() as s:
        for first in ("Anne", "Anne"):
            s.add(Person(last_name="Martin", first_name=first, regime="legacy", birth_date=date(1985, 3, 2)))
    before = count(vault, OutboxOp)
    report = import_orientations(vault.db, csv_bytes(";;Martin;Anne;02/03/1985;F;;Sociale;03/02/2025;"))
    (row,) = report.results
    assert row.outcome == Outcome.DUPLICATE and row.person_id is None and len(row.conflicts) == 2
    assert row.reason.startswith("ligne 2 : 2 dossiers correspondent (nom, prénom et date de naissance)")
    assert count(vault, OutboxOp) == before and count(vault, Orientation) == 0


# --- rejected rows and refused files ---------------------------------------------------------------------


def test_bad_rows_are_rejected_with_reasons_and_never_stop_the_others(vault: vault_service.Vault) -> None:
    report = import_orientations(vault.db, DATA / "orientations_erreurs.csv")
    by_line = {r.line: r for r in report.results}
    assert [r.line for r in report.results] == list(range(2, 11))
    assert by_line[2].outcome == by_line[10].outcome == Outcome.CREATED
    assert by_line[3].reason == "ligne 3 : 7 champs au lieu de 8 (séparateur ou guillemets mal placés ?)"
    assert by_line[4].reason == "ligne 4 : date de naissance « 31/02/1980 » invalide"
    assert by_line[5].reason.startswith("ligne 5 : type d'orientation « Accompagnement renforcé » inconnu")
    assert by_line[6].reason == "ligne 6 : doublon de la ligne 2"
    assert by_line[7].reason == "ligne 7 : champ « adresse » trop long (plus de 1000 caractères)"
    # an unusable NIR never rejects the row: the person is imported without it, with a warning
    assert by_line[8].outcome == Outcome.CREATED and by_line[8].reason == ""
    assert by_line[8].warning == (
        "NIR invalide : la clé de contrôle ne correspond pas au numéro : personne importée sans NIR"
    )
    assert by_line[9].reason == "ligne 9 : date d'orientation manquante"
    assert (report.created, report.rejected, report.total) == (3, 6, 9)
    assert count(vault, Person) == 3
    with vault.db.read() as s:
        assert s.scalars(select(Person.nir).where(Person.last_name == "Petit")).one() is None


def test_the_same_bad_date_is_rejected_on_every_row_that_has_it(vault: vault_service.Vault) -> None:
    """Dates are parsed once per distinct text: a remembered bad date still rejects each of its rows."""
    report = import_orientations(
        vault.db,
        csv_bytes(
            ";;Durand;Léa;31/02/1990;F;;Sociale;01/09/2025;",
            ";;Petit;Noé;31/02/1990;M;;Sociale;01/09/2025;",
            ";;Roux;Inès;3O/01/1990;F;;Sociale;01/09/2025;",
            ";;Roux;Inès;30/01/1990;F;;Sociale;01/09/2025;",
        ),
    )
    assert [r.reason for r in report.results] == [
        "ligne 2 : date de naissance « 31/02/1990 » invalide",
        "ligne 3 : date de naissance « 31/02/1990 » invalide",
        "ligne 4 : date de naissance « 3O/01/1990 » invalide (format attendu : JJ/MM/AAAA)",
        "",
    ]
    assert count(vault, Person) == 1


def test_unreadable_quoted_line_does_not_stop_the_import(vault: vault_service.Vault) -> None:
    data = csv_bytes(
        ';;Martin;Paul;04/05/1983;M;;"Sociale"x"y;03/02/2025;',
        ";;Roux;Léa;07/07/1990;F;;Sociale;03/02/2025;",
    )
    report = import_orientations(vault.db, data)
    assert outcomes(report) == ["rejeté", "créé"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("entete_seule.csv", "aucune ligne de données"),
        ("pas_un_csv.csv", "classeur Excel (.xlsx)"),
        ("sans_entete.csv", "Aucune colonne reconnue"),
        (
            "colonnes_manquantes.csv",
            "Colonnes obligatoires absentes : date de naissance, date d'orientation, type d'orientation",
        ),
    ],
)
def test_refused_files_have_a_clear_french_message(
    vault: vault_service.Vault, name: str, message: str
) -> None:
    with pytest.raises(ImportFileError) as err:
        import_orientations(vault.db, DATA / name)
    assert message in err.value.message
    assert count(vault, OutboxOp) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Le fichier est vide."),
        (b"\x00\x01\x02binary\x00", "données binaires"),
        ("NIR;Nom".encode("utf-16"), "données binaires"),
        (b"%PDF-1.7\n...", "document PDF"),
        (b"Nom;Pr\x81nom\n", "encodage"),
    ],
)
def test_refused_bytes(vault: vault_service.Vault, data: bytes, message: str) -> None:
    with pytest.raises(ImportFileError) as err:
        import_orientations(vault.db, data)
    assert message in err.value.message


def test_missing_file_and_duplicate_columns(vault: vault_service.Vault, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="introuvable"):
        import_orientations(vault.db, tmp_path / "absent.csv")
    head = "Nom;Nom d'usage;Prénom;Date de naissance;Type d'orientation;Date d'orientation"
    with pytest.raises(ImportFileError, match="désignent toutes deux « nom »"):
        import_orientations(vault.db, csv_bytes(head=head))


# --- idempotence, updates, réorientation -----------------------------------------------------------------


def test_reimport_of_the_same_file_writes_nothing(vault: vault_service.Vault) -> None:
    first = import_orientations(vault.db, DATA / "orientations_utf8.csv")
    assert first.created == 4
    ops = count(vault, OutboxOp)
    with vault.db.read() as s:
        stamps = sorted(s.scalars(select(Person.updated_at)).all())
    again = import_orientations(vault.db, DATA / "orientations_utf8.csv")
    assert outcomes(again) == ["inchangé"] * 4
    assert count(vault, OutboxOp) == ops
    assert count(vault, AuditEvent) == 0
    with vault.db.read() as s:
        assert sorted(s.scalars(select(Person.updated_at)).all()) == stamps


def test_changed_row_updates_only_changed_fields_and_audits_names_not_values(
    vault: vault_service.Vault,
) -> None:
    import_orientations(
        vault.db, csv_bytes(f"{NIR_A};1234567;Lefèvre;Élodie;12/05/1980;F;0612345678;Sociale;03/02/2025;MDS")
    )
    ops = count(vault, OutboxOp)
    report = import_orientations(
        vault.db,
        csv_bytes(f"{NIR_A};1234567;LEFEVRE;ELODIE;12/05/1980;F;07 98 76 54 32;Sociale;03/02/2025;MDS Nord"),
    )
    (row,) = report.results
    assert row.outcome == Outcome.UPDATED
    assert row.changed_fields == ("phone", "orientation.organisme")
    with vault.db.read() as s:
        new_ops = s.scalars(
            select(OutboxOp).where(OutboxOp.device_seq > ops).order_by(OutboxOp.device_seq)
        ).all()
        person_op = next(o for o in new_ops if o.table_name == "person")
        assert set(person_op.changed_fields) == {"phone"}
        orientation_op = next(o for o in new_ops if o.table_name == "orientation")
        assert set(orientation_op.changed_fields) == {"organisme"}
        audit = s.scalars(select(AuditEvent)).one()
        assert audit.action == "modification" and audit.person_id == row.person_id
        assert "phone" in audit.detail and "07 98" not in audit.detail and "Lef" not in audit.detail
        person = s.get(Person, row.person_id)
        assert person is not None and person.last_name == "Lefèvre"  # an upper-case spelling is not a change
    assert sorted(o.table_name for o in new_ops) == ["audit_event", "orientation", "person"]


def test_reorientation_closes_the_previous_orientation(vault: vault_service.Vault) -> None:
    import_orientations(vault.db, csv_bytes(f"{NIR_A};;Lefèvre;Élodie;12/05/1980;F;;Sociale;03/12/2024;MDS"))
    report = import_orientations(
        vault.db,
        csv_bytes(f"{NIR_A};;Lefèvre;Élodie;12/05/1980;F;;Professionnelle;02/06/2025;France Travail"),
    )
    assert report.results[0].changed_fields == ("orientation",)
    with vault.db.read() as s:
        first, second = s.scalars(select(Orientation).order_by(Orientation.decision_date)).all()
    assert (first.track, first.regime, first.ended_on, first.is_reorientation) == (
        "social",
        "legacy",
        date(2025, 6, 2),
        False,
    )
    assert (second.track, second.regime, second.ended_on, second.is_reorientation) == (
        "emploi",
        "plein_emploi",
        None,
        True,
    )
    # the old list again: the orientation exists in the history → inchangé
    again = import_orientations(
        vault.db, csv_bytes(f"{NIR_A};;Lefèvre;Élodie;12/05/1980;F;;Sociale;03/12/2024;MDS")
    )
    assert outcomes(again) == ["inchangé"]
    # an older decision that is not in the history is rejected, not inserted before the current one
    older = import_orientations(
        vault.db, csv_bytes(f"{NIR_A};;Lefèvre;Élodie;12/05/1980;F;;Sociale;01/01/2025;MDS")
    )
    assert older.results[0].reason == (
        "ligne 2 : orientation du 01/01/2025 antérieure à l'orientation en cours du 02/06/2025"
    )
    # same date, different track: a new orientation too
    same_day = import_orientations(
        vault.db, csv_bytes(f"{NIR_A};;Lefèvre;Élodie;12/05/1980;F;;Socio-professionnelle;02/06/2025;")
    )
    assert same_day.results[0].changed_fields == ("orientation",)
    assert count(vault, Orientation) == 3


def test_known_referent_is_assigned_unknown_is_a_warning(vault: vault_service.Vault) -> None:
    with vault.db.session() as s:
        s.add(Referent(id="r1", login="cmartin", first_name="Claire", last_name="Martin"))
    head = HEAD + ";Référent"
    data = csv_bytes(
        ";;Roux;Léa;07/07/1990;F;;Sociale;03/02/2025;;Claire MARTIN",
        ";;Blanc;Marc;08/08/1985;M;;Sociale;03/02/2025;;Inconnu Total",
        head=head,
    )
    report = import_orientations(vault.db, data)
    assert outcomes(report) == ["créé", "créé"]
    assert report.results[1].warning == "référent « Inconnu Total » inconnu dans Fil rouge : à désigner"
    with vault.db.read() as s:
        assignment = s.scalars(select(ReferentAssignment)).one()
        assert assignment.referent_id == "r1"
        assert s.get(Person, assignment.person_id).referent_id == "r1"  # type: ignore[union-attr]
    ops = count(vault, OutboxOp)
    assert outcomes(import_orientations(vault.db, data)) == ["inchangé", "inchangé"]
    assert count(vault, OutboxOp) == ops


# --- dry run, cancel, progress ---------------------------------------------------------------------------


def test_dry_run_reports_and_writes_nothing(vault: vault_service.Vault) -> None:
    report = import_orientations(vault.db, DATA / "orientations_utf8.csv", dry_run=True)
    assert report.dry_run and report.created == 4
    assert count(vault, Person) == count(vault, OutboxOp) == 0


def _many(n: int) -> bytes:
    return csv_bytes(
        *(f";{1000000 + i};Nom{i};Prénom{i};01/01/1980;F;;Sociale;03/02/2025;" for i in range(n))
    )


def test_cancel_during_apply_leaves_nothing(vault: vault_service.Vault) -> None:
    calls: list[tuple[int, int]] = []

    def cancel() -> bool:
        return len(calls) > 0 and calls[-1][0] > 2500  # after the first applied batch

    with pytest.raises(ImportCancelled):
        import_orientations(vault.db, _many(2500), progress=lambda d, t: calls.append((d, t)), cancel=cancel)
    assert calls[-1][0] > 2500  # at least one batch had been flushed before the cancel
    assert count(vault, Person) == count(vault, Orientation) == count(vault, Household) == 0
    assert count(vault, OutboxOp) == 0


def test_progress_reaches_total(vault: vault_service.Vault) -> None:
    calls: list[tuple[int, int]] = []
    import_orientations(vault.db, _many(1200), progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (2400, 2400)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


# --- report, column map ----------------------------------------------------------------------------------


def test_report_csv_opens_in_excel(vault: vault_service.Vault) -> None:
    report = import_orientations(vault.db, DATA / "orientations_erreurs.csv")
    raw = report.to_csv()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Ligne", "Résultat", "Motif", "Champs modifiés", "Avertissement"]
    assert rows[5] == ["6", "rejeté", "ligne 6 : doublon de la ligne 2", "", ""]
    assert NIR_A not in raw.decode("utf-8-sig") and "Lef" not in raw.decode("utf-8-sig")


def test_department_column_map_adds_synonyms(vault: vault_service.Vault, tmp_path: Path) -> None:
    override = tmp_path / "cd93.yaml"
    override.write_text(
        'fields:\n  decision_date:\n    headers: ["Date CD"]\ntracks:\n  social: ["Parcours RSA social"]\n',
        encoding="utf-8",
    )
    head = "Nom;Prénom;Date de naissance;Type d'orientation;Date CD"
    report = import_orientations(
        vault.db,
        csv_bytes("Roux;Léa;07/07/1990;Parcours RSA social;03/02/2025", head=head),
        column_map=override,
    )
    assert outcomes(report) == ["créé"]
    cmap = load_column_map()
    assert cmap.field_for("N° ALLOCATAIRE CAF") == "caf_number"
    assert cmap.field_for("  date  d'orientation ") == "decision_date"
    assert cmap.track_for("SOCIO-PROFESSIONNELLE") == "socio_pro"
    assert header_key("N° allocataire") == header_key("numéro allocataire") == "numero allocataire"
    assert fold("Lefèvre-D'Arc") == "lefevre d arc"


def test_fold_is_the_decomposition_without_marks_for_any_text() -> None:
    """The ASCII shortcut and the accent table give what NFKD + dropping combining marks gives."""

    def reference(value: str) -> str:
        decomposed = unicodedata.normalize(
            "NFKD", value.replace("°", " ").replace("ʼ", "'")
        )  # ʼ: an apostrophe
        kept = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
        kept = kept.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
        return re.sub(r"[\W_]+", " ", kept).strip()  # letters of every script are kept (« Σοφία »)

    samples = [
        "Ça-Ira",
        "ŒUVRE",
        "Straße",
        "Nguyễn Thị",
        "ﬁne",
        "AØB",
        "İnci",
        "N°12",
        "  O'Brien  ",
        "Σοφία",
    ]
    rnd = random.Random(8)
    alphabet = [chr(c) for c in range(0x20, 0x2000)] + ["\u0301", "\u0345", "ǅ", "Ⅻ"]
    samples += ["".join(rnd.choice(alphabet) for _ in range(rnd.randrange(12))) for _ in range(3000)]
    assert [fold(v) for v in samples] == [reference(v) for v in samples]
    assert fold("DURAND Jean-Pierre") == "durand jean pierre" and fold("Éloïse") == "eloise"


# --- CLI -------------------------------------------------------------------------------------------------


def test_cli_json_output_and_report(
    vault: vault_service.Vault,
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    vault.close()
    monkeypatch.setattr(sys, "stdin", io.StringIO(TEST_PASSPHRASE + "\n"))
    report_path = tmp_path / "compte-rendu.csv"
    code = main(
        [
            "--data-dir",
            str(data_dir),
            "--passphrase-stdin",
            "--profile",
            "test",
            "import",
            "orientations",
            str(DATA / "orientations_erreurs.csv"),
            "--json",
            "--report",
            str(report_path),
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 1  # some rows were rejected
    assert (out["crees"], out["rejetes"], out["total"]) == (3, 6, 9)
    assert out["lignes"][4]["motif"] == "ligne 6 : doublon de la ligne 2"
    assert report_path.read_bytes().startswith(b"\xef\xbb\xbf")

    monkeypatch.setattr(sys, "stdin", io.StringIO(TEST_PASSPHRASE + "\n"))
    code = main(
        [
            "--data-dir",
            str(data_dir),
            "--passphrase-stdin",
            "--profile",
            "test",
            "import",
            "orientations",
            str(DATA / "entete_seule.csv"),
        ]
    )
    assert code == 2
    assert "aucune ligne de données" in capsys.readouterr().err


# --- preview and history (Imports page) -----------------------------------------------------------------


def test_describe_file_tells_what_was_detected_without_importing(vault: vault_service.Vault) -> None:
    info = describe_file(DATA / "orientations_cp1252.csv")
    assert (info.file_name, info.encoding, info.delimiter, info.rows) == (
        "orientations_cp1252.csv",
        "cp1252",
        ";",
        4,
    )
    assert ("N° allocataire CAF", "n° allocataire CAF") in info.mapped
    assert info.ignored == () and "civilité" in info.absent and "nom" not in info.absent
    extra = describe_file(
        csv_bytes(";1;Nom;Prénom;01/01/1980;F;;Sociale;03/02/2025;", head=HEAD + ";Code agent")
    )
    assert extra.ignored == ("Code agent",) and extra.file_name == "données"
    with pytest.raises(ImportFileError, match="aucune ligne de données"):
        describe_file(DATA / "entete_seule.csv")
    assert count(vault, Person) == 0


def test_history_records_real_imports_newest_first(vault: vault_service.Vault) -> None:
    assert import_history(vault.db) == []
    import_orientations(vault.db, DATA / "orientations_utf8.csv", dry_run=True)
    assert import_history(vault.db) == []  # a simulation is not an import
    import_orientations(vault.db, DATA / "orientations_utf8.csv")
    import_orientations(vault.db, DATA / "orientations_erreurs.csv")
    first, second = import_history(vault.db)
    assert (first.file_name, first.total, first.created, first.unchanged, first.rejected) == (
        "orientations_erreurs.csv",
        9,
        2,
        1,
        6,
    )
    assert (second.file_name, second.created, second.unchanged) == ("orientations_utf8.csv", 4, 0)
    assert first.at >= second.at
    with pytest.raises(ImportCancelled):
        import_orientations(vault.db, _many(1500), cancel=lambda: True)
    assert len(import_history(vault.db)) == 2  # a cancelled import leaves no trace either
