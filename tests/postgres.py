"""Throwaway PostgreSQL cluster for server tests (session scope). Skips with a visible reason when the
binaries are missing, unless REQUIRE_POSTGRES=1 (CI), where it fails instead."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator

import pytest


def _pg_bin() -> str | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if candidates:
        return os.path.dirname(candidates[0])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of an empty database on a throwaway cluster (``postgresql+psycopg://…``)."""
    bindir = _pg_bin()
    if bindir is None:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL est requis (REQUIRE_POSTGRES=1) mais initdb est introuvable.")
        pytest.skip("PostgreSQL absent (initdb introuvable) : tests PostgreSQL ignorés.")
    datadir = tempfile.mkdtemp(prefix="fr-pg-")
    sockdir = tempfile.mkdtemp(prefix="fr-pgsock-")
    if os.geteuid() == 0:
        shutil.chown(datadir, "postgres")
        shutil.chown(sockdir, "postgres")
    port = _free_port()
    subprocess.run(
        _as_postgres([f"{bindir}/initdb", "-D", datadir, "-A", "trust", "-U", "postgres"]),
        check=True,
        capture_output=True,
    )
    subprocess.run(
        _as_postgres(
            [
                f"{bindir}/pg_ctl",
                "-D",
                datadir,
                "-o",
                f"-p {port} -k {sockdir} -c fsync=off",
                "-l",
                f"{datadir}/log",
                "-w",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_postgres([f"{bindir}/pg_ctl", "-D", datadir, "-m", "immediate", "stop"]), capture_output=True
        )
        shutil.rmtree(datadir, ignore_errors=True)
        shutil.rmtree(sockdir, ignore_errors=True)
