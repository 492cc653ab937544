"""Property: random interleavings of edits, syncs and faults on several devices converge, with zero lost and
zero duplicated ops."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import keyring
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import func, select

from app.models.tables.followup import Note
from server.engine.check import global_status
from server.store.tables import applied_ops
from tests.conftest import MemoryKeyring
from tests.sync.harness import Device, Server, make_device, make_server

CITIES = ["Lille", "Roubaix", "Douai", "Lens"]


class SyncMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory(prefix="fr-prop-")
        self.previous = keyring.get_keyring()
        keyring.set_keyring(MemoryKeyring())
        self.server: Server = make_server(f"sqlite:///{Path(self.tmp.name) / 'srv.db'}")
        self.server.add_user("alice")
        self.devices: list[Device] = []
        self.persons: list[str] = []
        self.ops_made: dict[str, int] = {}
        self.notes = 0

    @initialize(n=st.integers(2, 3))
    def make_devices(self, n: int) -> None:
        data = Path(self.tmp.name) / "data"
        for i in range(n):
            d = make_device(self.server, data, f"d{i}", "alice")
            self.devices.append(d)
            self.ops_made[d.vault.device_id] = 0
        pid = self.devices[0].add_person(city="Lille")
        self.ops_made[self.devices[0].vault.device_id] += 1
        self.devices[0].sync()
        self.persons.append(pid)

    def _dev(self, i: int) -> Device:
        return self.devices[i % len(self.devices)]

    @precondition(lambda self: self.devices)
    @rule(i=st.integers(0, 2), city=st.sampled_from(CITIES), phone=st.booleans())
    def edit(self, i: int, city: str, phone: bool) -> None:
        d = self._dev(i)
        known = [p for p in self.persons if p in d.persons()]
        if not known:
            return
        fields: dict[str, Any] = {"phone": f"06{len(city):08d}"} if phone else {"city": city}
        before = self._seq(d)
        d.edit_person(known[0], **fields)  # setting the same value makes no op
        self.ops_made[d.vault.device_id] += self._seq(d) - before

    @staticmethod
    def _seq(d: Device) -> int:
        return int(d.vault.db.get_state("next_device_seq", "1"))

    @precondition(lambda self: self.devices)
    @rule(i=st.integers(0, 2))
    def note(self, i: int) -> None:
        d = self._dev(i)
        known = [p for p in self.persons if p in d.persons()]
        if known:
            d.add_note(known[0])
            self.ops_made[d.vault.device_id] += 1
            self.notes += 1

    @precondition(lambda self: self.devices)
    @rule(
        i=st.integers(0, 2),
        fault=st.sampled_from([None, None, "drop_answer", "drop_request", "http_502"]),
        where=st.sampled_from(["upload", "download", "hello", "check"]),
    )
    def sync(self, i: int, fault: str | None, where: str) -> None:
        d = self._dev(i)
        if fault:
            d.transport.plan[where] = [fault]
        d.sync()
        d.transport.plan.clear()

    @invariant()
    def outbox_never_negative(self) -> None:
        for d in self.devices:
            assert d.client.local(d.client.pending_count) >= 0

    def teardown(self) -> None:
        try:
            if self.devices:
                for _ in range(2):
                    for d in self.devices:
                        r = d.sync()
                        assert r.state == "ok", r.message
                srv = global_status(self.server.sdb)["tables"]
                with self.server.sdb.read() as c:
                    for dev_id, made in self.ops_made.items():
                        applied = c.execute(
                            select(func.count())
                            .select_from(applied_ops)
                            .where(applied_ops.c.device_id == dev_id)
                        ).scalar_one()
                        assert applied == made, "ops lost or duplicated"
                assert srv["note"]["count"] == self.notes
                first = self.devices[0].persons()
                for d in self.devices:
                    st_ = d.client.status()
                    assert st_["pending_ops"] == 0
                    assert d.persons() == first
                    assert d.count(Note) == self.notes
                    for name, t in st_["tables"].items():
                        assert t["hash"] == srv[name]["hash"], name
        finally:
            for d in self.devices:
                d.client.close()
                d.vault.close()
            self.server.sdb.dispose()
            keyring.set_keyring(self.previous)
            self.tmp.cleanup()


SyncMachine.TestCase.settings = settings(
    max_examples=5, stateful_step_count=12, deadline=None, suppress_health_check=list(HealthCheck)
)
TestSync = SyncMachine.TestCase
