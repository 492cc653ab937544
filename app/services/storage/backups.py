"""Encrypted backups of the vault, and their restore (ADR 0026).

A backup is a copy made by SQLCipher's **backup API** from the open database (never a file copy of a live WAL
database): it holds every committed change and is encrypted with the same key. The copy is then checked page
by page: ``cipher_integrity_check`` (each page's HMAC) on the vault before copying, then ``quick_check`` on
the copy. A page altered on disk shows there, so the daily backup is also a daily integrity check (:class:`~app.services.errors.VaultDamagedError`; the damaged copy is not kept). Each copy has a small
JSON sidecar (when, why, schema revision, key check).

- **automatic**: at most one a day, when a profile is opened (the window after unlocking, every command);
  kept: the newest of each of the last 7 days and of each of the last 4 weeks;
- **before a schema upgrade** and **before a restore**: the last 3 of each kind are kept.

A restore verifies the copy (the key opens it, ``cipher_integrity_check`` and ``integrity_check`` pass, its
schema is known), keeps the current vault as a « before restore » copy (or, if it is too damaged to be read,
sets the file aside as ``endommage-….db``), then puts the copy in place. The vault must be closed and the
profile lock held (:mod:`app.services.storage.profile_lock`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Engine, Table, update
from sqlalchemy.orm import Session

from app.models.tables.local import OutboxOp, SyncState
from app.services.errors import (
    DiskFullError,
    NotFoundError,
    SchemaTooNewError,
    StorageError,
    VaultDamagedError,
    WrongKeyError,
)
from app.services.storage.db import DEVICE_SEQ_KEY
from app.services.storage.vault import ProfileInfo, Vault, key_check

log = logging.getLogger(__name__)

AUTO = "auto"
UPGRADE = "mise-a-jour"
BEFORE_RESTORE = "avant-restauration"
KIND_LABELS = {AUTO: "automatique", UPGRADE: "avant mise à jour", BEFORE_RESTORE: "avant restauration"}
KEEP_DAILY = 7
KEEP_WEEKLY = 4
KEEP_OTHER = 3
_STAMP = "%Y%m%d-%H%M%S"


@dataclass(frozen=True)
class BackupInfo:
    name: str
    path: Path
    created_at: datetime  # local time
    kind: str  # AUTO, UPGRADE…, BEFORE_RESTORE
    size: int
    revision: str
    key_check: str

    @property
    def base_kind(self) -> str:
        return UPGRADE if self.kind.startswith(UPGRADE) else self.kind

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.base_kind, self.kind)

    def as_dict(self) -> dict[str, Any]:
        return {
            "nom": self.name,
            "date": self.created_at.isoformat(timespec="seconds"),
            "type": self.kind_label,
            "taille": self.size,
            "revision": self.revision,
        }


def _key_pragma(key: bytes) -> str:
    return f"PRAGMA key = \"x'{key.hex()}'\""


def _storage_error(exc: BaseException, *, reading: bool) -> Exception:
    msg = str(exc).lower()
    if "full" in msg:
        return DiskFullError()
    if reading and ("malformed" in msg or "not a database" in msg or "hmac" in msg or "corrupt" in msg):
        return VaultDamagedError(
            "Le coffre est endommagé : une partie du fichier ne se relit pas (pages altérées). Il n'a pas été "
            "modifié ; restaurez une sauvegarde."
        )
    return StorageError(f"La copie de sauvegarde n'a pas pu être écrite ({type(exc).__name__}).")


def take_backup(info: ProfileInfo, engine: Engine, key: bytes, *, kind: str = AUTO) -> BackupInfo:
    """Copy the open vault (``engine``) into ``backups/`` with the backup API; returns the copy."""
    directory = info.backup_dir
    directory.mkdir(exist_ok=True)
    now = datetime.now()
    name = f"{kind}-{now.strftime(_STAMP)}.db"
    target = directory / name
    n = 1
    while target.exists():
        n += 1
        name = f"{kind}-{now.strftime(_STAMP)}-{n}.db"
        target = directory / name
    tmp = directory / f".{name}.part"
    raw = engine.raw_connection()
    try:
        source: Any = raw.driver_connection
        revision = _revision(source)
        _check_copy(source, quick=False)
        dest = sqlcipher.connect(str(tmp), isolation_level=None)
        try:
            dest.execute(_key_pragma(key))
            dest.execute("PRAGMA cipher_log_level = NONE")
            try:
                source.backup(dest)
            except sqlcipher.DatabaseError as exc:
                raise _storage_error(exc, reading=True) from exc
            dest.execute("PRAGMA journal_mode = DELETE")
            _check_copy(dest)
        finally:
            dest.close()
        os.replace(tmp, target)
    except VaultDamagedError:
        raise
    except (OSError, sqlcipher.Error) as exc:
        raise _storage_error(exc, reading=False) from exc
    finally:
        raw.close()
        with contextlib.suppress(OSError):
            tmp.unlink()
    meta = {"created_at": now.isoformat(timespec="seconds"), "kind": kind, "revision": revision,
            "key_check": key_check(key)}  # fmt: skip
    Path(f"{target}.json").write_text(json.dumps(meta), encoding="utf-8")
    return BackupInfo(name, target, now, kind, target.stat().st_size, revision, meta["key_check"])


_DAMAGED = (
    "Le coffre est endommagé : {what} (contrôle fait en le sauvegardant). Il n'a pas été modifié ; restaurez "
    "une sauvegarde antérieure (« Restaurer une sauvegarde… », ou la commande « restore --list »)."
)


def _check_copy(conn: Any, *, quick: bool = True) -> None:
    """Every page's HMAC (and, on the copy, SQLite's quick check): a bad page is a damaged vault."""
    try:
        pages = [str(r[0]) for r in conn.execute("PRAGMA cipher_integrity_check").fetchall()]
        structure = str(conn.execute("PRAGMA quick_check").fetchone()[0]) if quick else "ok"
    except sqlcipher.DatabaseError as exc:
        raise VaultDamagedError(_DAMAGED.format(what="une partie du fichier ne se relit pas")) from exc
    if pages:
        raise VaultDamagedError(_DAMAGED.format(what=f"{len(pages)} page(s) altérée(s) sur le disque"))
    if structure != "ok":
        raise VaultDamagedError(_DAMAGED.format(what="sa structure est incohérente"))


def _revision(conn: Any) -> str:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlcipher.DatabaseError:
        return ""
    return str(row[0]) if row else ""


def list_backups(info: ProfileInfo) -> list[BackupInfo]:
    """The copies of this profile, newest first."""
    directory = info.backup_dir
    if not directory.is_dir():
        return []
    out = []
    for path in directory.glob("*.db"):
        meta: dict[str, Any] = {}
        with contextlib.suppress(OSError, ValueError):
            meta = json.loads(Path(f"{path}.json").read_text(encoding="utf-8"))
        try:
            stat = path.stat()
            created = datetime.fromisoformat(meta["created_at"]) if "created_at" in meta else (
                datetime.fromtimestamp(stat.st_mtime))  # fmt: skip
        except (OSError, ValueError):
            continue
        kind = str(meta.get("kind") or (UPGRADE if path.name.startswith("vault-") else AUTO))
        out.append(BackupInfo(path.name, path, created, kind, stat.st_size, str(meta.get("revision", "")),
                              str(meta.get("key_check", ""))))  # fmt: skip
    return sorted(out, key=lambda b: (b.created_at, b.name), reverse=True)


def _iso_week(d: date) -> tuple[int, int]:
    year, week, _ = d.isocalendar()
    return (year, week)


def rotate(info: ProfileInfo) -> list[str]:
    """Delete the copies the schedule no longer keeps; returns their names."""
    backups = list_backups(info)
    keep: set[str] = set()
    autos = [b for b in backups if b.kind == AUTO]
    days: dict[date, str] = {}
    weeks: dict[tuple[int, int], str] = {}
    for b in autos:  # newest first: the first of each day / week is its newest copy
        days.setdefault(b.created_at.date(), b.name)
        weeks.setdefault(_iso_week(b.created_at.date()), b.name)
    keep.update(list(days.values())[:KEEP_DAILY])
    keep.update(list(weeks.values())[:KEEP_WEEKLY])
    for kind in (UPGRADE, BEFORE_RESTORE):
        keep.update(b.name for b in [b for b in backups if b.base_kind == kind][:KEEP_OTHER])
    removed = []
    for b in backups:
        if b.name not in keep:
            for path in (b.path, Path(f"{b.path}.json")):
                with contextlib.suppress(OSError):
                    path.unlink()
            removed.append(b.name)
    return removed


def ensure_daily_backup(info: ProfileInfo, engine: Engine, key: bytes) -> BackupInfo | None:
    """The automatic copy of the day if none was made yet today (then the schedule is applied)."""
    today = datetime.now().date()
    if any(b.kind == AUTO and b.created_at.date() == today for b in list_backups(info)):
        return None
    made = take_backup(info, engine, key, kind=AUTO)
    rotate(info)
    log.info("daily backup made")
    return made


def daily_backup(vault: Vault) -> BackupInfo | None:
    """:func:`ensure_daily_backup` of an open vault (the window after unlocking, every command)."""
    return ensure_daily_backup(vault.info, vault.db.engine, vault.key)


# --- verification and restore -------------------------------------------------------------------------


def find_backup(info: ProfileInfo, name: str) -> BackupInfo:
    """A copy of the list by its name, or a file given by path (checked like the others before use)."""
    for b in list_backups(info):
        if b.name == name:
            return b
    path = Path(name)
    if path.is_file():
        return BackupInfo(path.name, path, datetime.fromtimestamp(path.stat().st_mtime), "fichier",
                          path.stat().st_size, "", "")  # fmt: skip
    raise NotFoundError(f"Aucune sauvegarde « {name} » (voir « restore --list »).")


def verify_backup(backup: BackupInfo, key: bytes) -> str:
    """Check that ``key`` opens the copy and that it is whole; returns its schema revision."""
    from app.services.storage import migrate

    if backup.key_check and backup.key_check != key_check(key):
        raise WrongKeyError(
            "Cette sauvegarde a été faite avec une autre clé (une ancienne phrase secrète) : elle ne peut pas "
            "être restaurée avec la clé actuelle."
        )
    conn = sqlcipher.connect(str(backup.path), isolation_level=None)
    try:
        conn.execute(_key_pragma(key))
        conn.execute("PRAGMA cipher_log_level = NONE")
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            cipher_problems = conn.execute("PRAGMA cipher_integrity_check").fetchall()
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlcipher.DatabaseError as exc:
            if backup.key_check:
                raise VaultDamagedError(
                    f"La sauvegarde « {backup.name} » est illisible : elle est endommagée."
                ) from exc
            raise WrongKeyError(
                f"La sauvegarde « {backup.name} » ne s'ouvre pas avec cette clé (ou elle est endommagée)."
            ) from exc
        if cipher_problems or integrity != "ok":
            raise VaultDamagedError(
                f"La sauvegarde « {backup.name} » est endommagée : elle ne peut pas être restaurée."
            )
        revision = _revision(conn)
    finally:
        conn.close()
    if revision and revision not in migrate.known_revisions():
        raise SchemaTooNewError(
            "Cette sauvegarde a été faite par une version plus récente de Fil rouge : mettez l'application à jour."
        )
    return revision


@dataclass(frozen=True)
class RestoreResult:
    restored: str
    previous: str  # the « before restore » copy, or the damaged file set aside ("" if there was no vault)
    previous_damaged: bool


def _set_aside_current(info: ProfileInfo, key: bytes) -> tuple[str, bool]:
    """Keep the vault being replaced: a « before restore » copy, or the damaged file itself."""
    from app.services.storage.vault import make_engine

    db = info.db_path
    if not db.exists() or db.stat().st_size == 0:
        return "", False
    engine = make_engine(db, key)
    try:
        return take_backup(info, engine, key, kind=BEFORE_RESTORE).name, False
    except Exception as exc:  # unreadable in any way: set aside below, never lost
        log.warning("current vault unreadable before restore (%s): set aside", type(exc).__name__)
    finally:
        engine.dispose()
    info.backup_dir.mkdir(exist_ok=True)
    aside = info.backup_dir / f"endommage-{datetime.now().strftime(_STAMP)}.db"
    shutil.move(str(db), aside)
    for suffix in ("-wal", "-shm"):
        side = Path(f"{db}{suffix}")
        if side.exists():
            shutil.move(str(side), f"{aside}{suffix}")
    return aside.name, True


def restore_backup(info: ProfileInfo, key: bytes, name: str) -> RestoreResult:
    """Put the copy ``name`` in place of the vault (see the module docstring). The vault must be closed."""
    backup = find_backup(info, name)
    verify_backup(backup, key)
    previous, damaged = _set_aside_current(info, key)
    db = info.db_path
    tmp = db.with_name(".vault.db.restore")
    try:
        shutil.copyfile(backup.path, tmp)
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{db}{suffix}").unlink()
        os.replace(tmp, db)
        _mark_restored(db, key)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise _storage_error(exc, reading=False) from exc
    log.info("backup restored")
    return RestoreResult(backup.name, previous, damaged)


#: Set in a restored vault: its device sequence counter when it was restored (see :func:`renumber_after_restore`).
RESTORED_KEY = "restored_next_seq"


def _mark_restored(path: Path, key: bytes) -> None:
    conn = sqlcipher.connect(str(path), isolation_level=None)
    try:
        conn.execute(_key_pragma(key))
        conn.execute("PRAGMA cipher_log_level = NONE")
        row = conn.execute("SELECT value FROM sync_state WHERE key = 'next_device_seq'").fetchone()
        conn.execute(
            "INSERT OR REPLACE INTO sync_state (key, value) VALUES (?, ?)",
            (RESTORED_KEY, str(row[0] if row else 1)),
        )
    finally:
        conn.close()


def renumber_after_restore(s: Session, server_next_seq: int) -> int:
    """After a restore, the département may already hold ops this device numbered after the copy was made:
    the ops written since the restore are moved up to follow them (the server's next expected number, told
    by ``hello``), so none reuses a number already taken. Ops older than the restore keep theirs (the server
    answers them as replays). Returns the shift applied; the marker is then removed."""
    marker = s.get(SyncState, RESTORED_KEY)
    if marker is None or server_next_seq <= 0:
        return 0
    start = int(marker.value or 1)
    shift = max(0, server_next_seq - start)
    if shift:
        outbox: Table = OutboxOp.__table__  # type: ignore[assignment]
        s.execute(
            update(outbox)
            .where(outbox.c.device_seq >= start)
            .values(device_seq=-(outbox.c.device_seq + shift))
        )
        s.execute(update(outbox).where(outbox.c.device_seq < 0).values(device_seq=-outbox.c.device_seq))
        counter = s.get(SyncState, DEVICE_SEQ_KEY)
        current = int(counter.value) if counter is not None and counter.value else start
        s.merge(SyncState(key=DEVICE_SEQ_KEY, value=str(current + shift)))
        log.info("restored vault: %d op number(s) shifted after the département's", shift)
    s.delete(marker)
    return shift


def rekey_backups(info: ProfileInfo, old_key: bytes, new_key: bytes) -> None:
    """After a key change, re-key the copies made with the old key so they stay restorable."""
    old_check, new_check = key_check(old_key), key_check(new_key)
    for b in list_backups(info):
        if b.key_check not in ("", old_check):
            continue
        try:
            conn = sqlcipher.connect(str(b.path), isolation_level=None)
            try:
                conn.execute(_key_pragma(old_key))
                conn.execute("PRAGMA cipher_log_level = NONE")
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                conn.execute("PRAGMA journal_mode = DELETE")
                conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
            finally:
                conn.close()
            meta_path = Path(f"{b.path}.json")
            meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {
                "created_at": b.created_at.isoformat(timespec="seconds"), "kind": b.kind, "revision": b.revision}  # fmt: skip
            meta["key_check"] = new_check
            meta_path.write_text(json.dumps(meta), encoding="utf-8")
        except (OSError, ValueError, sqlcipher.Error):
            log.warning("a backup could not be re-keyed (left as it was)")
