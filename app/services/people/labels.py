"""French labels of the caseload's codes (parcours, régime, contract state) as the lists show them."""

from __future__ import annotations

from typing import Any

from app.models.enums import ContractStatus, Regime, Track

TRACK_LABELS = {Track.EMPLOI: "Emploi", Track.SOCIO_PRO: "Socio-professionnel", Track.SOCIAL: "Social"}


TRACK_SHORT = {Track.EMPLOI: "Emploi", Track.SOCIO_PRO: "Socio-pro", Track.SOCIAL: "Social"}


#: A person of the legacy regime moves to the plein-emploi regime at her next contract, always a CE since
#: 1 January 2025 (CASF L.262-34; loi n° 2023-1196): the label says what comes next.
REGIME_LABELS = {
    Regime.LEGACY: "Ancien régime (CER) — prochain contrat : contrat d'engagement",
    Regime.PLEIN_EMPLOI: "Plein emploi (CE)",
}


REGIME_SHORT = {Regime.LEGACY: "Ancien régime", Regime.PLEIN_EMPLOI: "Plein emploi"}


CONTRACT_STATUS_LABELS = {
    ContractStatus.DRAFT: "Brouillon",
    ContractStatus.SIGNED: "Signé",
    ContractStatus.VALIDATED: "Validé",
    ContractStatus.REJECTED: "Rejeté",
    ContractStatus.ACTIVE: "En cours",
    ContractStatus.ENDED: "Terminé",
    ContractStatus.TERMINATED: "Résilié",
}


LIVE_CONTRACT = (ContractStatus.SIGNED, ContractStatus.VALIDATED, ContractStatus.ACTIVE)


def label(table: dict[Any, str], code: str | None) -> str:
    return table.get(code, code or "") if code else ""
