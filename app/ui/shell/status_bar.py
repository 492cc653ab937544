"""Status bar: vault mode, last synchronisation, pending changes, the last message (what was just saved,
warned or synchronised: :func:`app.ui.kit.a11y.announce`, kept until the next one), signed-in référent."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStatusBar, QWidget

from app.services.people.status import StatusInfo
from app.ui.kit import theme
from app.ui.kit.widgets import ElidedLabel


def _item(icon_name: str) -> tuple[QWidget, QLabel]:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(8, 2, 8, 2)
    layout.setSpacing(6)
    icon = QLabel()
    icon.setPixmap(theme.icon(icon_name).pixmap(QSize(14, 14)))
    text = ElidedLabel()  # a narrow window (200 % text) shortens it with « … »; all of it in its tooltip
    text.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(icon)
    layout.addWidget(text)
    return box, text


def last_sync_text(raw: str) -> str:
    if not raw:
        return "Dernière synchronisation : jamais"
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        return "Dernière synchronisation : date illisible"
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return f"Dernière synchronisation : {theme.fmt_datetime(when.astimezone().replace(tzinfo=None))}"


def pending_text(n: int) -> str:
    if not n:
        return "Aucune modification en attente"
    return theme.plural(n, "modification en attente", "modifications en attente")


class StatusBar(QStatusBar):
    def __init__(self, mode_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        box, self.mode = _item("fa6s.shield-halved")
        self.mode.setText(f"Coffre : {mode_label}")
        self.addWidget(box)
        box, self.sync = _item("fa6s.rotate")
        self.sync.setText(last_sync_text(""))
        self.addWidget(box)
        box, self.pending = _item("fa6s.cloud-arrow-up")
        self.addWidget(box)
        self.message = ElidedLabel()
        self.message.setObjectName("status_message")
        self.message.setAccessibleName("Dernier message")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setContentsMargins(8, 0, 8, 0)
        self.addWidget(self.message, 1)
        box, self.referent = _item("fa6s.user-tie")
        self.addPermanentWidget(box)
        self.referent.setText("Référent : —")

    def update_status(self, info: StatusInfo) -> None:
        if info.enrolled:
            self.sync.setText(last_sync_text(info.last_sync_at))
            self.pending.setText(pending_text(info.pending_changes))
            self.pending.setToolTip("")
        else:  # the changes are kept on this computer; nothing is « waiting » for a server there is not
            self.sync.setText("Poste non inscrit auprès du département")
            self.pending.setText("Données enregistrées sur ce poste")
            self.pending.setToolTip(
                "Vos saisies sont enregistrées dans le coffre de ce poste. Elles seront envoyées au département "
                "après l'inscription du poste (page Synchronisation)."
            )
        self.referent.setText(f"Référent : {info.referent}" if info.referent else "Référent : non renseigné")
