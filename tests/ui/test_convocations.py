"""Convocations, reminders and collective sessions in the window (offscreen, real vault through the worker):
the session dialog (participants added by name, capacity, attendance at once) and a convocation letter in its
preview at 1366×768 and 1920×1080, the letters of a week with progress and cancel, « Convocation… » and the relance from the person's RDV tab, the
reminder consent dialog refusing a channel the file cannot serve."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtWidgets import QWidget
from sqlalchemy import select

from app.models.tables.followup import AppointmentLetter
from app.services.agenda.convocations import batch
from app.services.casefile import rdv as rdv_mod
from app.services.casefile import sessions
from app.services.people import identity as people
from app.services.people.identity import PersonInput
from app.ui.kit.preview import PdfPreviewDialog
from tests.ui.factories import add_referent
from tests.ui.kit import idle, shot

SOON = (datetime.now() + timedelta(days=3)).replace(hour=9, minute=30, second=0, microsecond=0)


def _people(vault, n: int) -> list[str]:
    names = [("Lefèvre", "Éloïse"), ("Nguyen", "Linh"), ("Roux", "Jade"), ("Benaïssa", "Karim"),
             ("Martin", "Inès"), ("Bernard", "Yanis")]  # fmt: skip
    return [
        people.create_person(vault.db, PersonInput(last_name=last, first_name=first, regime="plein_emploi",
                                                   address_line="1 rue de la Paix", postal_code="93200",
                                                   city="Saint-Denis"))
        for last, first in names[:n]
    ]  # fmt: skip


def _letters(vault) -> list[tuple[str, str]]:
    with vault.db.read() as s:
        return [(x.appointment_id, x.kind) for x in s.scalars(select(AppointmentLetter))]


def test_session_dialog_adds_people_by_name_and_records_attendance_at_once(qtbot, ctx, vault):
    from app.ui.pages.agenda.session_dialog import SessionDialog

    add_referent(vault)
    ids = _people(vault, 6)
    dialog = SessionDialog(ctx, None)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.search.isEnabled()  # the session is saved first
    dialog.purpose.setCurrentIndex(dialog.purpose.findData("atelier"))
    dialog.date.set_value(SOON.date())
    dialog.place.setText("MDS de Saint-Denis, salle 3")
    dialog.title.setText("Atelier CV et lettre de motivation")
    dialog.capacity.setValue(5)
    dialog.save_button.click()
    idle(qtbot, ctx)
    assert dialog.session_id is not None and dialog.search.isEnabled()
    assert sessions.session_view(vault.db, dialog.session_id).comment == "Atelier CV et lettre de motivation"
    dialog.place.setText("MDS de Saint-Denis, salle 4")  # saved again: the title and the nature are kept
    dialog.save_button.click()
    idle(qtbot, ctx)
    view = sessions.session_view(vault.db, dialog.session_id)
    assert (view.title, view.place, view.nature) == ("Atelier CV et lettre de motivation", "MDS de Saint-Denis, salle 4",
                                                     "physique")  # fmt: skip
    assert dialog.windowTitle().startswith("Séance collective — Atelier CV et lettre de motivation, ")
    dialog.search.setText("lef")
    dialog._find()
    idle(qtbot, ctx)
    assert list(dialog.found) == ["LEFÈVRE Éloïse — Saint-Denis"]
    dialog.add_typed()
    idle(qtbot, ctx)
    sessions.add_participants(vault.db, dialog.session_id, ids[1:5])
    dialog.reload()
    idle(qtbot, ctx)
    assert dialog.table.rowCount() == 5 and dialog.seats.text() == "5 / 5 places"
    assert not dialog.add_button.isEnabled() and "Séance complète" in dialog.search.placeholderText()
    dialog.search.setText("bern")
    dialog._find()
    idle(qtbot, ctx)
    dialog.add_typed()
    idle(qtbot, ctx)
    assert len(sessions.session_view(vault.db, dialog.session_id).participants) == 5  # full: refused
    dialog.search.clear()
    dialog.message.clear()
    for (width, height), name in (
        ((1366, 768), "session_dialog-1366"),
        ((1920, 1080), "session_dialog-1920"),
    ):
        dialog.resize(min(860, int(width * 0.95)), min(640, int(height * 0.92)))  # fit_to_screen on it
        grab(dialog, name)
        assert dialog.minimumSizeHint().height() <= dialog.height() <= height * 0.92

    # the session has passed: attendance once for all
    sessions.update_session(vault.db, dialog.session_id, starts_at=datetime.now() - timedelta(hours=3),
                            purpose="atelier", nature="physique", place="MDS", capacity=5)  # fmt: skip
    dialog.reload()
    idle(qtbot, ctx)
    assert dialog.attendance_button.isEnabled()
    combo = dialog.table.cellWidget(1, 3)
    combo.setCurrentIndex(combo.findData("non_honore"))
    dialog.attendance_button.click()
    idle(qtbot, ctx)
    view = sessions.session_view(vault.db, dialog.session_id)
    assert view.status == "honore"
    assert sorted(p.status for p in view.participants) == ["honore"] * 4 + ["non_honore"]
    assert "Présence enregistrée (5 statuts changés)" in dialog.message.text()
    dialog.done(0)


def test_letters_of_a_week_preview_then_recorded_and_folder_with_cancel(qtbot, ctx, vault, tmp_path):
    from app.ui.pages.agenda.letters import LettersDialog

    rid = add_referent(vault)
    ids = _people(vault, 3)
    rdvs = [rdv_mod.add_appointment(vault.db, pid, starts_at=SOON + timedelta(hours=n), purpose="suivi",
                                    nature="physique", place="MDS", referent_id=rid)
            for n, pid in enumerate(ids)]  # fmt: skip
    start, end = batch.period(SOON.date(), True)
    plan = batch.plan_letters(vault.db, start, end)
    dialog = LettersDialog(ctx, plan, "Convocations — semaine")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.list.count() == 3
    shot(dialog, "letters_dialog", small_screen=False)
    dialog.preview()
    qtbot.waitUntil(
        lambda: isinstance(getattr(dialog, "preview_dialog", None), PdfPreviewDialog), timeout=20_000
    )
    assert _letters(vault) == []  # a preview records nothing
    dialog.preview_dialog.write_to(str(tmp_path / "semaine"))
    idle(qtbot, ctx)
    assert sorted(a for a, _k in _letters(vault)) == sorted(rdvs)
    assert "3 courriers notés" in dialog.state.text()
    dialog.preview_dialog.done(0)

    again = LettersDialog(ctx, batch.plan_letters(vault.db, start, end), "Convocations — semaine")
    qtbot.addWidget(again)
    again.show()
    assert again.list.count() == 0 and not again.preview_button.isEnabled()
    again.again.setChecked(True)
    assert again.list.count() == 3
    again.job.progress.connect(lambda *_: again.job.cancel())  # « Annuler » at the first letter
    again.write_folder(tmp_path)
    qtbot.waitUntil(lambda: not again.job.running, timeout=20_000)
    assert again.state.text().startswith("Annulé : ")
    assert len(list(tmp_path.glob("Convocation_*.pdf"))) <= 1


def test_convocation_letter_in_its_preview_at_1366_and_1920(qtbot, ctx, vault):
    """The letter as the référent sees it before printing: the page readable, the buttons on screen."""
    from app.ui.pages.agenda.letters import open_letter

    rid = add_referent(vault)
    (pid,) = _people(vault, 1)
    rdv = rdv_mod.add_appointment(vault.db, pid, starts_at=SOON, purpose="diagnostic", nature="physique",
                                  place="MDS de Saint-Denis, 3 rue de la Paix", referent_id=rid)  # fmt: skip
    parent = QWidget()
    qtbot.addWidget(parent)
    open_letter(ctx, parent, rdv, pid)
    qtbot.waitUntil(lambda: any(w.pages for w in parent.findChildren(PdfPreviewDialog)), timeout=20_000)
    (preview,) = parent.findChildren(PdfPreviewDialog)
    assert preview.height() <= 860 and preview.info.text() == "1 page — A4"
    for width, height in ((1366, 768), (1920, 1080)):
        preview.resize(min(900, int(width * 0.95)), min(860, int(height * 0.92)))  # fit_to_screen on it
        grab(preview, f"convocation_letter-{width}")
        assert (
            preview.print_button.isVisible() and preview.print_button.geometry().bottom() < preview.height()
        )
    assert _letters(vault) == []  # looked at, not sent: nothing recorded
    preview.done(0)


def test_rdv_tab_convocation_relance_and_reminder_consent(qtbot, ctx, vault, tmp_path):
    from app.ui.person.rdv.reminders import ReminderDialog
    from app.ui.person.rdv.tab import RdvTab

    rid = add_referent(vault)
    (pid,) = _people(vault, 1)
    coming = rdv_mod.add_appointment(vault.db, pid, starts_at=SOON, purpose="premier_rdv", nature="physique",
                                     place="MDS", referent_id=rid)  # fmt: skip
    missed = rdv_mod.add_appointment(vault.db, pid, starts_at=SOON - timedelta(days=7), purpose="suivi",
                                     nature="physique", place="MDS", referent_id=rid, status="non_honore")  # fmt: skip
    tab = RdvTab(ctx, pid)
    qtbot.addWidget(tab)
    tab.resize(1366, 600)
    tab.show()
    idle(qtbot, ctx)
    assert tab.reminder.text() == "Rappels : Aucun rappel"
    tab.select_item(coming)
    assert tab.letter_button.isEnabled() and tab.letter_button.text() == "Convocation…"
    tab.letter()
    qtbot.waitUntil(lambda: any(isinstance(w, PdfPreviewDialog) and w.isVisible()
                                for w in qtbot_widgets()), timeout=20_000)  # fmt: skip
    preview = next(w for w in qtbot_widgets() if isinstance(w, PdfPreviewDialog) and w.isVisible())
    preview.write_to(str(tmp_path / "convocation"))
    idle(qtbot, ctx)
    preview.done(0)
    assert _letters(vault) == [(coming, "convocation")]
    tab.reload()
    idle(qtbot, ctx)
    row = next(n for n, r in enumerate(tab.model.rows) if getattr(r, "id", None) == coming)
    column = tab.model.columns.index("letters")
    assert tab.model.index(row, column).data().startswith("Convoqué le ")
    tab.select_item(missed)
    assert tab.letter_button.text() == "Lettre de relance…"
    shot(tab, "person_rdv_tab_letters")

    tab.edit_reminders()
    idle(qtbot, ctx)
    dialog = tab.dialog
    assert isinstance(dialog, ReminderDialog)
    dialog.radios["courriel"].setChecked(True)
    dialog.save()
    idle(qtbot, ctx)
    assert dialog.error.isVisible() and "pas d'adresse électronique" in dialog.error.text()
    shot(dialog, "reminder_dialog_refused")
    people.update_person(vault.db, pid, {"phone": "06 12 34 56 78"})
    dialog.pref = dialog.pref.__class__(**{**dialog.pref.__dict__, "phone": "06 12 34 56 78"})
    dialog.radios["sms"].setChecked(True)
    dialog.save()
    idle(qtbot, ctx)
    assert dialog.result() == dialog.DialogCode.Accepted
    tab.reload()
    idle(qtbot, ctx)
    assert tab.reminder.text().startswith("Rappels : SMS (accord du ")


def grab(widget, name: str) -> None:
    """Save the widget as it is (its size kept) when screenshots are asked for."""
    from tests.ui.kit import shots_folder

    folder = shots_folder()
    if folder is not None:
        from PySide6.QtWidgets import QApplication

        from app.ui.kit import theme

        app = QApplication.instance()
        if isinstance(app, QApplication) and not app.styleSheet():
            theme.apply_theme(app)
        QApplication.processEvents()
        folder.mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(folder / f"{name}.png"))


def qtbot_widgets() -> list:
    from PySide6.QtWidgets import QApplication

    return list(QApplication.topLevelWidgets())
