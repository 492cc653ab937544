"""The base of every expected error, shared by the client and the server: a French message, never a traceback."""

from __future__ import annotations


class FilRougeError(Exception):
    """Base of every expected error. ``message`` is French and shown as is to the user."""

    default_message = "Une erreur inattendue s'est produite."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)
