"""Typed sync errors, each with a French message for the référent."""

from __future__ import annotations

from app.models.errors import FilRougeError

KEPT = "rien n'a été perdu, les modifications restent en attente."


class SyncError(FilRougeError):
    default_message = f"La synchronisation a échoué : {KEPT}"


class NotEnrolledError(SyncError):
    default_message = (
        "Ce poste n'est pas encore enrôlé : utilisez un code d'enrôlement fourni par l'administrateur."
    )


class InsecureServerError(SyncError):
    default_message = (
        "Adresse du serveur refusée : une connexion chiffrée (https://) est obligatoire, "
        "sauf pour un serveur local (localhost)."
    )


class NetworkError(SyncError):
    default_message = f"Le serveur est injoignable ou la connexion a été coupée : {KEPT}"


class ServerError(SyncError):
    def __init__(self, status: int, detail: str = "") -> None:
        msg = f"Le serveur a répondu de façon inattendue (HTTP {status}) : {KEPT}"
        if detail:
            msg = f"{msg} ({detail})"
        super().__init__(msg)
        self.status = status


class UnauthorizedError(SyncError):
    default_message = (
        "Le serveur ne reconnaît plus ce poste (jeton invalide) : demandez un nouvel enrôlement."
    )


class DeviceRevokedError(SyncError):
    default_message = "Ce poste a été révoqué par l'administrateur : les données locales vont être effacées."


class SchemaMismatchError(SyncError):
    default_message = (
        "La version de l'application n'est pas compatible avec celle du serveur : "
        "mettez à jour l'application. Rien n'a été envoyé ni perdu."
    )


class EnrolmentError(SyncError):
    default_message = "L'enrôlement a été refusé par le serveur."


#: Server error codes of a document transfer (chunk refused, blob not matching its SHA-256, …).
ATTACHMENT_ERRORS = frozenset(
    {
        "chunk_corrupt",
        "chunk_size",
        "attachment_corrupt",
        "size_mismatch",
        "bad_chunk",
        "bad_size",
        "not_found",
    }
)


class AttachmentTransferError(SyncError):
    default_message = f"Le transfert d'un document a échoué : {KEPT}"


class TlsError(NetworkError):
    """The server's certificate is not accepted here (message from :func:`~.transport.tls_message`)."""

    default_message = (
        "Connexion sécurisée refusée : le certificat présenté n'est pas reconnu par ce poste. "
        "Rien n'a été envoyé ni perdu."
    )


class ClientTooOldError(SyncError):
    """The server asks for a newer version of the application: nothing is sent, the outbox stays."""

    def __init__(self, required: str, current: str) -> None:
        super().__init__(
            f"Mise à jour nécessaire : le serveur départemental demande Fil rouge {required} ou plus récent "
            f"(ce poste a la version {current}). Rien n'a été envoyé : vos modifications restent enregistrées "
            "sur ce poste et partiront à la première synchronisation après la mise à jour."
        )
        self.required = required
