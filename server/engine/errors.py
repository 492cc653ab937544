"""The one error type of the server engine: a refusal with a stable code, a French message and an HTTP status."""

from __future__ import annotations


class ProtocolError(Exception):
    """A request the server refuses (bad input, unknown device, out of scope…); ``message`` is French."""

    def __init__(self, code: str, message: str, status: int = 400, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.retry_after = retry_after  # seconds, for a 429 (too many tries)
