"""Protocol facts shared by the API and the engine: the client schema range, batch limits, the schema check."""

from __future__ import annotations

from server.engine.errors import ProtocolError

#: Client schema versions (Alembic revisions of the vault) this server understands.
SCHEMA_MIN = "0001"
#: 0002: duplicate_review (server s0005); 0003: law of 2027 (s0006); 0004: convocations, reminders, sessions (s0007);
#: 0005: bilans, joint reviews, co-accompaniment (s0008); 0006: équipe pluridisciplinaire (s0009);
#: 0007: deadline store (device-local, nothing on the server)
SCHEMA_MAX = "0007"
MAX_BATCH_OPS = 500
MAX_BATCH_BYTES = 256 * 1024


def schema_ok(version: str) -> bool:
    return bool(version) and SCHEMA_MIN <= version <= SCHEMA_MAX


def schema_error(version: str) -> ProtocolError:
    return ProtocolError(
        "schema_mismatch",
        f"Version de données du poste ({version or 'inconnue'}) non prise en charge par le serveur "
        f"(versions acceptées : {SCHEMA_MIN} à {SCHEMA_MAX}). Mettez à jour l'application ou le serveur.",
        409,
    )


def check_schema(version: str) -> None:
    """ProtocolError 409 when the client's schema version is outside the server's range."""
    if not schema_ok(version):
        raise schema_error(version)
