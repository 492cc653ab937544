"""Contracts (CER / contrat d'engagement), their versions, lifecycle events and signatures."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.tables.base import AppendOnly, Base, Synced


class Contract(Synced, Base):
    """A contract's identity and current state. Its content lives in append-only :class:`ContractVersion` rows."""

    __tablename__ = "contract"

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    number: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # enums.ContractKind
    regime: Mapped[str] = mapped_column(String(20))
    rules_version: Mapped[str] = mapped_column(String(40), default="")
    is_renewal: Mapped[bool] = mapped_column(Boolean, default=False)
    previous_contract_id: Mapped[str | None] = mapped_column(ForeignKey("contract.id"), nullable=True)
    amends_contract_id: Mapped[str | None] = mapped_column(ForeignKey("contract.id"), nullable=True)
    amendment_no: Mapped[int] = mapped_column(Integer, default=0)  # n of « Avenant n° n au contrat n° … »
    status: Mapped[str] = mapped_column(String(20), default="brouillon")  # enums.ContractStatus
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    duration_months: Mapped[int] = mapped_column(Integer, default=6)
    current_version: Mapped[int] = mapped_column(Integer, default=0)
    signed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    signed_place: Mapped[str] = mapped_column(String(200), default="")


class ContractVersion(AppendOnly, Base):
    """One saved state of a contract's content (objectives, plan d'action, commitments, follow-up...)."""

    __tablename__ = "contract_version"

    contract_id: Mapped[str] = mapped_column(ForeignKey("contract.id"), index=True)
    version_no: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(80), default="")
    saved_at: Mapped[datetime] = mapped_column(DateTime)
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ContractEvent(AppendOnly, Base):
    """A lifecycle transition (brouillon → signé → validé...), with who and when."""

    __tablename__ = "contract_event"

    contract_id: Mapped[str] = mapped_column(ForeignKey("contract.id"), index=True)
    from_status: Mapped[str] = mapped_column(String(20), default="")
    to_status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(DateTime)
    author: Mapped[str] = mapped_column(String(80), default="")
    comment: Mapped[str] = mapped_column(Text, default="")


class Signature(AppendOnly, Base):
    """A signature of the person or the référent: pad strokes as vector data, or paper with a scan."""

    __tablename__ = "signature"

    contract_id: Mapped[str] = mapped_column(ForeignKey("contract.id"), index=True)
    version_no: Mapped[int] = mapped_column(Integer)
    signer: Mapped[str] = mapped_column(String(20))  # enums.Signer
    signer_name: Mapped[str] = mapped_column(String(200), default="")
    method: Mapped[str] = mapped_column(String(10))  # enums.SignatureMethod
    strokes: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[[x, y], ...], ...] normalised 0..1
    document_id: Mapped[str | None] = mapped_column(ForeignKey("document.id"), nullable=True)
    signed_at: Mapped[datetime] = mapped_column(DateTime)
    place: Mapped[str] = mapped_column(String(200), default="")


class ContractSnapshot(AppendOnly, Base):
    """What a signed contract prints, frozen at signature (DOMAIN.md, « A signed contract is evidence »).

    ``document`` holds the whole printed content — parties, address, orientation, situation, plan, follow-up,
    signatures and the legal texts themselves — as JSON, with the versions of the rule table and of the texts
    it was made under. Every later print of the contract renders this, never today's data.
    """

    __tablename__ = "contract_snapshot"

    contract_id: Mapped[str] = mapped_column(ForeignKey("contract.id"), index=True)
    version_no: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(String(30), default="signature")  # signature | premiere_impression
    rules_version: Mapped[str] = mapped_column(String(40), default="")
    texts_version: Mapped[str] = mapped_column(String(40), default="")
    document: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
