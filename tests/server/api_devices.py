"""Devices speaking the API directly (FastAPI's TestClient over a real database): enrolment, ops, calls."""

from __future__ import annotations

import uuid
import warnings
from typing import Any

from server.admin.accounts import new_enrolment_code

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SCHEMA = "0001"
T0 = "2026-01-05T10:00:00"


class Dev:
    """One enrolled device of ``login``: its token, référent id and device seq counter."""

    def __init__(self, api: TestClient, sdb: Any, login: str) -> None:
        self.api = api
        self.login = login
        self.id = str(uuid.uuid4())
        code = new_enrolment_code(sdb, login)
        r = api.post("/api/v1/enroll", json={"code": code, "device_id": self.id, "schema_version": SCHEMA})
        assert r.status_code == 200, r.text
        self.token = r.json()["token"]
        self.referent_id = r.json()["user"]["referent_id"]
        self.seq = 0

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "X-Device-Id": self.id, "X-Schema-Version": SCHEMA}

    def post(self, path: str, body: Any, schema: str = SCHEMA) -> Any:
        return self.api.post(
            f"/api/v1/{path}", json=body, headers={**self.headers, "X-Schema-Version": schema}
        )

    def get(self, path: str, **kw: Any) -> Any:
        return self.api.get(f"/api/v1/{path}", headers=self.headers, **kw)

    def op(self, table: str, row: str, kind: str, fields: dict[str, Any], base: int = 0) -> dict[str, Any]:
        self.seq += 1
        return {
            "i": str(uuid.uuid4()),
            "s": self.seq,
            "t": table,
            "r": row,
            "b": base,
            "k": kind,
            "f": fields,
        }

    def upload(self, *ops: dict[str, Any]) -> list[dict[str, Any]]:
        r = self.post("upload", {"ops": list(ops)})
        assert r.status_code == 200, r.text
        return list(r.json()["results"])

    def one(self, table: str, row: str, kind: str, fields: dict[str, Any], base: int = 0) -> dict[str, Any]:
        """Upload one op; its result."""
        return self.upload(self.op(table, row, kind, fields, base))[0]

    def download(self, cursor: int = 0) -> dict[str, Any]:
        r = self.post("download", {"cursor": cursor})
        assert r.status_code == 200, r.text
        return dict(r.json())

    def ids(self, table: str) -> set[str]:
        """Ids of ``table`` the device receives from a download from the start."""
        block = self.download()["rows"].get(table)
        if not block:
            return set()
        at = block["c"].index("id")
        return {r[at] for r in block["r"]}


def person(referent_id: str | None, **kw: Any) -> dict[str, Any]:
    return {
        "last_name": "Durand",
        "first_name": "Léa",
        "regime": "legacy",
        "birth_date": "1985-05-17",
        "referent_id": referent_id,
        "city": "Lille",
        "phone": "",
        "created_at": T0,
        **kw,
    }


def note(person_id: str, **kw: Any) -> dict[str, Any]:
    return {"person_id": person_id, "kind": "entretien", "body": "Entretien", "written_at": T0, **kw}
