"""« Doublons possibles » page on a real vault through the database worker, offscreen: the pairs found after a
department list, the side-by-side comparison, « Personnes différentes » and « Même personne » (merge with the
ticked values), the badge of the navigation; screenshots at 1280×800 and 1366×768 when FILROUGE_SHOTS is set."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import func, select

from app.models.enums import DuplicateDecision
from app.models.tables.followup import Note
from app.models.tables.people import DuplicateReview, Person
from app.services.imports.service import import_orientations
from app.services.storage import vault as vault_service
from app.ui.pages.duplicates.page import DuplicatesPage
from app.ui.shell.plugins import UiContext
from tests.ui.kit import shot

WAIT = 20_000
HEAD = (
    "NIR;N° allocataire CAF;Nom;Prénom;Date de naissance;Sexe;Téléphone;Type d'orientation;Date d'orientation"
)


def nir(body: str) -> str:
    return body + f"{97 - int(body) % 97:02d}"


def csv(*rows: str) -> bytes:
    return ("\n".join([HEAD, *rows]) + "\n").encode("utf-8")


@pytest.fixture
def pairs(vault: vault_service.Vault) -> dict[str, str]:
    """Two pairs, as a real list makes them: a NIR with another first name, homonyms with other CAF numbers."""
    import_orientations(
        vault.db,
        csv(
            f"{nir('2800575123456')};1234567;Lefèvre;Élodie;12/05/1980;F;06 12 34 56 78;Sociale;03/02/2025",
            ";3300001;Martin;Paul;14/07/1980;M;;Sociale;03/02/2025",
        ),
    )
    import_orientations(
        vault.db,
        csv(
            f"{nir('2800575123456')};7654321;Lefèvre;Élodie-Marie;12/05/1980;F;;Socio-professionnelle;01/03/2025",
            ";3399999;Martin;Paul;14/07/1980;M;07 00 00 00 01;Professionnelle;01/03/2025",
        ),
    )
    with vault.db.read() as s:
        return {f"{p.first_name}/{p.caf_number}": p.id for p in s.scalars(select(Person))}


def make_page(qtbot, ctx: UiContext, size: tuple[int, int] = (1280, 800)) -> DuplicatesPage:
    page = DuplicatesPage(ctx)
    qtbot.addWidget(page)
    page.resize(*size)
    page.show()
    qtbot.waitUntil(lambda: ctx.worker.pending == 0 and page.views is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: ctx.worker.pending == 0, timeout=WAIT)
    return page


def _row_texts(page: DuplicatesPage) -> dict[str, tuple[str, str]]:
    t = page.table
    return {t.item(r, 0).text(): (t.item(r, 1).text(), t.item(r, 2).text()) for r in range(t.rowCount())}


def test_pairs_side_by_side_then_different_then_merge(qtbot, ctx, vault, pairs) -> None:
    page = make_page(qtbot, ctx)
    assert page.pairs.count() == 2 and page.count.text() == "2 paires à examiner"
    reasons = {v.reason for v in page.views}
    assert reasons == {"même NIR", "mêmes nom, prénom et date de naissance"}
    shot(page, "doublons-1280x800")
    page.resize(1366, 768)
    qtbot.wait(50)
    shot(page, "doublons-1366x768")

    # the NIR pair: first names differ (marked « ≠ », bold), the NIR is masked, history counted
    page.pairs.setCurrentRow(next(i for i, v in enumerate(page.views) if v.reason == "même NIR"))
    rows = _row_texts(page)
    assert rows["≠ Prénom"] == ("Élodie", "Élodie-Marie")
    assert rows["NIR"][0].startswith("•") and rows["NIR"][0] == rows["NIR"][1]
    assert rows["Historique"] == ("1 orientation", "1 orientation")
    assert "≠ N° allocataire" in rows and "≠ Téléphone" in rows
    assert page.table.taken() == ["phone"] or page.table.taken() == []  # the kept file's values are ticked
    shot(page, "doublons-comparaison")

    # « Personnes différentes » on the homonyms: recorded, audited, gone from the list, never proposed again
    page.pairs.setCurrentRow(next(i for i, v in enumerate(page.views) if v.reason.startswith("mêmes nom")))
    page.different_button.click()
    qtbot.waitUntil(lambda: page.pairs.count() == 1 and ctx.worker.pending == 0, timeout=WAIT)
    with vault.db.read() as s:
        (decision,) = s.scalars(select(DuplicateReview)).all()
        assert decision.decision == DuplicateDecision.DIFFERENT
        assert {decision.person_id, decision.other_id} == {pairs["Paul/3300001"], pairs["Paul/3399999"]}
    assert None in ctx.changes

    # « Même personne »: keep file 1, take the other file's first name; confirm in the box
    page.keep_group.button(1).setChecked(True)
    for r in range(page.table.rowCount()):
        if page.table.item(r, 0).text() == "≠ Prénom":
            page.table.item(r, 2).setCheckState(Qt.CheckState.Checked)
            assert page.table.item(r, 1).checkState() == Qt.CheckState.Unchecked  # one value per row
    assert "first_name" in page.table.taken()
    kept = page.views[0].first
    page.merge_button.click()
    box = page._confirm
    assert isinstance(box, QMessageBox) and "sera fusionné dans le dossier 1" in box.text()
    shot(box, "doublons-confirmation")
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(
        lambda: page.stack.currentWidget() is page.empty and ctx.worker.pending == 0, timeout=WAIT
    )
    shot(page, "doublons-vide")
    with vault.db.read() as s:
        live = s.scalars(
            select(Person).where(Person.last_name == "Lefèvre", Person.deleted_at.is_(None))
        ).all()
        assert [(p.id, p.first_name) for p in live] == [(kept.id, "Élodie-Marie")]


def test_the_badge_of_the_navigation_counts_the_pairs(qtbot, unlocked_window, worker) -> None:
    from app.ui.shell.main_window import NAV_DUPLICATES

    window = unlocked_window

    def make_pair(w) -> None:
        with w.db.session() as s:
            for first in ("Anne", "Anne"):
                s.add(
                    Person(last_name="Zola", first_name=first, regime="legacy", birth_date=date(1985, 3, 2))
                )

    worker.submit(make_pair, writes=True)
    window.refresh_status()
    qtbot.waitUntil(
        lambda: window.nav.item(NAV_DUPLICATES).data(Qt.ItemDataRole.UserRole + 1) == 1, timeout=WAIT
    )
    assert window.nav.item(NAV_DUPLICATES).text() == "Doublons possibles"
    window.nav.setCurrentRow(NAV_DUPLICATES)
    page = window.pages.currentWidget()
    qtbot.waitUntil(lambda: isinstance(page, DuplicatesPage) and page.pairs.count() == 1, timeout=WAIT)
    assert page.count.text() == "1 paire à examiner"
    qtbot.wait(50)
    shot(window, "fenetre-doublons")
    window.resize(1366, 768)
    qtbot.wait(50)
    shot(window, "fenetre-doublons-1366x768")


def test_a_note_of_the_merged_file_follows_it(qtbot, ctx, vault, pairs) -> None:
    with vault.db.session() as s:
        s.add(Note(person_id=pairs["Paul/3399999"], kind="entretien", body="Premier entretien", author="x",
                   written_at=date(2025, 3, 2)))  # fmt: skip
    page = make_page(qtbot, ctx)
    page.pairs.setCurrentRow(next(i for i, v in enumerate(page.views) if v.reason.startswith("mêmes nom")))
    view = page.views[page.pairs.currentRow()]
    kept = view.first if view.first.id == pairs["Paul/3300001"] else view.second
    page.merge(kept.id, pairs["Paul/3399999"], [])
    qtbot.waitUntil(lambda: page.pairs.count() == 1 and ctx.worker.pending == 0, timeout=WAIT)
    with vault.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Note).where(Note.person_id == kept.id)) == 1
