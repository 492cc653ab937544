from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sync.harness import Server, make_server


@pytest.fixture
def server(tmp_path: Path, memory_keyring: object) -> Iterator[Server]:
    srv = make_server(f"sqlite:///{tmp_path / 'server.db'}")
    srv.add_user("alice", team="Nord")
    srv.add_user("bob", team="Nord")
    srv.add_user("chef", "team_leader", "Nord")  # may reassign alice's and bob's people
    try:
        yield srv
    finally:
        srv.sdb.dispose()
