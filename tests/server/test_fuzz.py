"""Schemathesis fuzzes every route of the real app (its own OpenAPI schema) over a real database, SQLite and
PostgreSQL: valid and invalid data, with a valid device's headers (so bodies reach the engine) and without.
Any 500 fails. The budget is small (a few examples per route and mode, derandomised) to keep CI quick."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from server.admin.accounts import add_user
from server.api.app import create_app
from server.api.limits import Limits
from tests.server.api_devices import Dev, person

EXAMPLES = 8
NO_LIMITS = Limits(
    auth_failures_per_address=10**9, auth_failures_per_device=10**9, enrol_failures_per_address=10**9,
    enrol_failures_per_device=10**9,
)  # fmt: skip


def _fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str] | None) -> None:
    strategy = operation.as_strategy(generation_mode=mode, headers=headers)

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call()
        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path} → {response.status_code}: {response.text[:500]}"
        )

    with contextlib.suppress(Unsatisfiable):  # nothing to make invalid in a route (GET /info, fixed headers)
        run()


def test_no_route_answers_a_server_error(database_url: str) -> None:
    from fastapi.testclient import TestClient

    app = create_app(database_url, limits=NO_LIMITS)
    sdb = app.state.sdb
    add_user(sdb, "alice", "Alice Martin", "referent", "Nord")
    add_user(sdb, "chef", "Claire Chef", "team_leader", "Nord")
    api = TestClient(app)
    seed = Dev(api, sdb, "alice")
    assert seed.one("person", str(uuid.uuid4()), "insert", person(seed.referent_id))["st"] == "applied"
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 13  # every route is in the schema
    try:
        for operation in operations:
            device = Dev(api, sdb, "chef" if "indicators" in operation.path else "alice")  # a fresh one each
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _fuzz(operation, mode, device.headers)
            _fuzz(operation, GenerationMode.POSITIVE, None)
    finally:
        sdb.dispose()


@pytest.mark.parametrize("path", ["/api/v1/upload", "/api/v1/hello", "/api/v1/enroll"])
def test_fuzzed_ops_inside_an_upload(database_url: str, path: str) -> None:
    """The ops of a batch are free JSON in the schema: fuzz them with a strategy of op-shaped objects."""
    from fastapi.testclient import TestClient
    from hypothesis import strategies as st

    app = create_app(database_url, limits=NO_LIMITS)
    sdb = app.state.sdb
    add_user(sdb, "alice", "Alice Martin", "referent", "Nord")
    api = TestClient(app)
    dev = Dev(api, sdb, "alice")
    scalar = st.one_of(
        st.none(), st.booleans(), st.integers(min_value=-(2**64), max_value=2**64), st.text(max_size=40),
        st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(["2026-01-05", "2026-01-05T10:00:00+02:00"]),
    )  # fmt: skip
    values = st.recursive(
        scalar,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=6,
    )
    columns = st.sampled_from(["last_name", "birth_date", "referent_id", "person_id", "nir", "deleted_at",
                               "household_id", "sha256", "status", "version_no", "content", "id", "x"])  # fmt: skip
    op = st.fixed_dictionaries(
        {
            "i": st.one_of(st.uuids().map(str), st.text(max_size=40), st.integers()),
            "s": st.one_of(st.integers(min_value=-5, max_value=2**40), st.text(max_size=5)),
            "t": st.sampled_from(["person", "note", "referent", "document", "household", "appointment_event", "zz"]),
            "r": st.one_of(st.uuids().map(str), st.text(max_size=40)),
            "b": st.one_of(st.integers(min_value=-1, max_value=2**40), st.text(max_size=3)),
            "k": st.sampled_from(["insert", "append", "update", "delete", "purge", "x"]),
            "f": st.one_of(st.dictionaries(columns, values, max_size=5), values),
        }
    )  # fmt: skip
    body = {
        "/api/v1/upload": st.fixed_dictionaries({"ops": st.lists(op, max_size=6)}),
        "/api/v1/hello": st.dictionaries(st.sampled_from(["schema_version", "acked_seq", "cursor", "epoch", "app_version"]), values),
        "/api/v1/enroll": st.dictionaries(st.sampled_from(["code", "device_id", "name", "schema_version"]), values),
    }[path]  # fmt: skip

    @given(payload=body)
    @settings(max_examples=25, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def run(payload: Any) -> None:
        r = api.post(path, json=payload, headers=dev.headers)
        assert r.status_code < 500, (payload, r.status_code, r.text[:300])

    try:
        run()
    finally:
        sdb.dispose()
