"""The bulk write path writes exactly the ops the session hook would, in the same transaction."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.models import Note, OutboxOp, Person
from app.services import vault as vault_service
from app.services.db import bulk_insert, bulk_update
from app.services.errors import AppendOnlyViolation


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
