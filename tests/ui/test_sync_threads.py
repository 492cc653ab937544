"""A sync in progress never blocks the window's database work (ADR 0015): a real server on 127.0.0.1 holds its
answer in the middle of a sync while a note is saved through the database worker, and a revoked device's
wipe warning waits for « Compris » without holding the worker."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from app.services.casefile import notes as notes_mod
from app.services.sync import view as sync_view
from app.ui.person.documents.tab import DocumentsTab
from server.admin.accounts import set_device_status
from tests.sync.harness import Server, ThreadedServer, make_server
from tests.ui.kit import idle, shot
from tests.ui.test_sync_page import WAIT, add_person, enrol, make_page


class Gate:
    """ASGI wrapper in front of the real server: holds every request to one endpoint until released."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.endpoint = ""
        self.reached = threading.Event()
        self.release = threading.Event()

    def hold(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.reached.clear()
        self.release.clear()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and self.endpoint and scope["path"].endswith(f"/{self.endpoint}"):
            self.reached.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def gated(tmp_path_factory) -> Iterator[tuple[Server, str, Gate]]:
    srv = make_server(f"sqlite:///{tmp_path_factory.mktemp('srv') / 'server.db'}")
    gate = Gate(srv.app)
    with ThreadedServer(gate) as running:
        yield srv, running.url, gate
        gate.release.set()
    srv.sdb.dispose()


@pytest.fixture
def user(gated, request) -> Iterator[str]:
    name = request.node.name.replace("test_", "")[:20]
    gated[0].add_user(name)
    yield name
    gate = gated[2]
    gate.endpoint = ""  # whatever happened, the next test finds the server answering
    gate.release.set()


def test_a_sync_in_progress_never_blocks_a_save(qtbot, ctx, vault, gated, user) -> None:
    srv, url, gate = gated
    page = make_page(qtbot, ctx)
    enrol(qtbot, page, (srv, url), user)
    pid = add_person(vault, "Lambert")
    tab = DocumentsTab(ctx, pid)
    qtbot.addWidget(tab)
    tab.resize(1100, 650)
    tab.show()
    idle(qtbot, ctx)

    gate.hold("download")  # the server will sit on its answer to the first feed page
    page.sync_button.click()
    qtbot.waitUntil(gate.reached.is_set, timeout=WAIT)
    assert page.controller.running and not page.cancel_button.isHidden()
    shot(page, "sync_in_progress", small_screen=True)

    tab.new_note()  # meanwhile, in the window: a note written and saved through the database worker
    tab.dialog.body.setPlainText("Entretien pendant la synchronisation : projet de formation.")
    tab.dialog.save_button.click()
    qtbot.waitUntil(lambda: pid in ctx.changes, timeout=WAIT)  # saved: the page was told
    assert not gate.release.is_set() and page.controller.running  # …while the server still holds the sync
    assert ctx.worker.pending == 0  # nothing queued behind the sync
    assert [n.body for n in notes_mod.list_notes(vault.db, pid)] == [
        "Entretien pendant la synchronisation : projet de formation."
    ]

    gate.release.set()
    idle(qtbot, page)
    report = page.last_report
    assert report.state == "ok" and report.uploaded >= 2  # the person and her référent, sent before
    # the note (an « entretien », which also dates the person's last contact) was saved after the upload: its
    # two ops wait for the next round
    assert report.pending == 2
    page.sync_button.click()
    idle(qtbot, page)
    assert page.last_report.state == "ok" and page.last_report.uploaded == 2
    assert page.overview.pending == 0


def test_the_wipe_warning_waits_without_holding_the_worker(qtbot, ctx, vault, gated, user) -> None:
    srv, url, _gate = gated
    page = make_page(qtbot, ctx)
    enrol(qtbot, page, (srv, url), user)
    add_person(vault, "Roux")
    set_device_status(srv.sdb, vault.device_id, "revoked")
    page.sync_button.click()
    qtbot.waitUntil(lambda: page.wipe_box is not None and page.wipe_box.isVisible(), timeout=WAIT)
    answered: list[int] = []
    ctx.worker.submit(lambda w: sync_view.overview(w.vault).pending, answered.append)
    qtbot.waitUntil(lambda: bool(answered), timeout=WAIT)  # the worker answers while « Compris » waits
    assert answered[0] > 0 and page.controller.running and vault.db.get_state("wiped") == ""
    page.wipe_box.buttons()[0].click()
    idle(qtbot, page)
    assert page.last_report.state == "revoked" and sync_view.overview(vault).pending == 0
