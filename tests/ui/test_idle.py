"""The auto-lock's idle watcher sees input through the application's windows (dialogs included), without an
event filter on the whole application (a Python call for every event of every widget)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QVBoxLayout

from app.ui.shell.idle import IdleWatcher


def test_a_key_typed_in_a_dialog_restarts_the_countdown(qtbot) -> None:
    watcher = IdleWatcher(2_000)
    dialog = QDialog()
    QVBoxLayout(dialog).addWidget(QLineEdit())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    watcher.arm()
    qtbot.wait(1_000)
    assert watcher._timer.remainingTime() <= 1_200  # a coarse timer: within 5 % of its interval
    window = dialog.windowHandle()
    assert window is not None
    QTest.keyClick(window, Qt.Key.Key_A)  # through the window system, as a real key press
    assert watcher._timer.remainingTime() >= 1_800
    watcher.disarm()
    watcher.detach()


def test_the_watcher_is_not_an_application_wide_event_filter(qtbot) -> None:
    seen: list[QObject] = []

    class Spy(IdleWatcher):
        def eventFilter(self, obj: QObject, event) -> bool:  # type: ignore[no-untyped-def]
            seen.append(obj)
            return super().eventFilter(obj, event)

    spy = Spy(10_000)
    spy.arm()
    dialog = QDialog()
    box = QVBoxLayout(dialog)
    for _ in range(30):
        box.addWidget(QLineEdit())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    QApplication.processEvents()
    assert not any(isinstance(obj, QLineEdit) for obj in seen)  # widgets' own events never reach it
    spy.detach()
