"""Batch output of the contracts of a selection: which contract per person, files, one PDF, print sink, cancel,
audit, seal; and the ``pdf contracts`` command."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from app.models.enums import AuditAction, ContractStatus
from app.models.tables.local import AuditEvent
from app.services.contracts import editor as contracts
from app.services.contracts.batch import (
    BatchOutputError,
    BatchPlan,
    plan_batch,
    render_batch,
)
from app.services.people import identity as people
from app.services.people.identity import PersonInput
from app.services.printing.combine import concatenate
from app.services.settings import seal as seal_config
from app.services.storage.vault import Vault
from tests.conftest import MemoryKeyring
from tests.services.certificates import make_p12
from tests.services.test_contracts import ce_draft, sign_both

needs_poppler = pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils absent")


def _person(vault: Vault, last: str, first: str, ref: str) -> str:
    pid = people.create_person(vault.db, PersonInput(last_name=last, first_name=first, regime="plein_emploi"))
    people.assign_referent(vault.db, pid, ref, start_date="01/09/2026")
    return pid


@pytest.fixture
def selection(vault: Vault, letterhead: Vault) -> dict[str, str]:
    """Five people: a draft only, one in force plus a renewal draft, one rejected only, none, one terminated."""
    ref = people.upsert_referent(
        vault.db, login="cmarchand", first_name="Claire", last_name="Marchand", structure="MDS de Bobigny"
    )
    ids = {
        "draft": _person(vault, "Durand", "Élodie", ref),
        "force": _person(vault, "Bernard", "Amine", ref),
        "rejected": _person(vault, "Petit", "Léa", ref),
        "none": _person(vault, "Zola", "Marc", ref),
        "past": _person(vault, "Aubert", "Jean Luc", ref),
    }
    contracts.create(vault.db, ids["draft"], ce_draft())
    signed = contracts.create(vault.db, ids["force"], ce_draft(start=date(2026, 1, 1)))
    sign_both(vault.db, signed)
    contracts.create(vault.db, ids["force"], ce_draft(start=date(2026, 7, 1)))  # renewal being prepared
    rejected = contracts.create(vault.db, ids["rejected"], ce_draft())
    sign_both(vault.db, rejected)
    contracts.transition(vault.db, rejected, ContractStatus.REJECTED)
    past = contracts.create(vault.db, ids["past"], ce_draft())
    sign_both(vault.db, past)
    contracts.transition(vault.db, past, ContractStatus.TERMINATED)
    ids["signed_contract"] = signed
    return ids


def _audits(vault: Vault) -> list[tuple[str, str]]:
    with vault.db.read() as s:
        rows = s.query(AuditEvent).filter_by(object_table="contract").all()
        return sorted((r.action, r.object_id) for r in rows)


def _pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def test_plan_picks_one_contract_per_person(vault: Vault, selection: dict[str, str]) -> None:
    plan = plan_batch(vault.db, [*selection.values(), "inconnu", selection["draft"]])
    labels = [i.label for i in plan.items]
    assert labels == ["AUBERT Jean Luc", "BERNARD Amine", "DURAND Élodie"]  # by name
    by_label = {i.label: i for i in plan.items}
    assert by_label["BERNARD Amine"].contract_id == selection["signed_contract"]  # in force beats the draft
    assert by_label["DURAND Élodie"].is_draft and by_label["AUBERT Jean Luc"].status == "resilie"
    assert plan.without_contract == ("PETIT Léa", "ZOLA Marc")
    assert plan.summary() == "3 contrats (dont 1 brouillon), 2 personnes sans contrat"
    assert by_label["AUBERT Jean Luc"].file_name.startswith("Contrat_AUBERT_Jean-Luc_")
    assert plan_batch(vault.db, []).summary() == "Aucun contrat"


@needs_poppler
def test_files_one_per_contract_audited(vault: Vault, selection: dict[str, str], tmp_path: Path) -> None:
    plan = plan_batch(vault.db, list(selection.values()))
    seen: list[tuple[int, int, str]] = []
    result = render_batch(
        vault.db, plan, tmp_path, actor="cmarchand", progress=lambda d, t, lbl: seen.append((d, t, lbl))
    )
    assert result.failed == ()
    assert not result.cancelled and len(result.done) == 3
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == sorted(i.file_name for i in plan.items)
    assert seen[0] == (0, 3, "AUBERT Jean Luc") and seen[-1] == (3, 3, "")
    for path in result.paths:
        assert _pages(path) >= 3
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
        item = next(i for i in plan.items if i.file_name == path.name)
        assert item.number in text
    assert _audits(vault) == sorted((AuditAction.EXPORT, i.contract_id) for i in plan.items)
    assert result.message() == "3 contrats enregistrés."


@needs_poppler
def test_single_pdf_has_every_page(vault: Vault, selection: dict[str, str], tmp_path: Path) -> None:
    plan = plan_batch(vault.db, list(selection.values()))
    singles = render_batch(vault.db, plan, tmp_path, actor="t")
    expected = sum(_pages(p) for p in singles.paths)
    out = tmp_path / "tous.pdf"
    result = render_batch(vault.db, plan, None, actor="t", combine_to=out)
    assert result.paths == (out,) and len(result.done) == 3
    assert _pages(out) == expected
    assert subprocess.run(["qpdf", "--check", str(out)], capture_output=True).returncode == 0
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert all(i.number in text for i in plan.items)


def test_print_sink_cancel_between_documents(vault: Vault, selection: dict[str, str]) -> None:
    plan = plan_batch(vault.db, list(selection.values()))
    printed: list[str] = []

    def sink(item, data: bytes) -> None:
        assert data.startswith(b"%PDF")
        printed.append(item.label)

    result = render_batch(vault.db, plan, None, actor="t", on_document=sink, cancel=lambda: len(printed) >= 2)
    assert result.cancelled and printed == ["AUBERT Jean Luc", "BERNARD Amine"]
    assert [i.label for i in result.done] == printed
    assert result.message("imprimés") == "Annulé : 2 contrats sur 3 imprimés."
    assert _audits(vault) == sorted((AuditAction.PRINT, i.contract_id) for i in result.done)


def test_cancelled_single_pdf_writes_nothing(vault: Vault, selection: dict[str, str], tmp_path: Path) -> None:
    plan = plan_batch(vault.db, list(selection.values()))
    calls: list[int] = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 2

    folder = tmp_path / "sortie"
    folder.mkdir()
    result = render_batch(vault.db, plan, None, actor="t", combine_to=folder / "tous.pdf", cancel=cancel)
    assert result.cancelled and result.done == () and _audits(vault) == []
    assert list(folder.iterdir()) == []  # nothing written, no temporary file left behind
    assert result.message() == "Annulé : 0 contrat sur 3 enregistré."


def test_missing_folder_is_a_french_error(vault: Vault, selection: dict[str, str], tmp_path: Path) -> None:
    plan = plan_batch(vault.db, list(selection.values()))
    with pytest.raises(BatchOutputError, match="n'existe pas"):
        render_batch(vault.db, plan, tmp_path / "absent", actor="t")
    assert _audits(vault) == []


def test_saved_files_are_sealed_printed_ones_not(
    vault: Vault, selection: dict[str, str], tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader

    seal_config.configure_seal(vault.db, make_p12(tmp_path, "secret"), "secret")
    plan = BatchPlan(plan_batch(vault.db, [selection["draft"]]).items)
    out = tmp_path / "out"
    out.mkdir()
    (path,) = render_batch(vault.db, plan, out, actor="t").paths
    assert len(PdfFileReader(io.BytesIO(path.read_bytes())).embedded_signatures) == 1
    printed: list[bytes] = []
    render_batch(vault.db, plan, None, actor="t", on_document=lambda _i, d: printed.append(d))
    assert PdfFileReader(io.BytesIO(printed[0])).embedded_signatures == []
    combined = render_batch(vault.db, plan, None, actor="t", combine_to=out / "tous.pdf").paths[0]
    assert len(PdfFileReader(io.BytesIO(combined.read_bytes())).embedded_signatures) == 1


def test_concatenate_keeps_pages_and_fonts(tmp_path: Path) -> None:
    from app.services.contracts.layout import render_contract
    from tests.services.test_pdf_contract import sample_contract

    a, b = render_contract(sample_contract("ce")), render_contract(sample_contract("cer"))
    merged = concatenate([a, b])
    from pyhanko.pdf_utils.reader import PdfFileReader

    def count(data: bytes) -> int:
        return int(PdfFileReader(io.BytesIO(data)).root["/Pages"]["/Count"])

    assert count(merged) == count(a) + count(b)
    if shutil.which("pdffonts"):
        path = tmp_path / "m.pdf"
        path.write_bytes(merged)
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
        assert "DejaVu" in fonts and all(" yes " in line for line in fonts.splitlines()[2:])


def run_cli(data_dir: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    from app.__main__ import main
    from tests.conftest import TEST_PASSPHRASE

    monkeypatch.setattr("sys.stdin", io.StringIO(TEST_PASSPHRASE + "\n"))
    return main(["--data-dir", str(data_dir), "--profile", "test", "--passphrase-stdin", *args])


def test_cli_pdf_contracts(
    vault: Vault,
    selection: dict[str, str],
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "sortie"
    out.mkdir()
    pids = [selection["draft"], selection["force"], selection["none"]]
    args = [a for pid in pids for a in ("--person", pid)]
    vault.close()
    assert run_cli(data_dir, monkeypatch, "pdf", "contracts", *args, "--out", str(out)) == 0
    captured = capsys.readouterr()
    assert len(list(out.glob("Contrat_*.pdf"))) == 2
    assert "2 contrats enregistrés" in captured.out and "ZOLA Marc" in captured.out
    assert run_cli(data_dir, monkeypatch, "pdf", "contracts", *args, "--out", str(out / "x")) != 0
    assert "n'existe pas" in capsys.readouterr().err
