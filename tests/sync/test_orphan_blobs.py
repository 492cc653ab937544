"""A person purged on another device: the scrubbed, tombstoned rows arrive here, and so does the end of the
document bytes (blobs and partial downloads) no live document uses any more (ADR 0005)."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import delete, func, select, update

from app.models.tables.carnet import Attachment, Document
from app.models.tables.local import OutboxOp, SyncState
from app.services.casefile import documents
from app.services.privacy import retention
from app.services.sync.attachments import drop_orphans
from tests.sync.harness import Device, Server, make_device

BIG = 2 * 1024 * 1024 + 4096  # three 1 MiB chunks


def add_doc(device: Device, pid: str, data: bytes, title: str = "CV scanné") -> str:
    return documents.add_document(device.vault.db, pid, kind="cv", title=title, data=data, file_name="cv.pdf")


def blobs(device: Device) -> set[str]:
    with device.vault.db.read() as s:
        return set(s.scalars(select(Attachment.sha256)))


def partials(device: Device) -> int:
    with device.vault.db.read() as s:
        return int(
            s.scalar(select(func.count()).select_from(SyncState).where(SyncState.key.like("dl:%"))) or 0
        )


def sha_of(device: Device, doc_id: str) -> str:
    return documents.get_document(device.vault.db, doc_id).sha256


def test_purge_elsewhere_removes_the_bytes_here(server: Server, data_dir: Path) -> None:
    a = make_device(server, data_dir, "a", "alice")
    b = make_device(server, data_dir, "b", "alice")
    gone = a.add_person(last="Lefèvre", first="Anaïs")
    kept = a.add_person(last="Durand", first="Léa")
    shared = os.urandom(5000)
    own = add_doc(a, gone, os.urandom(3000), "Attestation CAF")
    add_doc(a, gone, shared, "Copie partagée")
    kept_doc = add_doc(a, kept, shared, "Même fichier, autre dossier")
    assert a.sync().state == "ok"
    assert b.sync().state == "ok"
    own_sha, shared_sha = sha_of(a, own), sha_of(a, kept_doc)
    assert blobs(b) == {own_sha, shared_sha}

    # A big document of the person, cut after its first chunk on b: one partial chunk stays in b's vault.
    add_doc(a, gone, os.urandom(BIG), "Dossier complet")
    assert a.sync().state == "ok"
    b.transport.plan["get-chunk-1"] = ["drop_request"]
    assert b.sync().state == "error"
    assert partials(b) == 1

    assert retention.purge(a.vault.db, [gone], actor="alice") is not None
    assert a.sync().state == "ok"
    r = b.sync()
    assert r.state == "ok", r.message
    assert r.documents_received == 0 and r.documents_missing == 0  # nothing fetched for the purged file
    with b.vault.db.read() as s:
        rows = {d.id: d for d in s.scalars(select(Document).where(Document.person_id == gone))}
    assert len(rows) == 3 and all(d.deleted_at is not None and d.sha256 == "" for d in rows.values())
    assert blobs(b) == {shared_sha}  # still used by the other person's document
    assert partials(b) == 0
    assert documents.document_bytes(b.vault.db, kept_doc) == shared
    # and the next round has nothing left to clean or fetch
    r = b.sync()
    assert r.state == "ok" and r.documents_received == 0 and blobs(b) == {shared_sha}


def test_a_pending_op_keeps_its_bytes(vault: object) -> None:
    """A tombstoned document whose op still waits in the outbox keeps its blob: the upload needs it."""
    from app.services.people.identity import PersonInput, create_person

    db = vault.db  # type: ignore[attr-defined]
    pid = create_person(db, PersonInput(last_name="Nguyen", first_name="Linh", regime="legacy"))
    data = os.urandom(2000)
    doc = documents.add_document(db, pid, kind="cv", title="CV", data=data, file_name="cv.pdf")
    sha = documents.get_document(db, doc).sha256
    with db.session(remote_apply=True) as s:  # as a download would: server has the bytes, row tombstoned
        s.execute(update(Attachment).values(uploaded=True))
        s.execute(update(Document).where(Document.id == doc).values(deleted_at=Document.created_at))
    with db.session(remote_apply=True) as s:
        assert drop_orphans(s.connection()) == 0
    with db.read() as s:
        assert s.get(Attachment, sha) is not None
        assert sha in {op.changed_fields.get("sha256") for op in s.scalars(select(OutboxOp))}
    with db.session(remote_apply=True) as s:
        s.execute(delete(OutboxOp))  # the op was acknowledged
    with db.session(remote_apply=True) as s:
        assert drop_orphans(s.connection()) == 1
    with db.read() as s:
        assert s.get(Attachment, sha) is None


def test_bytes_the_server_does_not_have_are_never_dropped(vault: object) -> None:
    """A blob not yet on the server stays, even when nothing references it any more."""
    from app.services.people.identity import PersonInput, create_person

    db = vault.db  # type: ignore[attr-defined]
    pid = create_person(db, PersonInput(last_name="Roux", first_name="Inès", regime="legacy"))
    doc = documents.add_document(db, pid, kind="cv", title="CV", data=os.urandom(100), file_name="cv.pdf")
    with db.session(remote_apply=True) as s:
        s.execute(update(Attachment).values(uploaded=False))
        s.execute(update(Document).where(Document.id == doc).values(deleted_at=Document.created_at))
        s.execute(delete(OutboxOp))
    with db.session(remote_apply=True) as s:
        assert drop_orphans(s.connection()) == 0
