"""The bulk write path writes exactly the ops the session hook would, in the same transaction."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.dialects import sqlite

from app.models.tables.base import fast_id, new_ids
from app.models.tables.followup import Note
from app.models.tables.local import AuditEvent, OutboxOp
from app.models.tables.people import Person
from app.services.errors import AppendOnlyViolation
from app.services.storage import vault as vault_service
from app.services.storage.bulk import _json_column, _process_column, bulk_insert, bulk_update


def _ops(v: vault_service.Vault) -> list[OutboxOp]:
    with v.db.read() as s:
        return list(s.scalars(select(OutboxOp).order_by(OutboxOp.device_seq)))


def test_bulk_insert_matches_orm_ops(vault: vault_service.Vault) -> None:
    with vault.db.session() as s:
        s.add(Person(last_name="Orm", first_name="Anaïs", regime="legacy", birth_date=date(1990, 1, 2)))
    with vault.db.session() as s:
        ids = bulk_insert(
            s,
            Person,
            [
                {
                    "last_name": f"Bulk{i}",
                    "first_name": "Zoé",
                    "regime": "legacy",
                    "birth_date": date(1991, 1, i + 1),
                }
                for i in range(3)
            ],
        )
    ops = _ops(vault)
    assert [o.device_seq for o in ops] == [1, 2, 3, 4]
    orm, bulk = ops[0], ops[1]
    assert set(orm.changed_fields) == set(bulk.changed_fields)
    assert bulk.kind == "insert" and bulk.row_id == ids[0]
    assert bulk.changed_fields["status"] == "active" and bulk.changed_fields["birth_date"] == "1991-01-01"
    with vault.db.read() as s:
        p = s.get(Person, ids[2])
        assert p is not None and p.origin_device == vault.device_id and p.revision == 0
        assert p.health_data_consent is False and p.caf_number == ""


def test_bulk_update_carries_only_changed_fields(vault: vault_service.Vault) -> None:
    with vault.db.session() as s:
        ids = bulk_insert(s, Person, [{"last_name": "A", "first_name": "B", "regime": "legacy"}] * 2)
    with vault.db.session() as s:
        assert (
            bulk_update(s, Person, {ids[0]: {"city": "Grenoble"}, ids[1]: {"city": "Voiron", "phone": "0"}})
            == 2
        )
    ops = _ops(vault)[2:]
    assert [(o.kind, o.changed_fields) for o in ops] == [
        ("update", {"city": "Grenoble"}),
        ("update", {"city": "Voiron", "phone": "0"}),
    ]
    with vault.db.read() as s:
        assert s.get(Person, ids[1]).city == "Voiron"  # type: ignore[union-attr]


def test_bulk_write_rolls_back_with_its_ops(vault: vault_service.Vault) -> None:
    with pytest.raises(RuntimeError), vault.db.session() as s:
        bulk_insert(s, Person, [{"last_name": "A", "first_name": "B", "regime": "legacy"}])
        raise RuntimeError("panne au milieu")
    with vault.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 0
        assert s.scalar(select(func.count()).select_from(OutboxOp)) == 0


def test_bulk_update_refuses_append_only(vault: vault_service.Vault) -> None:
    with pytest.raises(AppendOnlyViolation), vault.db.session() as s:
        bulk_update(s, Note, {"x": {"body": "y"}})


def test_new_ids_are_random_uuid4_text() -> None:
    ids = new_ids(5000) + [fast_id() for _ in range(5000)]
    assert len(set(ids)) == len(ids)
    for text_id in ids:
        parsed = uuid.UUID(text_id)
        assert str(parsed) == text_id and parsed.version == 4 and parsed.variant == uuid.RFC_4122
    assert new_ids(0) == []


def test_bulk_insert_ops_carry_the_same_values_as_orm_ops(vault: vault_service.Vault) -> None:
    """Value for value (dates as ISO text, defaults filled in), and the same JSON text apart from the time."""
    values = {
        "last_name": "Lefèvre",
        "first_name": "Zoé",
        "regime": "legacy",
        "birth_date": date(1990, 1, 2),
        "rsa_entry_date": date(2024, 6, 1),
        "nir": None,
    }
    with vault.db.session() as s:
        s.add(Person(**values))
    with vault.db.session() as s:
        bulk_insert(s, Person, [dict(values), dict(values)])
    ops = _ops(vault)
    orm, first, second = (dict(o.changed_fields) for o in ops)
    for payload in (orm, first, second):
        payload.pop("created_at")
    assert orm == first == second
    assert first["birth_date"] == "1990-01-02" and first["health_data_consent"] is False
    with vault.db.read() as s:
        raw = [r[0] for r in s.execute(text("SELECT changed_fields FROM outbox ORDER BY device_seq"))]
    times = [json.loads(r)["created_at"] for r in raw]
    assert [r.replace(t, "") for r, t in zip(raw, times, strict=True)] == [raw[0].replace(times[0], "")] * 3
    assert "Lef\\u00e8vre" in raw[1]  # json.dumps' own escaping, as the ORM path writes it


def test_bulk_insert_of_timestamps_keeps_each_value(vault: vault_service.Vault) -> None:
    """Timestamps are turned into text once per distinct value: different values stay different."""
    start = datetime(2026, 3, 1, 8, 30, 0, 123456)
    rows = [
        {"at": start + timedelta(seconds=i % 3), "actor": "import", "action": "change", "detail": str(i)}
        for i in range(7)
    ]
    with vault.db.session() as s:
        bulk_insert(s, AuditEvent, rows)
    with vault.db.read() as s:
        stored = {e.detail: e.at for e in s.scalars(select(AuditEvent))}
    assert stored == {str(i): start + timedelta(seconds=i % 3) for i in range(7)}
    payloads = [o.changed_fields for o in _ops(vault)]
    assert [p["at"] for p in payloads] == [(start + timedelta(seconds=i % 3)).isoformat() for i in range(7)]


def test_aware_datetimes_equal_across_zones_are_not_merged() -> None:
    process = sqlite.DATETIME().bind_processor(sqlite.dialect())
    utc = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    paris = utc.astimezone(timezone(timedelta(hours=1)))
    values = (utc, paris, None, utc)
    assert utc == paris
    assert _process_column(process, values, True) == [process(v) for v in values]
    assert _process_column(process, values, True)[0] != _process_column(process, values, True)[1]


def test_json_column_falls_back_to_the_type_processor_when_it_writes_otherwise() -> None:
    def compact(value: object) -> str | None:
        return None if value is None else json.dumps(value, separators=(",", ":"))

    values = ({"a": 1, "b": "é"}, None, {"c": [1, 2]})
    assert _json_column(compact, values) == [compact(v) for v in values]
    assert _json_column(json.dumps, values[:1]) == [json.dumps(values[0])]
