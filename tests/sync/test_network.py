"""Office networks (issue #14 point 7, ADR 0016): TLS through the system store with a département's own
authority, the system proxy, an inspection proxy named in a French message, bounded retries with backoff,
and a server asking for a newer application. Real TLS server, real proxy, real vaults; the « system store » is
a test CA bundle (``SSL_CERT_FILE``/``SSL_CERT_DIR``, read by OpenSSL as the system's)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.services.storage import vault as vault_service
from app.services.sync.base import STAGE_RETRY, check_client_version, version_key
from app.services.sync.client import SyncClient
from app.services.sync.errors import ClientTooOldError, NetworkError, TlsError
from app.services.sync.transport import system_proxy
from server.store.tables import row_feed
from tests.sync.harness import FaultyTransport, Server, ThreadedServer, make_device
from tests.sync.network import SERVER_HOST, Proxy, issue, make_authority

DEPARTMENT_CA = ("CA Département Test", "Département de test")
INSPECTION_CA = ("Inspection TLS Test CA", "Exemple Sécurité SA")


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("pki")
    dept, inspection = make_authority(*DEPARTMENT_CA), make_authority(*INSPECTION_CA)
    bundle = folder / "ca-bundle.pem"
    bundle.write_bytes(dept.pem())
    empty = folder / "certs"
    empty.mkdir()
    return {
        "server": issue(dept, folder, "server"),
        "inspection": issue(inspection, folder, "inspection"),
        "bundle": bundle,
        "empty_dir": empty,
    }


@pytest.fixture
def system_store(pki: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Path:
    """This computer's certificate store holds the département's authority, and only it."""
    monkeypatch.setenv("SSL_CERT_FILE", str(pki["bundle"]))
    monkeypatch.setenv("SSL_CERT_DIR", str(pki["empty_dir"]))
    return Path(pki["bundle"])


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY",
                 "no_proxy", "NO_PROXY"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def tls_server(server: Server, pki: dict[str, Any]) -> Iterator[ThreadedServer]:
    with ThreadedServer(server.app, tls=pki["server"]) as running:
        yield running


def enrolled(server: Server, data_dir: Path, url: str, name: str = "a") -> SyncClient:
    vault = vault_service.create_vault(data_dir, name, mode=vault_service.MODE_KEYRING)
    client = SyncClient(vault, url, retry_delays=())
    client.enroll(server.code("alice"), name)
    return client


def add_person(client: SyncClient, last: str = "Durand") -> None:
    from app.services.people import identity as people
    from app.services.people.identity import PersonInput

    people.create_person(client.vault.db, PersonInput(last_name=last, first_name="Léa", regime="legacy"))


# --- TLS ----------------------------------------------------------------------------------------------------


def test_the_departement_authority_in_the_system_store_is_trusted(
    server: Server, data_dir: Path, tls_server: ThreadedServer, system_store: Path, no_proxy_env: None
) -> None:
    client = enrolled(server, data_dir, f"https://localhost:{tls_server.port}")
    add_person(client)
    report = client.sync()
    assert report.state == "ok" and report.uploaded == 1, report.message
    client.close()


def test_without_it_the_message_names_the_issuer_and_nothing_is_lost(
    server: Server, data_dir: Path, tls_server: ThreadedServer, pki: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch, no_proxy_env: None,
) -> None:  # fmt: skip
    monkeypatch.setenv("SSL_CERT_FILE", str(pki["bundle"]))
    client = enrolled(server, data_dir, f"https://localhost:{tls_server.port}")
    add_person(client)
    pending = client.status()["pending_ops"]
    monkeypatch.setenv("SSL_CERT_FILE", str(pki["empty_dir"] / "absent.pem"))  # a store without it
    monkeypatch.setenv("SSL_CERT_DIR", str(pki["empty_dir"]))
    client.close()
    client = SyncClient(client.vault, retry_delays=(0.01,))  # a new session: no connection kept open
    report = client.sync()
    assert report.state == "error"
    assert "« CA Département Test (Département de test) »" in report.message
    assert "Rien n'a été envoyé ni perdu" in report.message and "Traceback" not in report.message
    assert client.status()["pending_ops"] == pending > 0
    client.close()


def test_an_inspection_proxy_is_named_and_the_outbox_kept(
    server: Server, data_dir: Path, tls_server: ThreadedServer, pki: dict[str, Any], system_store: Path,
    monkeypatch: pytest.MonkeyPatch, no_proxy_env: None,
) -> None:  # fmt: skip
    client = enrolled(server, data_dir, f"https://localhost:{tls_server.port}")
    add_person(client)
    pending = client.status()["pending_ops"]
    client.vault.db.set_state("server_url", f"https://{SERVER_HOST}:{tls_server.port}")
    with Proxy(intercept=pki["inspection"]) as proxy:
        monkeypatch.setenv("https_proxy", proxy.url)
        behind = SyncClient(client.vault, retry_delays=(0.01,))
        report = behind.sync()
        behind.close()
    assert report.state == "error" and isinstance(TlsError(report.message), NetworkError)
    assert "émis par « Inspection TLS Test CA (Exemple Sécurité SA) »" in report.message
    assert "proxy d'inspection TLS" in report.message and "service informatique" in report.message
    assert proxy.connects[0] == f"{SERVER_HOST}:{tls_server.port}"
    assert len(proxy.connects) == 2  # the refused handshake (not retried), then the look at the certificate
    assert client.status()["pending_ops"] == pending
    client.close()


# --- proxy --------------------------------------------------------------------------------------------------


def test_the_system_proxy_carries_the_sync_and_its_bypass_list_is_honoured(
    server: Server, data_dir: Path, tls_server: ThreadedServer, system_store: Path,
    monkeypatch: pytest.MonkeyPatch, no_proxy_env: None,
) -> None:  # fmt: skip
    client = enrolled(server, data_dir, f"https://localhost:{tls_server.port}")
    add_person(client)
    url = f"https://{SERVER_HOST}:{tls_server.port}"  # a name only the proxy can reach
    client.vault.db.set_state("server_url", url)
    with Proxy() as proxy:
        monkeypatch.setenv("https_proxy", f"127.0.0.1:{proxy.port}")  # as Windows writes it: no scheme
        assert system_proxy(url) == proxy.url
        assert system_proxy(f"https://127.0.0.1:{tls_server.port}") is None  # loopback: never proxied
        behind = SyncClient(client.vault, retry_delays=())
        report = behind.sync()
        behind.close()
        assert report.state == "ok" and report.uploaded == 1, report.message
        assert set(proxy.connects) == {f"{SERVER_HOST}:{tls_server.port}"}
        seen = len(proxy.connects)
        monkeypatch.setenv("no_proxy", SERVER_HOST)  # bypassed: straight to a name nobody resolves
        assert system_proxy(url) is None
        direct = SyncClient(client.vault, retry_delays=())
        report = direct.sync()
        direct.close()
        assert report.state == "error" and "injoignable" in report.message
        assert len(proxy.connects) == seen
    client.close()


# --- retries ------------------------------------------------------------------------------------------------


def test_a_short_cut_is_retried_with_backoff(server: Server, data_dir: Path) -> None:
    a = make_device(server, data_dir, "a", "alice")
    a.client.http.retry_delays = (0.01, 0.02)
    a.add_person()
    stages: list[tuple[str, int, int | None]] = []
    a.transport.calls.clear()
    a.transport.plan["upload"] = ["drop_request"]
    a.transport.plan["download"] = ["http_502", "drop_answer"]
    r = a.client.sync(lambda stage, done, total: stages.append((stage, done, total)))
    assert r.state == "ok" and r.uploaded == 1 and r.pending == 0, r.message
    assert (STAGE_RETRY, 2, 3) in stages and (STAGE_RETRY, 3, 3) in stages
    assert a.transport.calls.count("upload") == 2 and a.transport.calls.count("download") == 3


def test_a_lost_answer_replayed_by_a_retry_doubles_nothing(server: Server, data_dir: Path) -> None:
    from sqlalchemy import func, select

    a = make_device(server, data_dir, "a", "alice")
    a.client.http.retry_delays = (0.01, 0.01)
    pid = a.add_person()
    a.add_note(pid)
    a.transport.plan["upload"] = ["drop_answer", "drop_answer"]  # applied, answer lost, twice
    r = a.sync()
    assert r.state == "ok" and r.pending == 0 and r.uploaded == 2, r.message
    with server.sdb.read() as c:
        rows = c.execute(select(func.count()).select_from(row_feed).where(row_feed.c.row_id == pid)).scalar()
    assert rows == 1


def test_retries_are_bounded_and_never_for_a_4xx(server: Server, data_dir: Path) -> None:
    a = make_device(server, data_dir, "a", "alice")
    a.client.http.retry_delays = (0.01, 0.01)
    a.add_person()
    a.transport.calls.clear()
    a.transport.plan["upload"] = ["drop_request"] * 3
    r = a.sync()
    assert r.state == "error" and "injoignable" in r.message and r.pending == 1
    assert a.transport.calls.count("upload") == 3
    a.transport.calls.clear()
    a.client.schema_version = "0999"  # refused by the server: 409
    r = a.sync()
    assert r.state == "error" and a.transport.calls == ["hello"]


def test_an_enrolment_answer_lost_is_not_replayed(server: Server, data_dir: Path) -> None:
    vault = vault_service.create_vault(data_dir, "e", mode=vault_service.MODE_KEYRING)
    transport = FaultyTransport(server.client()._transport)  # type: ignore[attr-defined]
    client = SyncClient(vault, server.base, httpx.Client(transport=transport), retry_delays=(0.01,))
    transport.plan["enroll"] = ["drop_answer"]
    with pytest.raises(NetworkError):
        client.enroll(server.code("alice"))
    assert transport.calls == ["enroll"]  # applied, but single-use: never sent twice
    other = vault_service.create_vault(data_dir, "f", mode=vault_service.MODE_KEYRING)
    client = SyncClient(other, server.base, httpx.Client(transport=transport), retry_delays=(0.01,))
    transport.plan["enroll"] = ["drop_request"]  # nothing reached the server: tried again
    assert client.enroll(server.code("alice"))["login"] == "alice"
    assert transport.calls == ["enroll", "enroll", "enroll"]


def test_cancel_during_the_backoff(server: Server, data_dir: Path) -> None:
    a = make_device(server, data_dir, "a", "alice")
    a.client.http.retry_delays = (30.0,)
    a.add_person()
    a.transport.plan["upload"] = ["drop_request"]
    asked: list[str] = []
    r = a.client.sync(lambda stage, *_: asked.append(stage), lambda: STAGE_RETRY in asked)
    assert r.state == "cancelled" and r.pending == 1


# --- minimum client version ---------------------------------------------------------------------------------


def test_version_order() -> None:
    assert version_key("1.2.10") > version_key("1.2.9") > version_key("1.2")
    assert version_key("1.3.0-rc1") < version_key("1.3.0") < version_key("v1.3.1")
    assert version_key("0.1.0") == version_key("0.1")


def test_an_older_client_is_told_to_update() -> None:
    check_client_version({}, "0.1.0")  # a server that says nothing: fine
    check_client_version({"min_client_version": "0.1.0"}, "0.1.0")
    check_client_version({"min_client_version": None}, "0.1.0")
    with pytest.raises(ClientTooOldError) as err:
        check_client_version({"min_client_version": "0.2.0"}, "0.1.0")
    assert err.value.message.startswith("Mise à jour nécessaire : ")
    assert "Fil rouge 0.2.0" in err.value.message and "restent enregistrées" in err.value.message


def test_an_older_client_is_refused_by_a_real_server_and_keeps_its_outbox(
    tmp_path: Path, data_dir: Path, memory_keyring: object
) -> None:
    from server.api.app import create_app
    from tests.sync.harness import Server

    app = create_app(f"sqlite:///{tmp_path / 'srv.db'}", min_client_version="99.0.0")
    server = Server(url="", app=app, sdb=app.state.sdb)
    server.add_user("alice")
    vault = vault_service.create_vault(data_dir, "old", mode=vault_service.MODE_KEYRING)
    client = SyncClient(vault, server.base, server.client(), retry_delays=())
    with contextlib.suppress(ClientTooOldError):  # enrolled all the same: the code is spent
        client.enroll(server.code("alice"))
    add_person(client)
    pending = client.status()["pending_ops"]
    report = client.sync()
    assert report.state == "outdated" and report.message.startswith("Mise à jour nécessaire : ")
    assert "Fil rouge 99.0.0" in report.message and report.uploaded == 0
    assert client.status()["pending_ops"] == pending > 0
    server.sdb.dispose()
