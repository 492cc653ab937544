"""Domain models: SQLAlchemy tables, pure domain types and rules. No Qt, no I/O beyond the session."""

from app.models.base import Base, Synced, synced_tables
from app.models.carnet import Action, Attachment, DiagnosticVersion, Document, Objective, Prescription
from app.models.contracts import Contract, ContractEvent, ContractVersion, Signature
from app.models.followup import Appointment, AppointmentEvent, Note, SanctionStep
from app.models.local import AuditEvent, Conflict, LocalSetting, OutboxOp, SyncState
from app.models.people import (
    ExitRecord,
    Household,
    Orientation,
    Parcours,
    Person,
    Referent,
    ReferentAssignment,
)

__all__ = [
    "Action",
    "Appointment",
    "AppointmentEvent",
    "Attachment",
    "AuditEvent",
    "Base",
    "Conflict",
    "Contract",
    "ContractEvent",
    "ContractVersion",
    "DiagnosticVersion",
    "Document",
    "ExitRecord",
    "Household",
    "LocalSetting",
    "Note",
    "Objective",
    "Orientation",
    "OutboxOp",
    "Parcours",
    "Person",
    "Prescription",
    "Referent",
    "ReferentAssignment",
    "SanctionStep",
    "Signature",
    "SyncState",
    "Synced",
    "synced_tables",
]
