"""Restore offered in the window: a damaged vault at the lock screen (keyring and passphrase profiles), and a
vault the daily backup finds damaged after unlocking. Real vault files damaged on disk, real backups."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import func, select

from app.models.tables.people import Person
from app.services.storage import backups
from app.services.storage import vault as vault_service
from app.ui.shell.restore_dialog import RestoreDialog
from tests.ui.conftest import LOCK_CODE, make_profile, unlock
from tests.ui.kit import shot

WAIT = 20_000


def backup_made_yesterday(data_dir: Path, name: str, passphrase: str | None = None) -> str:
    """A real automatic backup, dated yesterday (so that today's is still to make)."""
    v = vault_service.open_vault(data_dir, name, passphrase=passphrase)
    try:
        made = backups.take_backup(v.info, v.db.engine, v.key)
    finally:
        v.close()
    sidecar = Path(f"{made.path}.json")
    meta = json.loads(sidecar.read_text())
    meta["created_at"] = (datetime.now() - timedelta(days=1)).isoformat(timespec="seconds")
    sidecar.write_text(json.dumps(meta))
    return made.name


def zero_header(path: Path) -> None:
    with path.open("r+b") as f:
        f.write(b"\0" * 100)


def a_scanned_document_last(data_dir: Path, name: str) -> int:
    """Store a 256 KiB scan for the first person, written last: its pages are the file's last ones, and nothing
    the window reads at unlock touches them (only the backup's full read does). Returns its size."""
    import os

    from app.models.vocabularies.loader import load_vocabularies
    from app.services.casefile.documents import DOCUMENT_KINDS, add_document

    v = vault_service.open_vault(data_dir, name)
    try:
        with v.db.read() as s:
            first = s.scalar(select(Person.id).limit(1))
        kind = load_vocabularies().choices(DOCUMENT_KINDS)[0].code
        data = os.urandom(256 * 1024)
        add_document(v.db, first, kind=kind, title="Scan", data=data, file_name="scan.pdf")
    finally:
        v.close()
    return len(data)


def flip_in_the_document(path: Path, size: int) -> None:
    """Damage a page in the middle of the scan written last (the middle of the file moved with the schema:
    it fell on a page the list reads at unlock, which then failed before the backup could say why)."""
    at = path.stat().st_size - size // 2
    at -= at % 4096
    with path.open("r+b") as f:
        f.seek(at)
        block = f.read(4096)
        f.seek(at)
        f.write(bytes(b ^ 0xFF for b in block))


def restore_dialog() -> RestoreDialog:
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, RestoreDialog) and w.isVisible()]
    assert found, "the restore dialog should be open"
    return found[-1]


def _count(db) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(Person)) or 0)


def test_a_damaged_vault_at_the_lock_screen_offers_the_backups(qtbot, worker, data_dir, profile) -> None:
    from app.ui.shell.main_window import MainWindow

    name = backup_made_yesterday(data_dir, "essai")
    zero_header(profile.db_path)
    win = MainWindow(worker, data_dir, profile)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    screen = win.lock_screen
    qtbot.waitUntil(lambda: screen.restore_button.isVisible(), timeout=WAIT)
    assert "endommagé" in screen.message.text() and "incorrect" not in screen.message.text()
    shot(win, "verrou-coffre-endommage")
    screen.restore_button.click()
    dialog = restore_dialog()
    qtbot.waitUntil(lambda: dialog.table.topLevelItemCount() == 1, timeout=WAIT)
    assert dialog.table.topLevelItem(0).text(1) == "automatique"
    shot(dialog, "restaurer-une-sauvegarde")
    dialog.restore_button.click()
    qtbot.waitUntil(lambda: screen.vault_open and worker.pending == 0, timeout=WAIT)
    assert not screen.restore_button.isVisible()
    unlock(qtbot, win, LOCK_CODE)
    counted: list[int] = []
    worker.submit(lambda ctx: _count(ctx.db), counted.append)
    qtbot.waitUntil(lambda: bool(counted), timeout=WAIT)
    assert counted == [40]
    assert [b.name for b in backups.list_backups(profile) if b.name.startswith("auto")][-1] == name
    assert list(profile.backup_dir.glob("endommage-*.db"))  # the damaged file is kept aside
    win.close()


def test_passphrase_profile_restores_with_the_passphrase_typed(qtbot, worker, data_dir) -> None:
    from app.ui.shell.main_window import MainWindow

    info = make_profile(data_dir, 3, mode=vault_service.MODE_PASSPHRASE)
    backup_made_yesterday(data_dir, "essai", "phrase secrète de test")
    zero_header(info.db_path)
    win = MainWindow(worker, data_dir, info)
    qtbot.addWidget(win)
    win.show()
    screen = win.lock_screen
    screen.code.setText("pas la bonne phrase")
    screen.button.click()
    qtbot.waitUntil(lambda: "incorrecte" in screen.message.text(), timeout=WAIT)
    assert not screen.restore_button.isVisible()  # a wrong passphrase is not a damaged vault
    qtbot.wait(1100)  # the delay after a failed try
    screen.code.setText("phrase secrète de test")
    screen.button.click()
    qtbot.waitUntil(lambda: screen.restore_button.isVisible(), timeout=WAIT)
    assert "endommagé" in screen.message.text()
    screen.restore_button.click()
    dialog = restore_dialog()
    qtbot.waitUntil(lambda: dialog.table.topLevelItemCount() == 1, timeout=WAIT)
    dialog.restore_button.click()
    qtbot.waitUntil(lambda: not win.locked, timeout=WAIT)
    win.close()


def test_the_daily_backup_finds_a_damaged_page_and_the_window_offers_the_restore(
    qtbot, worker, data_dir
) -> None:
    from app.ui.shell.main_window import MainWindow

    info = make_profile(data_dir, 300)
    size = a_scanned_document_last(data_dir, "essai")
    backup_made_yesterday(data_dir, "essai")
    flip_in_the_document(
        info.db_path, size
    )  # the header is fine: the vault opens, the backup reads every page
    win = MainWindow(worker, data_dir, info)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitUntil(lambda: win.lock_screen.vault_open and worker.pending == 0, timeout=WAIT)
    unlock(qtbot, win, LOCK_CODE)
    qtbot.waitUntil(lambda: getattr(win, "damage_box", None) is not None, timeout=WAIT)
    box = win.damage_box
    assert isinstance(box, QMessageBox) and "endommagé" in box.text()
    shot(box, "fenetre-coffre-endommage")
    box.buttons()[0].click()  # « Restaurer une sauvegarde… »
    dialog = restore_dialog()
    qtbot.waitUntil(lambda: dialog.table.topLevelItemCount() == 1, timeout=WAIT)
    dialog.restore_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible() and worker.pending == 0, timeout=WAIT)
    counted: list[int] = []
    worker.submit(lambda ctx: _count(ctx.db), counted.append)
    qtbot.waitUntil(lambda: bool(counted), timeout=WAIT)
    assert counted == [300]
    win.close()
