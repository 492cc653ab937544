"""Files written by a unit of work (an export, a PDF and its audit event): all or nothing, and removed when the
transaction then fails, so that no file leaves without the audit event that goes with it (ADR 0028)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models.files import Outputs

_OUTPUTS = "fil_rouge_outputs"


def session_outputs(session: Session) -> Outputs:
    """The files written by the session's unit of work (an export, a PDF with its audit event): written all
    or nothing (:mod:`app.models.files`), and removed if the transaction then fails, so that no file leaves
    without the audit event that goes with it."""
    outputs: Outputs = session.info.setdefault(_OUTPUTS, Outputs())
    return outputs


def discard_outputs(session: Session) -> None:
    outputs = session.info.pop(_OUTPUTS, None)
    if outputs is not None:
        outputs.discard()


def forget_outputs(session: Session) -> None:
    """The transaction is over: its files are the user's now."""
    session.info.pop(_OUTPUTS, None)
