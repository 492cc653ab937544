"""Co-accompaniment on the person's Synthèse (ADR 0052): who else accompanies the person (role, access asked and
what the département's rules give), « Ajouter un professionnel… » and « Terminer… »; on a file shared with this
profile, what it may do there (read only, or the shared work) instead of the buttons."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.coaccompaniment import LEVEL_LABELS, effective_access
from app.models.enums import CoRole, ShareAccess
from app.models.vocabularies.loader import load_vocabularies
from app.services.people import coaccompaniment
from app.services.people.coaccompaniment import MyPlace, ShareView
from app.services.people.identity import current_actor
from app.ui.kit import theme
from app.ui.kit.errors import show_error
from app.ui.kit.forms import DateField, FollowupDialog, Job
from app.ui.kit.widgets import Card, named
from app.ui.kit.worker import WorkerContext
from app.ui.shell.plugins import UiContext

ITEM_ROLE = Qt.ItemDataRole.UserRole
EMPTY = "Aucun autre professionnel n'accompagne la personne. Un CIP, un travailleur social, un conseiller France " \
    "Travail ou un partenaire peut être associé au dossier : « Ajouter un professionnel… »."  # fmt: skip


class ShareDialog(FollowupDialog):
    """« Associer un professionnel au dossier »: who (the directory), role, access asked, since when, why."""

    save_text = "Associer au dossier"
    saved_text = "Professionnel associé au dossier"

    def __init__(
        self, ctx: UiContext, person_id: str, people: list[tuple[str, str]], caps: dict[str, str],
        parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(ctx, "Associer un professionnel au dossier", parent)
        self.setMinimumWidth(680)
        self.person_id, self.caps = person_id, caps
        vocab = load_vocabularies()
        self.set_intro(
            "Le professionnel voit tout le dossier et son historique sur son poste à la prochaine "
            "synchronisation. Ce qu'il peut y écrire dépend de l'accès demandé et des règles du département "
            "pour son rôle ; le contrat, l'orientation et le référent restent de votre ressort."
        )
        self.who = QComboBox()
        self.who.setAccessibleName("Professionnel")
        self.who.addItem("Choisir dans l'annuaire…", "")
        for referent_id, label in people:
            self.who.addItem(label, referent_id)
        self.role = QComboBox()
        self.role.setAccessibleName("Rôle")
        for code in CoRole:
            self.role.addItem(vocab.label("co_roles", code), code.value)
        access = QWidget()
        row = QHBoxLayout(access)
        row.setContentsMargins(0, 0, 0, 0)
        self.group = QButtonGroup(self)
        self.read = QRadioButton(vocab.label("share_accesses", ShareAccess.READ))
        self.write = QRadioButton(vocab.label("share_accesses", ShareAccess.WRITE))
        for n, button in enumerate((self.read, self.write)):
            self.group.addButton(button, n)
            row.addWidget(button)
        row.addStretch(1)
        self.write.setChecked(True)
        self.cap = named(QLabel(wordWrap=True), "muted")
        self.start = DateField()
        self.start.setAccessibleName("Début du co-accompagnement")
        self.purpose = QLineEdit(placeholderText="Par exemple : appui à la recherche d'emploi")
        self.purpose.setAccessibleName("Objet du co-accompagnement")
        self.add_row("Professionnel", self.who, "referent_id")
        self.add_row("Rôle", self.role, "role")
        self.add_row("Accès demandé", access, "access")
        self.add_row("", self.cap)
        self.add_row("Depuis le", self.start, "start_date")
        self.add_row("Objet", self.purpose, "purpose")
        self.finish_layout()
        self.role.currentIndexChanged.connect(self._cap_text)
        self.group.idToggled.connect(self._cap_text)
        for signal in (self.who.currentIndexChanged, self.role.currentIndexChanged, self.purpose.textChanged):
            signal.connect(self.touched)
        self._cap_text()
        self.who.setFocus()

    def access(self) -> str:
        return ShareAccess.WRITE if self.write.isChecked() else ShareAccess.READ

    def _cap_text(self, *_: object) -> None:
        role = self.role.currentData()
        given = effective_access(self.access(), role, self.caps)
        label = LEVEL_LABELS[given]
        text = f"Avec les règles du département pour ce rôle : {label}."
        if given != self.access():
            text += " (L'accès demandé est plafonné par le département.)"
        self.cap.setText(text)

    def write_job(self) -> Job | None:
        pid, who, role, access = (
            self.person_id,
            self.who.currentData(),
            self.role.currentData(),
            self.access(),
        )
        start, purpose = self.start.value(), self.purpose.text()

        def job(w: WorkerContext) -> str:
            return coaccompaniment.add_co_accompaniment(
                w.db, pid, referent_id=who, role=role, access=access, start_date=start, purpose=purpose,
                added_by=current_actor(w.db),
            )  # fmt: skip

        return job

    def changed_ids(self) -> list[str | None]:
        return [self.person_id]


class EndShareDialog(FollowupDialog):
    """« Terminer le co-accompagnement »: the date; the consequence spelled out."""

    save_text = "Terminer le co-accompagnement"
    saved_text = "Co-accompagnement terminé"

    def __init__(self, ctx: UiContext, share: ShareView, parent: QWidget | None = None) -> None:
        super().__init__(ctx, f"Terminer le co-accompagnement — {share.name}", parent)
        self.share = share
        self.set_intro(
            f"<b>{escape(share.name)}</b> ({escape(share.role_label)}) n'aura plus accès au dossier : il quitte son "
            "poste à sa prochaine synchronisation. Ce qu'il y a écrit reste au dossier."
        )
        self.end = DateField()
        self.end.setAccessibleName("Fin du co-accompagnement")
        self.add_row("Fin le", self.end, "end_date")
        self.finish_layout()
        self.end.setFocus()

    def write_job(self) -> Job | None:
        sid, day = self.share.id, self.end.value()
        return lambda w: coaccompaniment.end_co_accompaniment(w.db, sid, end_date=day)

    def changed_ids(self) -> list[str | None]:
        return [self.share.person_id]


class CoAccompanimentCard(Card):
    """The « Co-accompagnement » block of the Synthèse (it loads itself at each ``reload()``)."""

    def __init__(self, ctx: UiContext, person_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.person_id = ctx, person_id
        self.dialog: QWidget | None = None
        self.place = MyPlace("")
        self.caps: dict[str, str] = {}
        self.people: list[tuple[str, str]] = []
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(named(QLabel("Co-accompagnement"), "h2"), 1)
        self.add_button = QPushButton(theme.icon("fa6s.user-plus"), "Ajouter un professionnel…")
        self.add_button.setToolTip(
            "Associer un CIP, un travailleur social, un conseiller France Travail ou un partenaire"
        )
        self.add_button.clicked.connect(self.add)
        self.end_button = QPushButton(theme.icon("fa6s.user-minus"), "Terminer…")
        self.end_button.setToolTip("Terminer le co-accompagnement sélectionné (l'accès au dossier cesse)")
        self.end_button.clicked.connect(self.end)
        top.addWidget(self.add_button)
        top.addWidget(self.end_button)
        layout.addLayout(top)
        self.banner = QLabel(wordWrap=True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.banner.hide()
        layout.addWidget(self.banner)
        self.empty = named(QLabel(EMPTY, wordWrap=True), "muted")
        layout.addWidget(self.empty)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Professionnel", "Rôle", "Accès", "Depuis", "Objet"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAccessibleName("Professionnels en co-accompagnement")
        self.tree.setMaximumHeight(130)
        self.tree.itemSelectionChanged.connect(self._selection)
        layout.addWidget(self.tree)

    def reload(self) -> None:
        pid = self.person_id

        def job(w: WorkerContext) -> tuple[list[ShareView], MyPlace, dict[str, str], list[tuple[str, str]]]:
            return (
                coaccompaniment.list_co_accompaniments(w.db, pid), coaccompaniment.my_place(w.db, pid),
                coaccompaniment.department_caps(w.db), coaccompaniment.directory(w.db, pid),
            )  # fmt: skip

        self.ctx.worker.submit(job, self._show, lambda e: show_error(self, e), owner=self)

    def _show(self, data: tuple[list[ShareView], MyPlace, dict[str, str], list[tuple[str, str]]]) -> None:
        shares, self.place, self.caps, self.people = data
        self.tree.clear()
        for v in shares:
            access = v.effective_label if v.effective == v.access else f"{v.effective_label} (plafonné)"
            since = theme.fmt_date(v.start_date) + (f" → {theme.fmt_date(v.end_date)}" if v.end_date else "")
            who = f"{v.name}" + (f" — {v.structure}" if v.structure else "")
            row = QTreeWidgetItem([who, v.role_label, access if v.active else "terminé", since, v.purpose])
            row.setIcon(0, theme.icon("fa6s.user-group" if v.active else "fa6s.user-slash",
                                      theme.ACCENT if v.active else theme.MUTED))  # fmt: skip
            row.setData(0, ITEM_ROLE, v)
            row.setToolTip(4, v.purpose)
            self.tree.addTopLevelItem(row)
        for col, width in ((0, 240), (1, 200), (2, 150), (3, 150)):
            self.tree.setColumnWidth(col, width)
        self.tree.setVisible(bool(shares))
        self.empty.setVisible(not shares)
        shared = self.place.kind == "partage"
        self.banner.setText(f"<b>{escape(self.place.banner)}</b>")
        self.banner.setVisible(shared)
        self.add_button.setVisible(not shared)
        self.end_button.setVisible(not shared)
        self._selection()

    def selected(self) -> ShareView | None:
        rows = self.tree.selectedItems()
        return rows[0].data(0, ITEM_ROLE) if rows else None

    def _selection(self) -> None:
        share = self.selected()
        self.end_button.setEnabled(share is not None and share.active)

    def _open(self, dialog: FollowupDialog) -> None:
        self.dialog = dialog
        dialog.accepted.connect(self.reload)
        dialog.open()

    def add(self) -> None:
        self._open(ShareDialog(self.ctx, self.person_id, self.people, self.caps, self))

    def end(self) -> None:
        share = self.selected()
        if share is not None and share.active:
            self._open(EndShareDialog(self.ctx, share, self))
