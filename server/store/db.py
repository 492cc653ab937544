"""Engine, migrations and transactions of the server database (SQLite file by default, PostgreSQL for real)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, select

from server.store.tables import feed_counter, server_meta

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
DEFAULT_DATABASE = "sqlite:///fil-rouge-serveur.db"


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class ServerDB:
    """The server's engine. Writes go through :meth:`write` (one transaction, serialised on the feed counter)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs["pool_size"] = 10
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(url, **kwargs)
        self._lock = threading.Lock()
        if self.is_sqlite:

            @event.listens_for(self.engine, "connect")
            def _pragmas(dbapi_conn: Any, _rec: Any) -> None:
                dbapi_conn.isolation_level = None
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode = WAL")
                cur.execute("PRAGMA synchronous = FULL")
                cur.execute("PRAGMA busy_timeout = 30000")
                cur.close()

            @event.listens_for(self.engine, "begin")
            def _begin(conn: Any) -> None:
                conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")

    def migrate(self) -> None:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        with self.engine.connect() as conn:
            conn.info["write"] = True
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                if (
                    conn.execute(select(feed_counter.c.last_seq).where(feed_counter.c.id == 1)).first()
                    is None
                ):
                    conn.execute(feed_counter.insert().values(id=1, last_seq=0))
                if get_meta(conn, "epoch") is None:
                    set_meta(conn, "epoch", str(uuid.uuid4()))
            conn.info.pop("write", None)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction. SQLite: one writer at a time (BEGIN IMMEDIATE under a lock)."""
        if self.is_sqlite:
            with self._lock, self.engine.connect() as conn:
                conn.info["write"] = True
                try:
                    with conn.begin():
                        yield conn
                finally:
                    conn.info.pop("write", None)
        else:
            with self.engine.begin() as conn:
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()


def get_meta(conn: Connection, key: str) -> str | None:
    return conn.execute(select(server_meta.c.value).where(server_meta.c.key == key)).scalar()


def set_meta(conn: Connection, key: str, value: str) -> None:
    if get_meta(conn, key) is None:
        conn.execute(server_meta.insert().values(key=key, value=value))
    else:
        conn.execute(server_meta.update().where(server_meta.c.key == key).values(value=value))


def lock_counter(conn: Connection) -> int:
    """Read the feed counter, locking its row until the end of the transaction (PostgreSQL)."""
    stmt = select(feed_counter.c.last_seq).where(feed_counter.c.id == 1)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return int(conn.execute(stmt).scalar_one())


def store_counter(conn: Connection, value: int) -> None:
    conn.execute(feed_counter.update().where(feed_counter.c.id == 1).values(last_seq=value))
