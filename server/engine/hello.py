"""A device's ``hello`` (its state, the server's versions and epoch, its next expected seq) and its
``retired`` notice (everything sent, local data wiped)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from server import MIN_CLIENT_VERSION, SERVER_VERSION
from server.admin import audit
from server.engine import shares
from server.engine.errors import ProtocolError
from server.engine.protocol import MAX_BATCH_BYTES, MAX_BATCH_OPS, SCHEMA_MAX, SCHEMA_MIN
from server.engine.scope import DeviceCtx
from server.store.db import ServerDB, get_meta, utcnow
from server.store.tables import devices, feed_counter, users

log = logging.getLogger("server")


def hello(
    sdb: ServerDB,
    dev: DeviceCtx,
    *,
    app_version: str,
    schema_version: str,
    acked_seq: int,
    cursor: int,
    epoch: str,
    min_client_version: str = MIN_CLIENT_VERSION,
) -> dict[str, Any]:
    """Record the device's visit and answer its state.

    A cursor beyond the server's feed is an error for that device alone (409 ``cursor_ahead``): the server went
    back in time (a restored backup) and the administrator must say so with ``python -m server restored``; one
    device never starts a new epoch for everyone. An acknowledged seq beyond the server's record only moves
    that device's own expected seq (its ops were lost by a restore: it sends the next ones)."""
    with sdb.write() as conn:
        d = conn.execute(select(devices).where(devices.c.id == dev.id)).first()
        assert d is not None
        last = int(conn.execute(select(feed_counter.c.last_seq)).scalar_one())
        if cursor > last:
            log.warning(
                "device %s is ahead of the feed (cursor %s > %s): restored backup?", dev.id, cursor, last
            )
            raise ProtocolError(
                "cursor_ahead",
                "Ce poste a reçu des changements que le serveur n'a plus (sauvegarde restaurée ?) : "
                "l'administrateur doit lancer « python -m server restored ». Rien n'a été perdu, les "
                "modifications restent en attente.",
                409,
            )
        next_seq = max(d.next_seq, acked_seq + 1)
        conn.execute(
            devices.update()
            .where(devices.c.id == dev.id)
            .values(
                next_seq=next_seq,
                last_seen_at=utcnow(),
                app_version=app_version[:40],
                schema_version=schema_version[:40],
            )
        )
        server_epoch = get_meta(conn, "epoch")
        last = int(conn.execute(select(feed_counter.c.last_seq)).scalar_one())
        user = conn.execute(select(users).where(users.c.id == dev.user_id)).first()
        escalations = audit.team_escalations(conn, dev.team_id) if dev.role == "team_leader" else []
        share_policy = shares.load_policy(conn)
    assert user is not None
    return {
        "server_version": SERVER_VERSION,
        "schema_min": SCHEMA_MIN,
        "schema_max": SCHEMA_MAX,
        "status": d.status,
        "epoch": server_epoch,
        "epoch_changed": bool(epoch) and epoch != server_epoch,
        "restored": False,
        "min_client_version": min_client_version,
        "escalations": escalations,
        "last_seq": last,
        "next_seq": next_seq,
        "user": {
            "login": user.login,
            "name": user.name,
            "role": user.role,
            "referent_id": user.referent_id,
        },
        "limits": {"ops": MAX_BATCH_OPS, "bytes": MAX_BATCH_BYTES},
        "share_policy": share_policy,  # the département's rules of co-accompaniment per role (ADR 0052)
    }


def retire(sdb: ServerDB, dev: DeviceCtx) -> None:
    """The retiring device has sent everything and wiped itself: it is revoked from now on."""
    with sdb.write() as conn:
        conn.execute(
            devices.update().where(devices.c.id == dev.id).values(status="revoked", wiped_at=utcnow())
        )


def info(sdb: ServerDB, min_client_version: str = MIN_CLIENT_VERSION) -> dict[str, Any]:
    """What anyone may know before enrolling: versions and the epoch."""
    with sdb.read() as conn:
        return {
            "server_version": SERVER_VERSION,
            "min_client_version": min_client_version,
            "schema_min": SCHEMA_MIN,
            "schema_max": SCHEMA_MAX,
            "epoch": get_meta(conn, "epoch"),
        }
