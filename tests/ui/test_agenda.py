"""Agenda page and person « Rendez-vous » tab on a real vault through the database worker (offscreen)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from PySide6.QtCore import QDate, Qt, QTime

from app.models.tables.followup import Note, SanctionStep
from app.services.agenda import views as agenda
from app.services.agenda.calendar import AgendaItem
from app.services.casefile import rdv as rdv_mod
from app.services.people import identity as people
from app.services.people.identity import PersonInput
from tests.ui.factories import add_referent
from tests.ui.kit import idle, shot

MONDAY = date(2026, 11, 9)


@pytest.fixture
def data(vault):
    rid = add_referent(vault)
    pid = people.create_person(
        vault.db, PersonInput(last_name="Lefèvre", first_name="Éloïse", regime="plein_emploi")
    )
    other = people.create_person(
        vault.db, PersonInput(last_name="Nguyen", first_name="Linh", regime="plein_emploi")
    )

    def rdv(who, at, **kw):
        kw.setdefault("purpose", "suivi")
        kw.setdefault("nature", "physique")
        return rdv_mod.add_appointment(vault.db, who, starts_at=at, referent_id=rid, **kw)

    ids = {
        "a": rdv(pid, datetime(2026, 11, 9, 9, 0), place="MDS Saint-Denis"),
        "b": rdv(other, datetime(2026, 11, 9, 9, 30), nature="telephone"),
        "c": rdv(None, datetime(2026, 11, 12, 14, 0), collective=True, purpose="information_collective"),
        "d": rdv(pid, datetime(2026, 11, 17, 10, 0), purpose="bilan"),
    }
    return rid, pid, other, ids


def test_agenda_week_from_services_and_navigation(qtbot, qtmodeltester, ctx, data, tmp_path):
    from app.ui.pages.agenda.page import AgendaPage, Header

    _rid, pid, _other, ids = data
    page = AgendaPage(ctx)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    page.go_to(date(2026, 11, 11))
    idle(qtbot, ctx)
    qtmodeltester.check(page.model)
    rows = page.model.rows
    headers = [r for r in rows if isinstance(r, Header)]
    assert len(headers) == 7 and headers[0].text.startswith("Lundi 9 novembre 2026")
    assert headers[2].holiday and "Armistice" in headers[2].text
    items = [r for r in rows if not isinstance(r, Header)]
    assert [i.id for i in items] == [ids["a"], ids["b"], ids["c"]]
    assert page.title.text().startswith(
        "Semaine du 09/11/2026 au 15/11/2026 — 3 rendez-vous, 2 chevauchements"
    )
    row_a = rows.index(items[0])
    model = page.model
    col = model.columns.index
    assert model.data(model.index(row_a, col("person"))) == "LEFÈVRE Éloïse"
    assert model.data(model.index(row_a, col("status"))) == "Prévu"
    assert model.data(model.index(row_a, col("status")), Qt.ItemDataRole.DecorationRole) is not None
    assert model.data(model.index(row_a, col("alert"))) == "Chevauchement"
    assert model.data(model.index(row_a, col("letters"))) == ""  # past: no « Non convoqué » noise
    assert model.data(model.index(rows.index(items[2]), col("kind"))) == "Collectif"
    shot(page, "agenda_week", small_screen=True)
    page.table.doubleClicked.emit(model.index(row_a, 1))
    assert ctx.opened == [(pid, "rdv")]

    # Alt+→ is bound on the page (activated directly: a simulated key press depends on which window the
    # offscreen platform considers active, which earlier tests of the session can change)
    from PySide6.QtGui import QShortcut

    bound = {sc.key().toString(): sc for sc in page.findChildren(QShortcut)}
    assert {"Alt+Left", "Alt+Right", "Alt+Home", "F2"} <= set(bound)
    bound["Alt+Right"].activated.emit()  # next week
    # the week is read on the worker; its result reaches the page through the event loop
    qtbot.waitUntil(lambda: page.title.text().startswith("Semaine du 16/11/2026"), timeout=5000)
    idle(qtbot, ctx)
    assert [r.id for r in page.model.rows if not isinstance(r, Header)] == [ids["d"]]
    page.step(1)
    idle(qtbot, ctx)
    assert page.stack.currentWidget() is page.empty
    assert page.empty.title.text() == "Aucun rendez-vous cette semaine"
    page.go_to(MONDAY)
    page.set_week_mode(False)
    idle(qtbot, ctx)
    assert page.title.text().startswith("Lundi 9 novembre 2026 — 2 rendez-vous")
    page.write_ics(tmp_path / "j.ics")
    page.write_pdf(tmp_path / "j.pdf")
    idle(qtbot, ctx)
    assert (tmp_path / "j.ics").read_bytes().count(b"BEGIN:VEVENT") == 2
    assert (tmp_path / "j.pdf").read_bytes().startswith(b"%PDF")
    assert "Exporté" in page.hint.text()


def test_agenda_says_who_is_convoked_and_who_is_not(qtbot, ctx, vault, data):
    from app.services.agenda.convocations import letters
    from app.ui.pages.agenda.page import AgendaPage

    rid, pid, other, _ids = data
    coming = (datetime.now() + timedelta(days=7)).replace(hour=9, minute=0, second=0, microsecond=0)
    convoked, not_yet = (rdv_mod.add_appointment(vault.db, who, starts_at=coming + timedelta(hours=n),
                                                 purpose="suivi", nature="physique", place="MDS",
                                                 referent_id=rid)
                         for n, who in enumerate((pid, other)))  # fmt: skip
    letters.record_letter(vault.db, convoked, today=date.today())
    page = AgendaPage(ctx)
    qtbot.addWidget(page)
    page.resize(1366, 700)
    page.show()
    page.go_to(coming.date())
    idle(qtbot, ctx)
    model, column = page.model, page.model.columns.index("letters")
    shown = {model.data(model.index(n, 0), Qt.ItemDataRole.UserRole): model.data(model.index(n, column))
             for n in range(model.rowCount())}  # fmt: skip
    assert shown[convoked] == f"Convoqué le {date.today():%d/%m/%Y}" and shown[not_yet] == "Non convoqué"
    shot(page, "agenda_week_convocations", small_screen=True)


def test_new_rdv_dialog_warns_on_conflict_and_saves_through_worker(qtbot, ctx, vault, data):
    from app.ui.person.rdv.tab import RdvTab

    _rid, pid, _other, ids = data
    tab = RdvTab(ctx, pid)
    qtbot.addWidget(tab)
    tab.resize(1200, 700)
    tab.show()
    idle(qtbot, ctx)
    assert [i.id for i in tab.items] == [ids["d"], ids["a"]]
    qtbot.keyClick(tab, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    dialog = tab.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.date.displayFormat() == "dd/MM/yyyy" and dialog.date.calendarPopup()
    dialog.date.setDate(QDate(2026, 11, 9))
    dialog.time.setTime(QTime(9, 15))
    dialog.purpose.setCurrentIndex(dialog.purpose.findData("diagnostic"))
    dialog.comment.setPlainText("Suivi psychiatrique en cours")
    assert dialog.sensitive.isVisible() or dialog.sensitive.text()
    dialog.comment.setPlainText("")
    dialog.save_button.click()
    idle(qtbot, ctx)
    assert dialog.conflict.isVisible() and "Chevauchement" in dialog.conflict.text()
    assert "LEFÈVRE Éloïse" in dialog.conflict.text()
    assert dialog.save_button.text() == "Enregistrer malgré le chevauchement"
    assert len(agenda.person_appointments(vault.db, pid)) == 2  # nothing saved yet
    dialog.save_button.click()
    idle(qtbot, ctx)
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.saved_id
    saved = next(i for i in agenda.person_appointments(vault.db, pid) if i.id == dialog.saved_id)
    assert (saved.starts_at, saved.purpose, saved.duration_min) == (
        datetime(2026, 11, 9, 9, 15),
        "diagnostic",
        45,
    )
    assert ctx.changes == [pid]


def test_new_rdv_dialog_shows_validation_next_to_field(qtbot, ctx, data):
    from app.ui.person.rdv.dialogs import AppointmentDialog

    dialog = AppointmentDialog(ctx, None)  # individual RDV without a person: refused by the service
    qtbot.addWidget(dialog)
    dialog.time.setTime(QTime(7, 0))
    dialog.save_button.click()
    idle(qtbot, ctx)
    assert dialog.errors["person_id"].isVisibleTo(dialog)
    assert "concerne une personne" in dialog.errors["person_id"].text()


def test_missed_rdv_proposes_follow_up(qtbot, qtmodeltester, ctx, vault, data):
    from app.ui.person.rdv.dialogs import FollowUpDialog, StatusDialog
    from app.ui.person.rdv.tab import RdvTab

    _rid, pid, _other, ids = data
    rdv_mod.set_appointment_status(vault.db, ids["a"], "honore")
    soon = datetime.combine(date.today() + timedelta(days=3), datetime.min.time()).replace(hour=10)
    rdv_mod.add_appointment(vault.db, pid, starts_at=soon, purpose="bilan", nature="visio")
    tab = RdvTab(ctx, pid)
    qtbot.addWidget(tab)
    tab.resize(1200, 600)
    tab.show()
    idle(qtbot, ctx)
    qtmodeltester.check(tab.model)
    assert "2 rendez-vous à venir" in tab.summary.text() or "rendez-vous à venir" in tab.summary.text()
    shot(tab, "person_rdv_tab")
    tab.select_item(ids["d"])
    assert tab.status_button.isEnabled()
    tab.change_status()
    idle(qtbot, ctx)
    dialog = tab.dialog
    assert isinstance(dialog, StatusDialog) and dialog.history.count() == 1
    dialog.status.setCurrentIndex(dialog.status.findData("non_honore"))
    dialog.comment.setText("Pas de nouvelles")
    dialog._accept()
    idle(qtbot, ctx)
    follow = tab.dialog
    assert isinstance(follow, FollowUpDialog) and follow.isVisible()
    assert (
        follow.choice() == "lettre"
    )  # the relance letter is proposed; nothing is recorded until it is printed
    assert [e.status for e in rdv_mod.appointment_history(vault.db, ids["d"])] == ["prevu", "non_honore"]
    follow.choices["courrier"].setChecked(True)
    follow.detail.setPlainText("Courrier de relance envoyé.")
    follow.accept()
    idle(qtbot, ctx)
    with vault.db.read() as s:
        notes = s.query(Note).filter_by(person_id=pid).all()
        assert [(n.kind, n.body) for n in notes] == [("courrier", "Courrier de relance envoyé.")]
        assert s.query(SanctionStep).filter_by(person_id=pid).count() == 0
    tab.propose_follow_up(tab.items[0])
    tab.dialog.choices["manquement"].setChecked(True)  # type: ignore[union-attr]
    assert tab.dialog.ok.text() == "Enregistrer le constat de manquement"  # type: ignore[union-attr]
    tab.dialog.accept()  # type: ignore[union-attr]
    idle(qtbot, ctx)
    with vault.db.read() as s:
        assert [st.kind for st in s.query(SanctionStep).filter_by(person_id=pid)] == ["manquement"]
    tab.propose_follow_up(tab.items[0])
    tab.dialog.choices["rdv"].setChecked(True)  # type: ignore[union-attr]
    tab.dialog.accept()  # type: ignore[union-attr]
    assert type(tab.dialog).__name__ == "AppointmentDialog" and tab.dialog.isVisible()
    tab.dialog.done(0)


def test_edit_rdv_from_the_person_tab_with_f2(qtbot, ctx, vault, data):
    from app.ui.person.rdv.dialogs import AppointmentDialog
    from app.ui.person.rdv.tab import RdvTab

    _rid, pid, _other, ids = data
    tab = RdvTab(ctx, pid)
    qtbot.addWidget(tab)
    tab.resize(1200, 600)
    tab.show()
    idle(qtbot, ctx)
    assert not tab.edit_button.isEnabled()  # nothing selected
    tab.select_item(ids["d"])
    assert tab.edit_button.isEnabled()
    tab.table.setFocus()
    qtbot.keyClick(tab.table, Qt.Key.Key_F2)
    dialog = tab.dialog
    assert isinstance(dialog, AppointmentDialog) and dialog.isVisible()
    assert dialog.windowTitle() == "Modifier le rendez-vous — LEFÈVRE Éloïse"
    assert dialog.date.value() == date(2026, 11, 17) and dialog.time.time() == QTime(10, 0)
    assert dialog.purpose.currentData() == "bilan" and not dialog.collective.isEnabled()
    assert not dialog.dirty
    dialog.time.setTime(QTime(9, 15))  # overlaps nothing on the 17th
    dialog.place.setText("Visio depuis la MDS")
    dialog.nature.setCurrentIndex(dialog.nature.findData("visio"))
    dialog.save_button.click()
    idle(qtbot, ctx)
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.saved_id == ids["d"]
    saved = next(i for i in agenda.person_appointments(vault.db, pid) if i.id == ids["d"])
    assert (saved.starts_at, saved.place, saved.nature) == (
        datetime(2026, 11, 17, 9, 15), "Visio depuis la MDS", "visio",
    )  # fmt: skip
    assert len(agenda.person_appointments(vault.db, pid)) == 2  # edited, not added
    history = rdv_mod.appointment_history(vault.db, ids["d"])
    assert history[-1].comment.startswith("Modifié : date et heure (17/11/2026 10:00 → 17/11/2026 09:15)")
    assert ctx.changes == [pid]
    rdv_mod.set_appointment_status(vault.db, ids["d"], "annule")
    tab.reload()
    idle(qtbot, ctx)
    tab.select_item(ids["d"])
    assert not tab.edit_button.isEnabled() and "annulé" in tab.edit_button.toolTip()


def test_edit_rdv_from_the_agenda_warns_on_overlap_but_not_with_itself(qtbot, ctx, vault, data):
    from app.ui.pages.agenda.page import AgendaPage
    from app.ui.pages.agenda.session_dialog import SessionDialog
    from app.ui.person.rdv.dialogs import AppointmentDialog

    _rid, _pid, _other, ids = data
    page = AgendaPage(ctx)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    page.go_to(MONDAY)
    idle(qtbot, ctx)
    row_c = next(n for n, r in enumerate(page.model.rows) if getattr(r, "id", None) == ids["c"])
    page.table.doubleClicked.emit(page.model.index(row_c, 1))  # collective: no file, the session's dialog
    idle(qtbot, ctx)
    session = page.dialog
    assert isinstance(session, SessionDialog) and session.view is not None and session.view.id == ids["c"]
    session.duration.setValue(90)
    session.save_button.click()
    idle(qtbot, ctx)
    assert "Séance enregistrée" in session.message.text()
    assert agenda.day_agenda(vault.db, date(2026, 11, 12)).items[0].duration_min == 90
    session.done(0)

    row_b = next(n for n, r in enumerate(page.model.rows) if getattr(r, "id", None) == ids["b"])
    page.table.selectRow(row_b)
    assert page.edit_button.isEnabled()
    page.edit_button.click()
    dialog = page.dialog
    dialog.time.setTime(QTime(11, 0))  # away from « a » (9:00–9:45)
    dialog.save_button.click()
    idle(qtbot, ctx)
    assert dialog.result() == dialog.DialogCode.Accepted  # no overlap: saved at once
    dialog2 = AppointmentDialog(ctx, None, item=agenda.day_agenda(vault.db, MONDAY).items[1], parent=page)
    qtbot.addWidget(dialog2)
    dialog2.show()
    dialog2.time.setTime(QTime(9, 15))  # back over « a »
    dialog2.save_button.click()
    idle(qtbot, ctx)
    assert dialog2.conflict.isVisible() and "LEFÈVRE Éloïse" in dialog2.conflict.text()
    assert agenda.day_agenda(vault.db, MONDAY).items[1].starts_at == datetime(2026, 11, 9, 11, 0)
    dialog2.save_button.click()
    idle(qtbot, ctx)
    assert agenda.day_agenda(vault.db, MONDAY).items[1].starts_at == datetime(2026, 11, 9, 9, 15)


def _item(starts_at: datetime, status: str = "prevu") -> AgendaItem:
    return AgendaItem(
        id="rdv-1", person_id="p-1", person_name="Awa ARNAUD", referent_id=None, referent_name="",
        starts_at=starts_at, duration_min=45, purpose="suivi", purpose_label="Suivi", nature="physique",
        nature_label="Physique", place="", collective=False, status=status, status_label="Prévu", comment="",
    )  # fmt: skip


def test_status_dialog_of_a_future_rdv_proposes_no_honoured(qtbot) -> None:
    """Issue #15: « Honoré » was the default for a RDV still to come."""
    from PySide6.QtGui import QStandardItemModel

    from app.ui.person.rdv.dialogs import StatusDialog

    later = datetime.combine(date.today() + timedelta(days=2), datetime.min.time()).replace(hour=10)
    dialog = StatusDialog(_item(later), [])
    qtbot.addWidget(dialog)
    assert dialog.chosen() == "" and dialog.status.currentText() == "— Choisissez le nouveau statut —"
    model = dialog.status.model()
    assert isinstance(model, QStandardItemModel)
    enabled = {dialog.status.itemData(i): model.item(i).isEnabled() for i in range(1, dialog.status.count())}
    assert enabled["honore"] is False and enabled["non_honore"] is False
    assert enabled["excuse"] and enabled["annule"]
    dialog._accept()
    assert dialog.error.text() == "Choisissez le nouveau statut du rendez-vous." and dialog.result() == 0
    dialog.status.setCurrentIndex(dialog.status.findData("excuse"))
    dialog._accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    today = StatusDialog(_item(datetime.combine(date.today(), datetime.min.time()).replace(hour=9)), [])
    qtbot.addWidget(today)
    assert today.chosen() == "honore"  # on the day (or after), closing the interview is the common case
