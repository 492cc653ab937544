"""Request bodies of the API as pydantic models: every field bounded, unknown fields refused.

An upload's ops are validated one by one by the engine (:mod:`server.engine.validate`), so that one malformed op
is an error for that op only and never blocks the rest of a device's outbox.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from server.engine.protocol import MAX_BATCH_OPS
from server.store.tables import BUSINESS

#: Largest sequence number, cursor or revision (PostgreSQL ``integer``).
MAX_INT = 2**31 - 1
TABLE_NAMES = sorted(BUSINESS)


def _no_nul(text: str) -> str:
    if "\x00" in text:
        raise ValueError("caractère nul refusé")
    return text


#: A string without NUL (PostgreSQL refuses it in text): every string of a request body is one.
Clean = Annotated[str, AfterValidator(_no_nul)]


def _known_table(name: str) -> str:
    if name not in BUSINESS:
        raise ValueError("table inconnue")
    return name


TableName = Annotated[
    str, Field(max_length=60, json_schema_extra={"enum": TABLE_NAMES}), AfterValidator(_known_table)
]
RowId = Annotated[Clean, Field(min_length=1, max_length=36)]
Seq = Annotated[int, Field(ge=0, le=MAX_INT)]
#: A repair asks for at most this many rows of one table at a time (the engine answers the first 5,000).
RowIds = Annotated[list[RowId], Field(max_length=50_000)]


class Body(BaseModel):
    """Base of every request body: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid")


class EnrolRequest(Body):
    code: Clean = Field(min_length=1, max_length=40, description="Code d'enrôlement à usage unique")
    device_id: Clean = Field(
        min_length=1, max_length=36, description="Identifiant (UUID) choisi par le poste"
    )
    name: Clean = Field(default="", max_length=200)
    app_version: Clean = Field(default="", max_length=40)
    schema_version: Clean = Field(default="", max_length=40)


class HelloRequest(Body):
    app_version: Clean = Field(default="", max_length=40)
    schema_version: Clean = Field(default="", max_length=40)
    acked_seq: int = Field(
        default=0, ge=0, le=MAX_INT - 1, description="Dernier numéro d'ordre acquitté par le serveur"
    )
    cursor: Seq = Field(default=0, description="Position du poste dans le flux du serveur")
    epoch: Clean | None = Field(default=None, max_length=64)


class UploadRequest(Body):
    ops: list[dict[str, Any]] = Field(
        max_length=MAX_BATCH_OPS,
        description=(
            "Opérations {i, s, t, r, b, k, f} dans l'ordre de device_seq ; chacune est validée à part "
            "(une opération mal formée reçoit une erreur, les autres sont appliquées)."
        ),
    )


class EscalateRequest(Body):
    ops: list[Annotated[Clean, Field(min_length=1, max_length=36)]] = Field(
        max_length=MAX_BATCH_OPS,
        description="Identifiants des opérations refusées à transmettre au responsable",
    )


class DownloadRequest(Body):
    cursor: Seq = 0
    limit: int = Field(default=2000, ge=1, le=5000)


class EmptyRequest(Body):
    """A body with nothing in it (``{}``)."""


class IndexRequest(Body):
    tables: list[TableName] = Field(default_factory=list, max_length=len(BUSINESS))


class RowsRequest(Body):
    rows: dict[TableName, RowIds] = Field(default_factory=dict, max_length=len(BUSINESS))
