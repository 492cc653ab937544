"""Retention purge: the preview lists exactly who is due and changes nothing; the purge removes every personal
string of the person from every table of the vault, leaves the others alone and is whole per person."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import LargeBinary, func, select, text

from app.models.enums import AuditAction, OpKind
from app.models.tables.base import Base
from app.models.tables.carnet import Attachment
from app.models.tables.local import AuditEvent, OutboxOp
from app.models.tables.people import Household, Person
from app.services.errors import NotFoundError
from app.services.privacy import retention
from tests.services.privacy_factory import DOC_A_BYTES, SECRETS_A, SHARED_BYTES, TODAY, build


@pytest.fixture
def caseload(vault):
    return build(vault)


def snapshot(db) -> dict[str, list[tuple]]:
    """Every row of every table (sorted): the whole content of the vault."""
    out = {}
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = conn.execute(select(table)).all()
            out[table.name] = sorted(tuple(map(repr, r)) for r in rows)
    return out


def all_text(db) -> str:
    """Every text, JSON and binary value of every table, as one string (for « does X remain anywhere »)."""
    parts: list[str] = []
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(select(table)).all():
                for value, col in zip(row, table.columns, strict=True):
                    if value is None:
                        continue
                    if isinstance(col.type, LargeBinary):
                        parts.append(bytes(value).decode("latin-1"))
                    else:
                        parts.append(
                            value
                            if isinstance(value, str)
                            else json.dumps(value, ensure_ascii=False, default=str)
                        )
        # the raw JSON text too (SQLite stores JSON as text, escapes included)
        for (name,) in conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'")):
            for row in conn.execute(text(f'SELECT * FROM "{name}"')):
                parts.extend(str(v) for v in row if isinstance(v, str))
    return "\n".join(parts)


def test_preview_lists_exactly_the_people_due_and_changes_nothing(vault, caseload):
    before = snapshot(vault.db)
    found = retention.preview(vault.db, today=TODAY)
    assert [c.person_id for c in found] == [caseload.full, caseload.just_over]
    a = found[0]
    assert a.name == "QUÉRANGAL Zéphyrine"
    assert a.source == "exit" and a.months == 35  # 24/11/2023 → 23/11/2026
    assert "accompagnement clos" in a.reason and "sortie" in a.reason
    assert found[1].months == 25
    assert snapshot(vault.db) == before


def test_retention_setting_moves_the_limit(vault, caseload):
    from app.services.storage import settings

    settings.set_value(vault.db, settings.RETENTION_MONTHS, 30)
    assert [c.person_id for c in retention.preview(vault.db, today=TODAY)] == [caseload.full]
    settings.set_value(vault.db, settings.RETENTION_MONTHS, 48)
    assert retention.preview(vault.db, today=TODAY) == []


def test_purge_removes_every_personal_string_and_keeps_the_others(vault, caseload):
    text_before = all_text(vault.db)
    for secret in SECRETS_A:
        assert secret in text_before, secret  # the check below can fail
    with vault.db.read() as s:
        others_before = {
            p.id: (p.last_name, p.first_name, p.deleted_at)
            for p in s.scalars(select(Person).where(Person.id != caseload.full))
        }
        ops_before = s.scalar(select(func.count()).select_from(OutboxOp))
    steps: list[tuple[int, int]] = []
    log = retention.purge(vault.db, [caseload.full], actor="chef", progress=lambda i, n: steps.append((i, n)))
    assert steps == [(1, 1)] and not log.cancelled
    purged = log.people[0]
    assert purged.rows["note"] == 2 and purged.rows["signature"] == 1 and purged.rows["household"] == 1
    assert purged.rows["appointment_event"] == 1 and purged.rows["contract_version"] == 1
    assert purged.files == 1  # the shared attestation still belongs to F

    remaining = all_text(vault.db)
    for secret in SECRETS_A:
        assert secret not in remaining, secret
    with vault.db.read() as s:
        person = s.get(Person, caseload.full)
        assert person.deleted_at is not None and person.nir is None and person.last_name == ""
        assert s.get(Attachment, hashlib.sha256(DOC_A_BYTES).hexdigest()) is None
        assert s.get(Attachment, hashlib.sha256(SHARED_BYTES).hexdigest()) is not None
        others_after = {
            p.id: (p.last_name, p.first_name, p.deleted_at)
            for p in s.scalars(select(Person).where(Person.id != caseload.full))
        }
        assert others_after == others_before
        ops = s.scalars(select(OutboxOp).where(OutboxOp.device_seq > 0).order_by(OutboxOp.device_seq)).all()
        new_ops = ops[ops_before:]
        assert [(o.kind, o.table_name) for o in new_ops] == [
            (OpKind.PURGE, "person"),
            (OpKind.APPEND, "audit_event"),
        ]
        assert new_ops[0].row_id == caseload.full
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.PURGE)).one()
        assert event.person_id == caseload.full and event.actor == "chef"
        detail = json.loads(event.detail)
        assert detail["lignes"]["note"] == 2 and detail["fichiers"] == 1
        # the earlier audit trail about A stays (who saw the file), without its personal detail
        kept = s.scalars(
            select(AuditEvent).where(AuditEvent.person_id == caseload.full, AuditEvent.action == "export")
        ).one()
        assert kept.deleted_at is None and kept.detail == ""
    entries = retention.purge_log(vault.db)
    assert [(e.person_id, e.actor, e.files) for e in entries] == [(caseload.full, "chef", 1)]
    assert entries[0].total_rows == purged.total_rows
    assert retention.preview(vault.db, today=TODAY)[0].person_id == caseload.just_over


def test_shared_household_is_kept_for_the_other_member(vault, caseload):
    log = retention.purge(vault.db, [caseload.just_over], actor="chef")
    assert "household" not in log.people[0].rows
    with vault.db.read() as s:
        mate = s.get(Person, caseload.household_mate)
        assert s.get(Household, mate.household_id).label == "Foyer Martin"


def test_cancel_between_people_leaves_whole_people_only(vault, caseload):
    calls = {"n": 0}

    def cancel() -> bool:
        calls["n"] += 1
        return calls["n"] > 1  # let the first person through, stop before the second

    log = retention.purge(vault.db, [caseload.full, caseload.just_over], actor="chef", cancel=cancel)
    assert log.cancelled and [p.person_id for p in log.people] == [caseload.full]
    with vault.db.read() as s:
        assert s.get(Person, caseload.full).deleted_at is not None
        e = s.get(Person, caseload.just_over)
        assert e.deleted_at is None and e.first_name == "Eugène"


def test_a_failing_person_leaves_that_person_untouched(vault, caseload):
    with pytest.raises(NotFoundError):
        retention.purge(vault.db, [caseload.full, "absent"], actor="chef")
    with vault.db.read() as s:
        assert s.get(Person, caseload.full).deleted_at is not None  # committed before the failure
    assert retention.purge_log(vault.db)[0].person_id == caseload.full
