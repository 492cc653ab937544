"""Text hygiene of every row written to the vault (ADR 0027): the one :func:`app.models.text.clean_text`, applied
to the text, one-line and JSON columns of every object a session flushes (:func:`clean_session_texts`, a
``before_flush`` hook of :class:`app.services.storage.db.Database`) and of every row the sync download writes in
SQL (:func:`clean_values`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, String, Text, inspect
from sqlalchemy.orm import Session

from app.models.tables.base import Synced
from app.models.text import clean_text

_TEXT_COLUMNS: dict[type, tuple[tuple[str, str], ...]] = {}


def _text_columns(cls: type) -> tuple[tuple[str, str], ...]:
    """(attribute, kind) of the text columns of a mapped class: ``line`` (String), ``text`` (Text), ``json``."""
    found = _TEXT_COLUMNS.get(cls)
    if found is None:
        out = []
        column: Any
        for column in inspect(cls).columns:
            if isinstance(column.type, Text):
                out.append((column.key, "text"))
            elif isinstance(column.type, String):
                out.append((column.key, "line"))
            elif isinstance(column.type, JSON):
                out.append((column.key, "json"))
        found = _TEXT_COLUMNS[cls] = tuple(out)
    return found


def _clean_json(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value, multiline=True)
    if isinstance(value, dict):
        return {_clean_json(k): _clean_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean_json(v) for v in value]
    return value


def _clean_value(kind: str, value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value, multiline=kind != "line")
    if kind == "json" and isinstance(value, dict | list):
        return _clean_json(value)
    return value


def clean_values(cls: type, values: dict[str, Any]) -> dict[str, Any]:
    """The same hygiene for a row given as a dict (the sync download writes rows in SQL): returns ``values``
    with its text, one-line and JSON columns cleaned."""
    for key, kind in _text_columns(cls):
        value = values.get(key)
        if value is not None:
            values[key] = _clean_value(kind, value)
    return values


def clean_session_texts(session: Session, _flush_context: Any, _instances: Any) -> None:
    """Text hygiene of every row written through a session (forms, use cases, conflict resolutions): the
    strings are NFC, without control or invisible formatting characters (:func:`app.models.text.clean_text`;
    one-line columns lose line breaks too). The services validate their fields with the same function, so
    this changes nothing they checked; it is the last line for anything else."""
    for obj in (*session.new, *session.dirty):
        if not isinstance(obj, Synced):
            continue
        for key, kind in _text_columns(type(obj)):
            value = getattr(obj, key)
            if value is None:
                continue
            clean = _clean_value(kind, value)
            if clean != value:
                setattr(obj, key, clean)
