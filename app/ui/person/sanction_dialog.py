"""The steps of a sanction procedure (CASF L.262-37 in its 2025 wording; décret n° 2025-478): the procedure's
steps in order, then one new dated step. A « décision » step records what the président du conseil
départemental decided — suspension or suppression with its share and duration, a proposed radiation, or no
sanction — and an « issue du RAPO » its outcome. There is never an amount field: the département computes it."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from app.models.enums import SanctionDecision, SanctionStepKind
from app.models.law import (
    SANCTION_FIRST_MAX_MONTHS,
    SANCTION_HOUSEHOLD_CAP,
    SANCTION_MAX_MONTHS,
    SANCTION_MAX_RATE,
    SANCTION_MIN_RATE,
)
from app.models.vocabularies.loader import load_vocabularies
from app.services.casefile import sanctions
from app.services.people.followup import FollowupContext, SanctionProcedure, SanctionStepItem
from app.ui.kit import theme
from app.ui.kit.forms import DateField, FollowupDialog, Job
from app.ui.kit.widgets import named
from app.ui.shell.plugins import UiContext

_K = SanctionStepKind
#: Every step kind, in the order of a procedure.
STEP_ORDER = [k.value for k in SanctionStepKind]
#: The steps every procedure goes through (recourses only when the person contests).
MAIN_STEPS = [_K.BREACH, _K.LETTER, _K.EP_OPINION, _K.DECISION, _K.REMOBILISATION]
_SANCTIONS = {SanctionDecision.SUSPENSION, SanctionDecision.SUPPRESSION}


def decision_summary(step: SanctionStepItem) -> str:
    """« Suspension · 50 % · 2 mois » for a decision step, the outcome for an « issue du RAPO »."""
    vocab = load_vocabularies()
    parts: list[str] = []
    if step.decision:
        parts.append(vocab.label("sanction_decisions", step.decision))
        if step.rate_percent is not None:
            parts.append(f"{step.rate_percent} %")
        if step.duration_months is not None:
            parts.append(f"{step.duration_months} mois")
        if step.household_cap:
            parts.append("foyer : 50 % au plus")
    if step.outcome:
        parts.append(vocab.label("rapo_outcomes", step.outcome))
    return " · ".join(parts)


def _had_sanction(procedures: list[SanctionProcedure], current: str | None) -> bool:
    """An earlier procedure already ended in a suspension or suppression (this one is not a first breach)."""
    return any(
        st.kind == _K.DECISION and st.decision in _SANCTIONS
        for p in procedures
        if p.id != current
        for st in p.steps
    )


class SanctionDialog(FollowupDialog):
    """A dated step of a suspension-remobilisation procedure; the procedure's steps shown in order."""

    save_text = "Enregistrer l'étape"

    def __init__(
        self, ctx: UiContext, person: FollowupContext, procedures: list[SanctionProcedure],
        parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(ctx, f"Procédure de suspension-remobilisation — {person.name}", parent)
        self.person, self.procedures = person, procedures
        self.vocab = load_vocabularies()
        self.setMinimumWidth(680)
        self.set_intro(
            "L'application enregistre les faits et les étapes de la procédure (article L. 262-37 du code de "
            "l'action sociale et des familles ; décret n° 2025-478 du 30 mai 2025). <b>Elle ne calcule aucun "
            "montant</b> : la décision et son montant relèvent du président du conseil départemental. "
            "La personne reste dans votre file active."
        )
        self.steps = QTreeWidget()
        self.steps.setHeaderLabels(["Étape", "Date", "Précisions"])
        self.steps.setRootIsDecorated(False)
        self.steps.setFixedHeight(150)
        self.steps.setColumnWidth(0, 370)
        self.steps.setColumnWidth(1, 86)
        self.steps.setAccessibleName("Étapes de la procédure, dans l'ordre")
        self.procedure = QComboBox()
        self.procedure.setAccessibleName("Procédure")
        self.kind = QComboBox()
        self.kind.setAccessibleName("Étape")
        self.step_date = DateField()
        self.step_date.setAccessibleName("Date de l'étape")
        self._build_decision()
        self.detail = QPlainTextEdit(
            placeholderText="Ex. : RDV du 02/11 non honoré sans motif ; courrier envoyé…"
        )
        self.detail.setTabChangesFocus(True)
        self.detail.setAccessibleName("Précisions")
        self.detail.setFixedHeight(64)
        self.add_row("Procédure", self.procedure, "procedure_id")
        self.form.addRow(self.steps)
        self.add_row("Étape", self.kind, "kind")
        self.add_row("Date", self.step_date, "step_date")
        self.add_row("Décision", self.decision, "decision")
        self.add_row("Quotité", self.rate, "rate_percent")
        self.add_row("", self.household)
        self.add_row("Durée", self.months, "duration_months")
        self.form.addRow("", self.bounds)
        self.add_row("Issue du recours", self.outcome, "outcome")
        self.add_row("Précisions", self.detail, "detail")
        self.finish_layout()
        open_ones = [p for p in procedures if not p.closed]
        for p in procedures:
            state = "close" if p.closed else "en cours"
            self.procedure.addItem(f"Procédure ouverte le {theme.fmt_date(p.started)} ({state})", p.id)
        self.procedure.addItem("Nouvelle procédure (constat d'un manquement)", "")
        current = open_ones[-1].id if open_ones else ""
        self.procedure.setCurrentIndex(self.procedure.findData(current))
        self.procedure.currentIndexChanged.connect(self._procedure_changed)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._procedure_changed()
        for signal in (self.detail.textChanged, self.decision.currentIndexChanged, self.rate.valueChanged,
                       self.months.valueChanged, self.household.toggled, self.outcome.currentIndexChanged):  # fmt: skip
            signal.connect(self.touched)

    def _build_decision(self) -> None:
        self.decision = QComboBox()
        self.decision.setAccessibleName("Décision du président du conseil départemental")
        self.decision.addItem("Choisir la décision prise…", "")
        for entry in self.vocab.choices("sanction_decisions"):
            self.decision.addItem(entry.label, entry.code)
        self.rate = QSpinBox()
        self.rate.setSuffix(" %")
        self.rate.setAccessibleName("Quotité suspendue ou supprimée, en pour cent")
        self.rate.setToolTip("Part du montant du RSA suspendue ou supprimée, telle que décidée")
        self.household = QCheckBox("Foyer de plus d'une personne ou majoration (50 % au plus)")
        self.months = QSpinBox()
        self.months.setSuffix(" mois")
        self.months.setAccessibleName("Durée décidée, en mois")
        self.bounds = named(QLabel(wordWrap=True), "muted")
        self.bounds.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.outcome = QComboBox()
        self.outcome.setAccessibleName("Issue du recours administratif préalable")
        self.outcome.addItem("Choisir l'issue…", "")
        for entry in self.vocab.choices("rapo_outcomes"):
            self.outcome.addItem(entry.label, entry.code)
        self.decision.currentIndexChanged.connect(self._decision_changed)
        self.household.toggled.connect(self._decision_changed)

    def current_procedure(self) -> SanctionProcedure | None:
        pid = self.procedure.currentData()
        return next((p for p in self.procedures if p.id == pid), None)

    def _procedure_changed(self, *_: object) -> None:
        proc = self.current_procedure()
        self.steps.clear()
        done = {st.kind for st in proc.steps} if proc else set()
        for st in proc.steps if proc else ():
            detail = " — ".join(t for t in (decision_summary(st), st.detail) if t)
            item = QTreeWidgetItem(
                [self.vocab.label("sanction_steps", st.kind), theme.fmt_date(st.step_date), detail]
            )
            item.setIcon(0, theme.icon("fa6s.circle-check", theme.OK))
            item.setToolTip(0, item.text(0))
            item.setToolTip(2, detail)
            self.steps.addTopLevelItem(item)
        closed = proc is not None and proc.closed
        for code in MAIN_STEPS if proc and not closed else ():
            if code not in done:  # the steps still to come, in the order of the procedure
                item = QTreeWidgetItem([self.vocab.label("sanction_steps", code), "—", "À venir"])
                item.setIcon(0, theme.icon("fa6s.circle"))
                item.setToolTip(0, item.text(0))
                item.setDisabled(True)
                self.steps.addTopLevelItem(item)
        self.steps.setVisible(proc is not None)
        self.kind.clear()
        for step in STEP_ORDER if proc else [_K.BREACH.value]:
            self.kind.addItem(self.vocab.label("sanction_steps", step), step)
        following = next((c for c in MAIN_STEPS if c not in done), _K.RAPO) if proc else _K.BREACH
        self.kind.setCurrentIndex(max(0, self.kind.findData(str(following))))
        self._kind_changed()

    def _kind_changed(self, *_: object) -> None:
        kind = self.kind.currentData()
        self.show_row(self.decision, kind == _K.DECISION)
        self.show_row(self.outcome, kind == _K.RAPO_OUTCOME)
        self._decision_changed()

    def _decision_changed(self, *_: object) -> None:
        for key in ("decision", "rate_percent", "duration_months"):  # they answered the previous choice
            self.errors[key].hide()
        sanction = self.kind.currentData() == _K.DECISION and self.decision.currentData() in _SANCTIONS
        for widget in (self.rate, self.household, self.months, self.bounds):
            self.show_row(widget, sanction)
        if not sanction:
            self.fit_height()
            return
        cap = SANCTION_HOUSEHOLD_CAP if self.household.isChecked() else SANCTION_MAX_RATE
        first = not _had_sanction(self.procedures, self.procedure.currentData() or None)
        suspension = self.decision.currentData() == SanctionDecision.SUSPENSION
        longest = SANCTION_FIRST_MAX_MONTHS if first and suspension else SANCTION_MAX_MONTHS
        self.rate.setRange(SANCTION_MIN_RATE, cap)
        self.months.setRange(1, longest)
        when = "premier manquement : " if longest == SANCTION_FIRST_MAX_MONTHS else ""
        self.bounds.setText(
            f"Quotité de {SANCTION_MIN_RATE} à {cap} % ; durée de 1 à {longest} mois ({when}décret n° 2025-478)."
        )
        self.fit_height()

    def write_job(self) -> Job:
        pid, proc = self.person.person_id, self.procedure.currentData() or None
        kind, day, detail = self.kind.currentData(), self.step_date.value(), self.detail.toPlainText()
        decision = None
        if kind == _K.DECISION:
            code = self.decision.currentData() or ""
            sanction = code in _SANCTIONS
            decision = sanctions.Decision(
                code,
                rate_percent=self.rate.value() if sanction else None,
                duration_months=self.months.value() if sanction else None,
                household_cap=sanction and self.household.isChecked(),
            )
        outcome = self.outcome.currentData() or None if kind == _K.RAPO_OUTCOME else None
        return lambda w: sanctions.add_sanction_step(
            w.db,
            pid,
            kind=kind,
            step_date=day,
            procedure_id=proc,
            detail=detail,
            decision=decision,
            outcome=outcome,
        )

    def changed_ids(self) -> list[str | None]:
        return [self.person.person_id]
