"""Administration of users, teams and devices (used by the CLI and the API)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, select

from app.models.sync import wire as codec
from server.admin import audit
from server.store.db import ServerDB, get_meta, lock_counter, store_counter, utcnow
from server.store.tables import BUSINESS, devices, enrolment_codes, row_feed, teams, users

#: secretariat: the EP's secretariat (ADR 0041), no caseload.
ROLES = ("referent", "team_leader", "secretariat", "admin")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
#: Bounds of an enrolment code's lifetime, in days.
CODE_DAYS = (1, 30)
#: How long after its use a code gives the same device, not seen since, its answer again (a lost answer).
ENROL_REPLAY = timedelta(minutes=10)


class AdminError(Exception):
    """An expected failure of an admin action; the message is French."""


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalise_code(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


def _ensure_team(conn: Connection, name: str) -> str:
    tid = conn.execute(select(teams.c.id).where(teams.c.name == name)).scalar()
    if tid is None:
        tid = str(uuid.uuid4())
        conn.execute(teams.insert().values(id=tid, name=name))
    return str(tid)


def write_server_row(conn: Connection, table: str, values: dict[str, Any], origin_user: str = "") -> int:
    """Insert a business row written by the server itself (e.g. a référent), through the feed."""
    seq = lock_counter(conn) + 1
    store_counter(conn, seq)
    now = utcnow()
    row: dict[str, Any] = {c.name: None for c in BUSINESS[table].columns}
    row.update(values)
    row.update(revision=seq, origin_device="server", created_at=now, updated_at=now)
    conn.execute(BUSINESS[table].insert().values(row))
    conn.execute(
        row_feed.insert().values(
            table_name=table,
            row_id=row["id"],
            seq=seq,
            person_id=None,
            origin_user=origin_user,
            field_revs=codec.dumps({"*": [seq, "server"]}).decode(),
        )
    )
    return seq


def add_user(sdb: ServerDB, login: str, name: str, role: str, team: str | None = None) -> dict[str, Any]:
    if role not in ROLES:
        raise AdminError(f"Rôle inconnu « {role} » (attendu : {', '.join(ROLES)}).")
    with sdb.write() as conn:
        if conn.execute(select(users.c.id).where(users.c.login == login)).first():
            raise AdminError(f"L'utilisateur « {login} » existe déjà.")
        team_id = _ensure_team(conn, team) if team else None
        user_id = str(uuid.uuid4())
        referent_id = None
        if role in ("referent", "team_leader"):
            referent_id = str(uuid.uuid4())
            first, _, last = name.partition(" ")
            write_server_row(
                conn,
                "referent",
                {
                    "id": referent_id,
                    "login": login,
                    "first_name": first or login,
                    "last_name": last or "",
                    "structure": "",
                    "team": team or "",
                    "phone": "",
                    "email": "",
                    "is_team_leader": role == "team_leader",
                },
                origin_user=user_id,
            )
        conn.execute(
            users.insert().values(
                id=user_id,
                login=login,
                name=name,
                role=role,
                team_id=team_id,
                referent_id=referent_id,
                created_at=utcnow(),
            )
        )
    return {"id": user_id, "login": login, "role": role, "team": team, "referent_id": referent_id}


def check_code_days(days: int) -> int:
    """An enrolment code lives between 1 and 30 days; AdminError (French) otherwise."""
    low, high = CODE_DAYS
    if not low <= days <= high:
        raise AdminError(f"Durée de validité du code invalide ({days} jours) : entre {low} et {high} jours.")
    return days


def new_enrolment_code(sdb: ServerDB, login: str, days: int = 7) -> str:
    check_code_days(days)
    with sdb.write() as conn:
        user_id = conn.execute(select(users.c.id).where(users.c.login == login)).scalar()
        if user_id is None:
            raise AdminError(f"Utilisateur inconnu : « {login} ».")
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
        now = utcnow()
        conn.execute(
            enrolment_codes.insert().values(
                code_hash=sha256(raw),
                user_id=user_id,
                created_at=now,
                expires_at=now + timedelta(days=days),
            )
        )
    return f"{raw[:5]}-{raw[5:]}"


def enroll(
    sdb: ServerDB,
    code: str,
    device_id: str,
    name: str,
    app_version: str,
    schema_version: str,
    *,
    address: str = "",
    replay: timedelta = ENROL_REPLAY,
) -> dict[str, Any]:
    """Enrol ``device_id`` with a one-time code; returns its token (stored hashed) and user.

    The same code and device id within ``replay`` of the first use, while the device has never been seen since,
    get a fresh answer (the first was lost on the way): a new token replaces the unused one."""
    try:
        uuid.UUID(device_id)
    except ValueError as exc:
        raise AdminError("Identifiant de poste invalide.") from exc
    with sdb.write() as conn:
        now = utcnow()
        rec = conn.execute(
            select(enrolment_codes).where(enrolment_codes.c.code_hash == sha256(normalise_code(code)))
        ).first()
        prior = conn.execute(select(devices).where(devices.c.id == device_id)).first()
        replayed = (
            rec is not None
            and prior is not None
            and rec.used_at is not None
            and rec.device_id == device_id
            and now - rec.used_at <= replay
            and prior.last_seen_at is None
            and prior.status == "active"
        )
        if not replayed and (rec is None or rec.used_at is not None or rec.expires_at < now):
            raise AdminError("Code d'enrôlement inconnu, expiré ou déjà utilisé : demandez-en un nouveau.")
        assert rec is not None
        if prior is not None and not replayed:
            raise AdminError(
                "Ce poste est déjà enrôlé (ou a été révoqué) : recréez le profil pour l'enrôler."
            )
        token = secrets.token_urlsafe(32)
        if replayed:
            conn.execute(devices.update().where(devices.c.id == device_id).values(token_hash=sha256(token)))
        else:
            conn.execute(
                devices.insert().values(
                    id=device_id,
                    user_id=rec.user_id,
                    name=name,
                    token_hash=sha256(token),
                    status="active",
                    next_seq=1,
                    app_version=app_version,
                    schema_version=schema_version,
                    created_at=now,
                )
            )
            conn.execute(
                enrolment_codes.update()
                .where(enrolment_codes.c.code_hash == rec.code_hash)
                .values(used_at=now, device_id=device_id)
            )
        audit.write(
            conn,
            [
                audit.event(
                    "enrol_replayed" if replayed else "enrolled",
                    device_id=device_id,
                    user_id=rec.user_id,
                    address=address,
                )
            ],
        )
        user = conn.execute(select(users).where(users.c.id == rec.user_id)).first()
        epoch = get_meta(conn, "epoch")
    assert user is not None
    return {
        "device_id": device_id,
        "token": token,
        "user": {"login": user.login, "name": user.name, "role": user.role, "referent_id": user.referent_id},
        "epoch": epoch,
    }


def set_device_status(sdb: ServerDB, device_id: str, status: str) -> None:
    with sdb.write() as conn:
        found = conn.execute(select(devices.c.id).where(devices.c.id.startswith(device_id))).scalars().all()
        if len(found) != 1:
            raise AdminError("Poste introuvable (ou identifiant ambigu).")
        conn.execute(devices.update().where(devices.c.id == found[0]).values(status=status))


def list_devices(sdb: ServerDB) -> list[dict[str, Any]]:
    with sdb.read() as conn:
        rows = conn.execute(
            select(devices.c.id, devices.c.status, devices.c.next_seq, devices.c.last_seen_at, users.c.login)
            .join(users, users.c.id == devices.c.user_id)
            .order_by(devices.c.created_at)
        ).all()
    return [
        {
            "id": r.id,
            "login": r.login,
            "status": r.status,
            "next_seq": r.next_seq,
            "last_seen_at": r.last_seen_at,
        }
        for r in rows
    ]
