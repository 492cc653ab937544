"""Typed errors of the orientation-list import. Messages are French and shown as they are."""

from __future__ import annotations

from app.models.errors import FilRougeError


class ImportFileError(FilRougeError):
    """The file as a whole cannot be imported (not a CSV, unknown encoding, missing columns, no data...)."""

    default_message = (
        "Ce fichier ne peut pas être importé : ce n'est pas une liste d'orientation au format CSV."
    )


class ImportCancelled(FilRougeError):
    """The user cancelled: the transaction was rolled back, nothing was saved."""

    default_message = "Import annulé : rien n'a été enregistré."


class ImportRowError(FilRougeError):
    """One row is rejected; ``message`` is the reason without the line number (the report adds it)."""

    default_message = "Ligne invalide."
