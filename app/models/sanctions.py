"""When a sanction procedure is running (pure rules, shared by the screens, the purge hold and the server).

A procedure (CASF L.262-37, 2025 wording; décret n° 2025-478) runs from its manquement until a levée
(remobilisation), a decision « pas de sanction », the outcome of a RAPO or of a recours contentieux, or — after a
sanction decision — the end of its duration and of the two months in which a RAPO can be filed (CASF L.262-47).
A RAPO or a recours contentieux keeps it running until its outcome is recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from dateutil.relativedelta import relativedelta

from app.models.enums import SanctionDecision, SanctionStepKind

#: A decision can be contested by a RAPO within two months of its notification (CASF L.262-47).
RAPO_MONTHS = 2
CLOSING_STEPS = frozenset(
    {SanctionStepKind.REMOBILISATION, SanctionStepKind.RAPO_OUTCOME, SanctionStepKind.LITIGATION_OUTCOME}
)


class StepFacts(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def step_date(self) -> date: ...
    @property
    def decision(self) -> str | None: ...
    @property
    def duration_months(self) -> int | None: ...


def procedure_open(steps: Sequence[StepFacts], today: date) -> bool:
    """Whether the procedure made of ``steps`` (in order) is still running on ``today``."""
    if not steps:
        return False
    last = steps[-1]
    if last.kind in CLOSING_STEPS:
        return False
    if last.kind != SanctionStepKind.DECISION:
        return True
    if last.decision == SanctionDecision.NO_SANCTION:
        return False
    months = max(last.duration_months or 0, RAPO_MONTHS)
    return today < last.step_date + relativedelta(months=months)
