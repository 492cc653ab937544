"""The batch sync client (no Qt): enrolment, upload of the outbox, download of the feed, check and repair.

One :meth:`SyncClient.sync` call: hello → upload (batches, acknowledged before outbox rows are deleted) →
download (pages applied in one local transaction with their cursor) → check (per-table hashes over
(id, revision)) → targeted repair of differing rows → document bytes of the files in scope. Ordering comes
only from ``device_seq`` and the server's feed sequence; the device clock is never used to order anything.

The steps live in :mod:`.base`, :mod:`.upload`, :mod:`.download`, :mod:`.repair` and :mod:`.attachments`.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, func, select, text

from app.models.errors import FilRougeError
from app.models.tables.base import utcnow
from app.models.tables.local import Conflict, SyncState
from app.services.errors import KeyringUnavailableError
from app.services.storage import keystore
from app.services.storage.backups import renumber_after_restore
from app.services.storage.share_guard import POLICY_KEY as SHARE_POLICY_KEY
from app.services.sync.attachments import AttachmentSync, wipe_partials
from app.services.sync.base import (
    K_ACKED,
    K_CURSOR,
    K_EPOCH,
    K_LAST,
    K_LEAVE,
    K_TOKEN,
    K_URL,
    K_USER,
    K_WIPED,
    SYNC_STATE,
    Cancel,
    Progress,
    SyncReport,
    _Cancelled,
    _checker,
    check_client_version,
    check_url,
    log,
    token_entry,
)
from app.services.sync.conflicts import K_TEAM_REFUSALS
from app.services.sync.errors import ClientTooOldError, DeviceRevokedError, NotEnrolledError, SyncError
from app.services.sync.repair import RepairMixin
from app.services.sync.upload import UploadMixin

__all__ = [
    "K_ACKED", "K_CURSOR", "K_EPOCH", "K_LAST", "K_LEAVE", "K_TOKEN", "K_URL", "K_USER", "K_WIPED",
    "SyncClient", "SyncReport", "check_url", "token_entry",
]  # fmt: skip


class SyncClient(UploadMixin, RepairMixin):
    """Sync one open vault with the department server at ``base_url`` (see :class:`ClientBase`).

    The HTTP calls run on the calling thread; every database step goes through :attr:`local` (module
    docstring of :mod:`.base`)."""

    def enroll(self, code: str, device_name: str = "") -> dict[str, Any]:
        """Enrol this device with a one-time code; the token goes to the OS keyring."""
        if not self.base_url:
            raise NotEnrolledError("Indiquez l'adresse du serveur (--server).")
        result = self._post(
            "enroll",
            {
                "code": code,
                "device_id": self.device_id,
                "name": device_name or f"poste {self.device_id[:8]}",
                "app_version": self.app_version,
                "schema_version": self.schema_version,
            },
            auth=False,
        )
        in_vault = ""
        try:
            if not keystore.secure_backend_available():
                raise KeyringUnavailableError()
            keystore.store_secret(token_entry(self.profile_id), str(result["token"]))
        except KeyringUnavailableError:
            in_vault = str(result["token"])  # no OS keyring: kept in the encrypted vault itself
        self._token = str(result["token"])
        self.local(self._save_enrolment, result, in_vault, writes=True)
        # Enrolled (the code is spent): an outdated application is told now, and syncs after its update.
        check_client_version(result, self.app_version)
        return dict(result["user"])

    def _save_enrolment(self, result: dict[str, Any], in_vault: str) -> None:
        with self.db.session(remote_apply=True) as s:
            if in_vault:
                s.merge(SyncState(key=K_TOKEN, value=in_vault))
            for key, value in (
                (K_URL, self.base_url),
                (K_USER, json.dumps(result["user"])),
                (K_EPOCH, str(result.get("epoch") or "")),
                (K_CURSOR, "0"),
                (K_ACKED, "0"),
            ):
                s.merge(SyncState(key=key, value=value))

    def sync(self, progress: Progress | None = None, cancel: Cancel | None = None) -> SyncReport:
        """One full round. Never raises for expected failures: the report carries a French message."""
        report = SyncReport()
        self.bytes_sent = self.bytes_received = 0
        self.blobs = AttachmentSync(self)
        self._token = None  # read again: the keyring may have changed since the last round
        self._progress = progress or (lambda *_: None)
        self._cancel = cancel or (lambda: False)
        try:
            self._sync(report, self._progress, self._cancel)
        except DeviceRevokedError as exc:
            self._wipe(exc.message, reason="revoked")
            report.state = "revoked"
            report.message = (
                "Ce poste a été révoqué par l'administrateur : les données locales ont été effacées."
            )
        except _Cancelled:
            report.state = "cancelled"
            report.message = (
                "Synchronisation interrompue : ce qui a été reçu est enregistré, le reste suivra."
            )
        except ClientTooOldError as exc:
            report.state = "outdated"
            report.message = exc.message
        except FilRougeError as exc:
            report.state = "error"
            report.message = exc.message
        finally:
            self._cancel = lambda: False
        if report.state not in ("revoked", "retired"):
            report.pending = self._pending_after(report)
        report.bytes_sent, report.bytes_received = self.bytes_sent, self.bytes_received
        report.documents_sent, report.documents_received = self.blobs.sent, self.blobs.received
        return report

    def _pending_after(self, report: SyncReport) -> int:
        try:
            return self.local(self.pending_count)
        except FilRougeError as exc:  # the vault closed meanwhile (application exit, profile switch)
            if report.state == "ok":
                report.state, report.message = "error", exc.message
            return 0

    def _sync(self, report: SyncReport, progress: Progress, cancel: Cancel) -> None:
        if self.local(self.state, K_WIPED):
            raise SyncError(
                "Ce dossier a été effacé après une révocation : il ne peut plus être synchronisé."
            )
        hello = self._hello()
        if hello.get("restored") or hello.get("epoch_changed"):
            log.warning("server restored or new epoch: reconciling")
        self._upload(report, progress, cancel)
        self._download(report, progress, cancel)
        for _ in range(3):
            if not self._check_and_repair(report):
                break
            self._upload(report, progress, cancel)
            self._download(report, progress, cancel)
        report.documents_missing = self.blobs.fetch_missing(progress, _checker(cancel))
        if hello.get("status") == "retiring" and self.local(self.pending_count) == 0:
            self._post("retired", {})
            self._wipe(
                "Ce poste est retiré du service : les données locales vont être effacées.", reason="retired"
            )
            report.state = "retired"
            report.message = "Poste retiré : tout a été envoyé au serveur, puis les données locales effacées."
            return
        self.local(self._mark_synced, writes=True)

    def _mark_synced(self) -> None:
        with self.db.session(remote_apply=True) as s:
            s.merge(SyncState(key=K_LAST, value=utcnow().isoformat(timespec="seconds")))

    def _hello(self) -> dict[str, Any]:
        acked, cursor, epoch = self.local(self._marks)
        hello = self._post(
            "hello",
            {
                "app_version": self.app_version,
                "schema_version": self.schema_version,
                "acked_seq": int(acked or 0),
                "cursor": int(cursor or 0),
                "epoch": epoch,
            },
        )
        if hello.get("status") == "revoked":
            raise DeviceRevokedError()
        check_client_version(hello, self.app_version)  # before anything is sent: the outbox stays as it is
        self.local(self._save_hello, hello, writes=True)
        return hello

    def _marks(self) -> tuple[str, str, str]:
        get = self.db.get_state
        return get(K_ACKED, "0"), get(K_CURSOR, "0"), get(K_EPOCH)

    def _save_hello(self, hello: dict[str, Any]) -> None:
        with self.db.session(remote_apply=True) as s:
            s.merge(SyncState(key=K_EPOCH, value=str(hello.get("epoch") or "")))
            renumber_after_restore(s, int(hello.get("next_seq") or 0))  # a vault restored from a backup
            s.merge(SyncState(key=K_USER, value=json.dumps(hello.get("user") or {})))
            s.merge(SyncState(key=K_TEAM_REFUSALS, value=json.dumps(hello.get("escalations") or [])))
            # the département's co-accompaniment caps per role (ADR 0052): the device tells what a share allows
            s.merge(SyncState(key=SHARE_POLICY_KEY, value=json.dumps(hello.get("share_policy") or {})))

    def _wipe(self, message: str, reason: str) -> None:
        """Warn (``on_wipe``, which may wait for the référent on this thread), then erase in one step."""
        if self.on_wipe is not None:
            self.on_wipe(message)
        self.local(self._erase, reason, writes=True)
        self._token = None
        try:
            keystore.delete_secret(token_entry(self.profile_id))
        except FilRougeError:
            log.warning("could not delete the device token")
        log.warning("local data wiped (%s)", reason)

    def _erase(self, reason: str) -> None:
        with self.db.session(remote_apply=True) as s:
            conn = s.connection()
            conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            for name in reversed(list(self.tables)):
                conn.execute(delete(self.tables[name].__table__))  # type: ignore[attr-defined]
            conn.execute(delete(SYNC_STATE).where(SYNC_STATE.c.key == K_TOKEN))
            for extra in ("outbox", "conflict", "attachment"):
                conn.execute(text(f"DELETE FROM {extra}"))
            wipe_partials(conn)
            self._set_state(conn, K_WIPED, reason)
        raw = self.db.engine.raw_connection()
        try:
            raw.driver_connection.execute("VACUUM")  # type: ignore[union-attr]  # drop freed pages
        except Exception:
            log.warning("vacuum after wipe failed")
        finally:
            raw.close()

    def status(self) -> dict[str, Any]:
        return self.local(self._status)

    def _status(self) -> dict[str, Any]:
        with self.db.read() as s:
            conflicts = int(
                s.execute(
                    select(func.count()).select_from(Conflict).where(Conflict.resolved_at.is_(None))
                ).scalar_one()
            )
        user = json.loads(self.db.get_state(K_USER) or "{}")
        return {
            "enrolled": bool(self.db.get_state(K_URL)),
            "server": self.db.get_state(K_URL),
            "device_id": self.device_id,
            "user": user,
            "pending_ops": self.pending_count(),
            "last_sync": self.db.get_state(K_LAST) or None,
            "cursor": int(self.db.get_state(K_CURSOR, "0") or 0),
            "acked_seq": int(self.db.get_state(K_ACKED, "0") or 0),
            "open_conflicts": conflicts,
            "wiped": self.db.get_state(K_WIPED) or None,
            "tables": self.local_hashes(),
        }

    def close(self) -> None:
        self.http.close()
