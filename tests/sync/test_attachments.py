"""Document bytes over the sync: 1 MiB resumable chunks, checked hashes, ops held until their blob is complete."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text

from app.models.tables.carnet import Attachment, Document
from app.models.tables.local import SyncState
from app.services.casefile import documents
from server.engine.check import global_status
from server.store.tables import attachment_chunks, attachments
from tests.sync.harness import CountingTransport, Device, Server, make_device, make_server

SIZE = 2 * 1024 * 1024 + 512 * 1024  # 2.5 MiB: three chunks, the last one half full


@pytest.fixture(params=["sqlite", "postgres"])
def srv(request: pytest.FixtureRequest, tmp_path: Path, memory_keyring: object) -> Iterator[Server]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'server.db'}"
        admin = None
    else:
        base = request.getfixturevalue("pg_url")
        name = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f"CREATE DATABASE {name}"))
        url = base.rsplit("/", 1)[0] + "/" + name
    server = make_server(url)
    server.add_user("alice")
    server.add_user("bob")
    try:
        yield server
    finally:
        server.sdb.dispose()
        if admin is not None:
            with admin.connect() as c:
                c.execute(text(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)"))
            admin.dispose()


def counted(device: Device) -> CountingTransport:
    counter = CountingTransport(device.transport.inner)
    device.transport.inner = counter
    return counter


def add_doc(device: Device, pid: str, data: bytes) -> str:
    return documents.add_document(device.vault.db, pid, kind="cv", title="CV scanné", data=data,
                                  file_name="cv.pdf")  # fmt: skip


def server_docs(server: Server) -> int:
    return int(global_status(server.sdb)["tables"]["document"]["count"])


def server_chunks(server: Server, sha: str) -> list[int]:
    with server.sdb.read() as c:
        return sorted(
            c.execute(select(attachment_chunks.c.idx).where(attachment_chunks.c.sha256 == sha)).scalars()
        )


def test_large_document_reaches_a_second_device_byte_identical(srv: Server, data_dir: Path) -> None:
    a = make_device(srv, data_dir, "a", "alice")
    b = make_device(srv, data_dir, "b", "alice")
    data = os.urandom(SIZE)
    pid = a.add_person()
    doc = add_doc(a, pid, data)
    stages: list[tuple[str, int, int | None]] = []
    ra = a.client.sync(progress=lambda *p: stages.append(p))
    assert ra.state == "ok", ra.message
    assert ra.documents_sent == 1
    assert [p for p in stages if p[0] == "documents-envoi"] == [
        ("documents-envoi", 1, 3), ("documents-envoi", 2, 3), ("documents-envoi", 3, 3)
    ]  # fmt: skip
    sha = hashlib.sha256(data).hexdigest()
    with srv.sdb.read() as c:
        row = c.execute(select(attachments).where(attachments.c.sha256 == sha)).one()
    assert row.complete and row.size == SIZE and row.chunks == 3
    assert global_status(srv.sdb)["attachments"] == {"complete": {"count": 1, "bytes": SIZE}}
    rb = b.sync()
    assert rb.state == "ok", rb.message
    assert rb.documents_received == 1 and rb.documents_missing == 0
    assert documents.document_bytes(b.vault.db, doc) == data
    with b.vault.db.read() as s:
        assert s.scalar(select(Attachment.uploaded).where(Attachment.sha256 == sha)) is True
        assert s.scalar(select(func.count()).select_from(SyncState).where(SyncState.key.like("dl:%"))) == 0
    # Nothing more to move on the next round, either way.
    ca, cb = counted(a), counted(b)
    assert a.sync().documents_sent == 0 and b.sync().documents_received == 0
    assert not [e for e in ca.seen + cb.seen if "chunk" in e]


def test_upload_cut_after_chunk_1_resumes_without_resending(srv: Server, data_dir: Path) -> None:
    a = make_device(srv, data_dir, "a", "alice")
    counter = counted(a)
    data = os.urandom(SIZE)
    sha = hashlib.sha256(data).hexdigest()
    pid = a.add_person()
    add_doc(a, pid, data)
    a.transport.plan["put-chunk-2"] = ["drop_request"]
    r = a.sync()
    assert r.state == "error" and "rien n'a été perdu" in r.message
    assert server_chunks(srv, sha) == [0, 1]
    assert "upload" not in counter.seen  # neither the person nor the document was sent before the blob
    assert server_docs(srv) == 0 and r.pending == 2
    counter.seen.clear()
    r = a.sync()
    assert r.state == "ok", r.message
    assert [e for e in counter.seen if e.startswith("put-chunk")] == ["put-chunk-2"]
    assert server_docs(srv) == 1 and r.pending == 0


def test_corrupted_chunk_is_refused_then_sent_again(srv: Server, data_dir: Path) -> None:
    a = make_device(srv, data_dir, "a", "alice")
    b = make_device(srv, data_dir, "b", "alice")
    data = os.urandom(SIZE)
    sha = hashlib.sha256(data).hexdigest()
    pid = a.add_person()
    doc = add_doc(a, pid, data)
    a.transport.plan["put-chunk-1"] = ["corrupt_body"]
    r = a.sync()
    assert r.state == "error" and "altéré" in r.message
    assert server_chunks(srv, sha) == [0]  # the damaged chunk was not stored
    assert server_docs(srv) == 0
    assert a.sync().state == "ok"
    assert b.sync().state == "ok"
    assert documents.document_bytes(b.vault.db, doc) == data


def test_server_holds_an_op_whose_blob_is_incomplete(srv: Server, data_dir: Path) -> None:
    """A client that skipped the upload gets ``wait_attachment``: nothing applied, nothing consumed."""
    from server.engine.upload import apply_batch

    a = make_device(srv, data_dir, "a", "alice")
    data = os.urandom(SIZE)
    sha = hashlib.sha256(data).hexdigest()
    pid = a.add_person()
    assert a.sync().state == "ok"
    doc_op = {"i": str(uuid.uuid4()), "s": 2, "t": "document", "r": str(uuid.uuid4()), "b": 0, "k": "insert",
              "f": {"person_id": pid, "kind": "cv", "title": "CV", "sha256": sha, "size": SIZE,
                    "mime_type": "application/pdf", "file_name": "cv.pdf"}}  # fmt: skip
    # device_seq 2 follows the person insert (1) acknowledged above
    res = apply_batch(srv.sdb, a.vault.device_id, [doc_op])
    assert res["results"][0]["st"] == "wait_attachment" and res["next_seq"] == 2
    assert server_docs(srv) == 0
    http = a.client
    chunk = data[: 1024 * 1024]
    headers = {"X-Attachment-Size": str(SIZE), "X-Chunk-SHA256": hashlib.sha256(chunk).hexdigest()}
    http.request("PUT", f"attachments/{sha}/chunks/0", content=chunk, headers=headers)
    assert apply_batch(srv.sdb, a.vault.device_id, [doc_op])["results"][0]["st"] == "wait_attachment"
    for i in (1, 2):
        part = data[i * 1024 * 1024 : (i + 1) * 1024 * 1024]
        h = {"X-Attachment-Size": str(SIZE), "X-Chunk-SHA256": hashlib.sha256(part).hexdigest()}
        st = http.get_json(f"attachments/{sha}") if i == 1 else None
        assert st is None or st["received"] == [0]
        http.request("PUT", f"attachments/{sha}/chunks/{i}", content=part, headers=h)
    assert apply_batch(srv.sdb, a.vault.device_id, [doc_op])["results"][0]["st"] == "applied"
    assert server_docs(srv) == 1


def test_chunk_api_checks_hashes_sizes_and_scope(srv: Server, data_dir: Path) -> None:
    a = make_device(srv, data_dir, "a", "alice")
    b = make_device(srv, data_dir, "b", "bob")  # another caseload
    data = os.urandom(1500)
    sha = hashlib.sha256(data).hexdigest()
    base = f"{srv.base}/api/v1/attachments/{sha}"

    def put(dev: Device, body: bytes, chunk_sha: str, size: int = 1500, idx: int = 0) -> httpx.Response:
        return dev.client.http.client.put(
            f"{base}/chunks/{idx}", content=body,
            headers={**auth(dev), "X-Attachment-Size": str(size), "X-Chunk-SHA256": chunk_sha},
        )  # fmt: skip

    good = hashlib.sha256(data).hexdigest()
    assert put(a, data[:-1] + b"x", good).json()["code"] == "chunk_corrupt"
    assert put(a, data[:-1], good).json()["code"] == "chunk_size"
    assert put(a, data, good, idx=1).json()["code"] == "bad_chunk"
    assert put(a, data, good, size=30 * 1024 * 1024).json()["code"] == "bad_size"
    big = put(a, b"x" * (1024 * 1024 + 1), good, size=2 * 1024 * 1024)
    assert big.status_code == 413 and "1 Mio" in big.json()["message"]
    assert (
        a.client.http.client.put(f"{srv.base}/api/v1/attachments/{sha}/chunks/0", content=data).status_code
        == 401
    )
    assert a.client.get_json(f"attachments/{sha}")["known"] is False
    first, again = put(a, data, good), put(a, data, good)  # idempotent
    assert first.status_code == again.status_code == 200 and again.json()["complete"] is True
    # Complete, but no document of bob's scope references it yet: not readable by bob, nor by alice.
    assert b.client.http.client.get(f"{base}/chunks/0", headers=auth(b)).status_code == 404
    assert a.client.http.client.get(f"{base}/chunks/0", headers=auth(a)).status_code == 404
    pid = a.add_person()
    add_doc(a, pid, data)
    assert a.sync().state == "ok"
    got = a.client.http.client.get(f"{base}/chunks/0", headers=auth(a))
    assert got.status_code == 200 and got.content == data
    assert b.client.http.client.get(f"{base}/chunks/0", headers=auth(b)).status_code == 404
    with b.vault.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == 0


def auth(dev: Device) -> dict[str, str]:
    return {"Authorization": f"Bearer {dev.client.token()}", "X-Device-Id": dev.vault.device_id}


def test_download_interrupted_resumes_from_stored_chunks(srv: Server, data_dir: Path) -> None:
    a = make_device(srv, data_dir, "a", "alice")
    b = make_device(srv, data_dir, "b", "alice")
    data = os.urandom(SIZE)
    pid = a.add_person()
    doc = add_doc(a, pid, data)
    assert a.sync().state == "ok"
    counter = counted(b)
    b.transport.plan["get-chunk-2"] = ["drop_answer"]
    r = b.sync()
    assert r.state == "error"
    with pytest.raises(documents.DocumentReadError, match="pas encore sur ce poste"):
        documents.document_bytes(b.vault.db, doc)
    counter.seen.clear()
    r = b.sync()
    assert r.state == "ok" and r.documents_received == 1
    assert [e for e in counter.seen if "chunk" in e] == ["get-chunk-2"]
    assert documents.document_bytes(b.vault.db, doc) == data


def _server_head() -> str:
    """The server schema's latest revision (read from its migrations: no number to bump here)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from server.store.db import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return str(ScriptDirectory.from_config(cfg).get_current_head())


HEAD = _server_head()


def test_migration_replaces_the_old_unused_attachment_tables(tmp_path: Path) -> None:
    from sqlalchemy import inspect

    from server.store.db import ServerDB

    url = f"sqlite:///{tmp_path / 'old.db'}"
    sdb = ServerDB(url)
    sdb.migrate()
    with sdb.engine.begin() as c:  # back to the shape s0001 created before attachments were synced
        c.exec_driver_sql("DROP TABLE attachment_chunks")
        c.exec_driver_sql("DROP TABLE attachments")
        c.exec_driver_sql(
            "CREATE TABLE attachments (sha256 VARCHAR(64) PRIMARY KEY, size INTEGER NOT NULL, "
            "received INTEGER NOT NULL, complete INTEGER NOT NULL, created_at DATETIME NOT NULL)"
        )
        c.exec_driver_sql(
            "CREATE TABLE attachment_chunks (sha256 VARCHAR(64), idx INTEGER, data TEXT NOT NULL, "
            "PRIMARY KEY (sha256, idx))"
        )
        c.exec_driver_sql("UPDATE alembic_version SET version_num = 's0001'")
    sdb.migrate()
    cols = {c["name"]: c for c in inspect(sdb.engine).get_columns("attachment_chunks")}
    assert "received_at" in cols and "BLOB" in str(cols["data"]["type"]).upper()
    assert "chunks" in {c["name"] for c in inspect(sdb.engine).get_columns("attachments")}
    with sdb.read() as c:
        assert c.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == HEAD
    sdb.dispose()


def blobs_and_partials(device: Device) -> tuple[int, int]:
    with device.vault.db.read() as s:
        return (
            int(s.scalar(select(func.count()).select_from(Attachment)) or 0),
            int(s.scalar(select(func.count()).select_from(SyncState).where(SyncState.key.like("dl:%"))) or 0),
        )


def test_bytes_leave_with_the_person_and_with_a_wipe(server: Server, data_dir: Path) -> None:
    from server.admin.accounts import set_device_status

    a = make_device(server, data_dir, "a", "alice")
    b = make_device(server, data_dir, "b", "alice")
    c = make_device(server, data_dir, "c", "bob")
    d = make_device(server, data_dir, "d", "bob")
    pid = a.add_person()
    doc = add_doc(a, pid, os.urandom(SIZE))
    other = a.add_person(last="Autre")
    add_doc(a, other, os.urandom(1000))
    assert a.sync().state == "ok" and b.sync().state == "ok"
    assert blobs_and_partials(b) == (2, 0)
    chef = make_device(server, data_dir, "chef", "chef")  # the team leader assigns her to bob
    chef.edit_person(pid, referent_id=c.referent_id)
    assert chef.sync().state == "ok"
    rb = b.sync()
    assert rb.state == "ok" and rb.left_scope == 1
    assert b.person(pid) is None and blobs_and_partials(b) == (1, 0)  # the bytes left with the file
    assert c.sync().state == "ok" and documents.document_bytes(c.vault.db, doc)
    # A download cut after its first chunk leaves a chunk in the vault; a wipe takes it too.
    d.transport.plan["get-chunk-1"] = ["drop_request"]
    assert d.sync().state == "error"
    assert blobs_and_partials(d) == (0, 1)
    set_device_status(server.sdb, d.vault.device_id, "revoked")
    assert d.sync().state == "revoked"
    assert blobs_and_partials(d) == (0, 0)


def test_two_devices_uploading_the_same_bytes_at_once(srv: Server, data_dir: Path) -> None:
    import threading

    from server.engine import attachments as blobs
    from server.engine.scope import load_device

    a = make_device(srv, data_dir, "a", "alice")
    b = make_device(srv, data_dir, "b", "bob")
    data = os.urandom(SIZE)
    sha = hashlib.sha256(data).hexdigest()
    with srv.sdb.read() as c:
        devs = [load_device(c, a.vault.device_id), load_device(c, b.vault.device_id)]
    errors: list[BaseException] = []
    results: list[dict] = []

    def upload(dev: object, order: list[int]) -> None:
        try:
            for i in order:
                part = data[i * blobs.CHUNK_SIZE : (i + 1) * blobs.CHUNK_SIZE]
                results.append(
                    blobs.put_chunk(srv.sdb, dev, sha, i, SIZE, hashlib.sha256(part).hexdigest(), part)  # type: ignore[arg-type]
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=upload, args=(devs[0], [0, 1, 2])),
        threading.Thread(target=upload, args=(devs[1], [2, 1, 0])),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert results[-1]["complete"] is True or blobs.status(srv.sdb, sha)["complete"] is True
    assert server_chunks(srv, sha) == [0, 1, 2]
    with srv.sdb.read() as c:
        row = c.execute(select(attachments).where(attachments.c.sha256 == sha)).one()
    assert row.complete and row.received == 3


def test_bytes_the_server_lost_are_sent_again(server: Server, data_dir: Path) -> None:
    """The device believes the server has the bytes (a restored backup lost them): the server holds the op
    (``wait_attachment``), the device uploads the bytes again, then the op goes through."""
    a = make_device(server, data_dir, "a", "alice")
    data = os.urandom(1500)
    sha = hashlib.sha256(data).hexdigest()
    pid = a.add_person()
    add_doc(a, pid, data)
    assert a.sync().state == "ok"
    with server.sdb.write() as c:  # lost with the restore
        c.execute(attachment_chunks.delete())
        c.execute(attachments.delete())
    counter = counted(a)
    second = add_doc(a, pid, data)  # same bytes: stored once locally, already marked as uploaded
    r = a.sync()
    assert r.state == "ok", r.message
    assert counter.seen.count("upload") == 2 and "put-chunk-0" in counter.seen
    assert server_chunks(server, sha) == [0] and server_docs(server) == 2
    b = make_device(server, data_dir, "b", "alice")
    assert documents.document_bytes(b.vault.db, second) == data
