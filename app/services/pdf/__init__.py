"""PDF documents: the contract (CER / contrat d'engagement), the person's feuille de route, the optional seal.

Pure services: frozen dataclasses in, PDF bytes out. No database, no Qt.
"""

from __future__ import annotations

from app.services.pdf.base import AppointmentLine, PdfResourceError, fr_date
from app.services.pdf.contract import (
    ActionLine,
    ContractDocument,
    ContractDocumentError,
    OrientationBlock,
    PersonBlock,
    ReferentBlock,
    SignatureBlock,
    render_contract,
)
from app.services.pdf.roadmap import RoadmapAction, RoadmapDocument, RoadmapObjective, render_roadmap

__all__ = [
    "ActionLine",
    "AppointmentLine",
    "ContractDocument",
    "ContractDocumentError",
    "OrientationBlock",
    "PdfResourceError",
    "PersonBlock",
    "ReferentBlock",
    "RoadmapAction",
    "RoadmapDocument",
    "RoadmapObjective",
    "SignatureBlock",
    "fr_date",
    "render_contract",
    "render_roadmap",
]
