"""``python -m app seal``: the département's seal configured from the command line, then contracts come out sealed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from app.__main__ import main
from app.services.contracts import editor as contracts
from app.services.settings import seal as seal_config
from tests.conftest import TEST_PASSPHRASE, MemoryKeyring
from tests.services.certificates import make_p12
from tests.services.test_contracts import ce_draft, person  # noqa: F401 - the person fixture

PASSWORD = "mot de passe du cachet"


def run_cli(data_dir: Path, monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(TEST_PASSPHRASE + "\n" + stdin))
    return main(["--data-dir", str(data_dir), "--profile", "test", "--passphrase-stdin", *args])


def test_seal_set_status_and_remove(vault, person, data_dir, tmp_path, memory_keyring: MemoryKeyring,  # noqa: F811
                                    monkeypatch, capsys) -> None:  # fmt: skip
    from pyhanko.pdf_utils.reader import PdfFileReader

    assert run_cli(data_dir, monkeypatch, "seal") == 0
    assert "Aucun cachet" in capsys.readouterr().out
    p12 = make_p12(tmp_path, PASSWORD)
    assert run_cli(data_dir, monkeypatch, "seal", "--certificate", str(p12), "--password-stdin",
                   stdin=PASSWORD + "\n") == 0  # fmt: skip
    assert "certificat « Scellement Fil rouge — Département de test », valable" in capsys.readouterr().out
    assert seal_config.seal_status(vault.db).usable
    cid = contracts.create(vault.db, person[0], ce_draft())
    out = tmp_path / "contrat.pdf"
    assert run_cli(data_dir, monkeypatch, "pdf", "contract", cid, "--out", str(out)) == 0
    (signature,) = PdfFileReader(io.BytesIO(out.read_bytes())).embedded_signatures
    assert signature.field_name == "Scellement"
    assert run_cli(data_dir, monkeypatch, "seal", "--remove") == 0
    assert "Cachet retiré" in capsys.readouterr().out
    assert not seal_config.seal_status(vault.db).configured


def test_wrong_password_or_missing_one_is_a_french_error(vault, data_dir, tmp_path,
                                                         memory_keyring: MemoryKeyring, monkeypatch, capsys) -> None:  # fmt: skip
    p12 = make_p12(tmp_path, PASSWORD)
    assert run_cli(data_dir, monkeypatch, "seal", "--certificate", str(p12), "--password-stdin",
                   stdin="pas le bon\n") == 2  # fmt: skip
    assert capsys.readouterr().err.startswith("Erreur : Le scellement du document a échoué")
    assert run_cli(data_dir, monkeypatch, "seal", "--certificate", str(p12), "--password-stdin") == 2
    assert "mot de passe du certificat est vide" in capsys.readouterr().err
    assert run_cli(data_dir, monkeypatch, "seal", "--certificate", str(p12)) == 2  # no terminal to ask on
    assert "--password-stdin" in capsys.readouterr().err
    assert run_cli(data_dir, monkeypatch, "seal", "--certificate", str(tmp_path / "absent.p12"),
                   "--password-stdin", stdin=PASSWORD + "\n") == 2  # fmt: skip
    assert "introuvable : absent.p12" in capsys.readouterr().err
    assert not seal_config.seal_status(vault.db).configured


def test_no_keyring_refuses_to_store_the_password(
    vault, data_dir, tmp_path, no_keyring, monkeypatch, capsys
) -> None:
    p12 = make_p12(tmp_path, PASSWORD)
    assert run_cli(data_dir, monkeypatch, "seal", "--certificate", str(p12), "--password-stdin",
                   stdin=PASSWORD + "\n") == 2  # fmt: skip
    assert "trousseau" in capsys.readouterr().err.lower()
    assert not seal_config.seal_status(vault.db).configured
