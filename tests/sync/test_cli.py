"""The real programs: ``python -m server`` in a subprocess and ``python -m app`` enroll / churn / sync / status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.sync.harness import free_port

PY = sys.executable
PASS = "phrase secrète de test\n"


def run(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PY, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )


def start_server(
    db: str, port: int, env: dict[str, str], *, launcher: list[str] | None = None
) -> subprocess.Popen[bytes]:
    """``python -m server serve`` in a subprocess (``launcher``: a test module running it with a fault)."""
    module = launcher or ["server"]
    proc = subprocess.Popen(
        [PY, "-m", *module, "--database", db, "serve", "--port", str(port)],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 15
    while time.time() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/info", timeout=0.5)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("server did not start")


def test_cli_enroll_churn_sync_status(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "FIL_ROUGE_LOG_DIR": str(tmp_path / "logs"),
    }
    db = f"sqlite:///{tmp_path / 'srv.db'}"
    assert (
        run(
            [
                "-m",
                "server",
                "--database",
                db,
                "user",
                "add",
                "alice",
                "--name",
                "Alice Martin",
                "--role",
                "referent",
                "--team",
                "Nord",
            ],
            env,
        ).returncode
        == 0
    )
    code = run(["-m", "server", "--database", db, "device", "code", "--user", "alice"], env).stdout.strip()
    assert len(code) == 11
    port = free_port()
    proc = start_server(db, port, env)
    try:
        app = ["-m", "app", "--data-dir", str(tmp_path / "data"), "--passphrase-stdin"]
        assert run([*app, "init"], env, PASS).returncode == 0
        r = run([*app, "enroll", "--server", f"http://127.0.0.1:{port}", "--code", code], env, PASS)
        assert r.returncode == 0, r.stderr
        r = run([*app, "demo", "churn", "--ops", "60", "--seed", "3"], env, PASS)
        assert r.returncode == 0, r.stderr
        r = run([*app, "sync", "--json"], env, PASS)
        assert r.returncode == 0, r.stderr
        rep = json.loads(r.stdout)
        assert rep["state"] == "ok" and rep["uploaded"] >= 60 and rep["pending"] == 0
        st = json.loads(run([*app, "status", "--json"], env, PASS).stdout)
        srv = json.loads(run(["-m", "server", "--database", db, "status", "--json"], env).stdout)
        assert st["pending_ops"] == 0
        for name, t in st["tables"].items():
            assert t["hash"] == srv["tables"][name]["hash"], name
    finally:
        proc.terminate()
        proc.wait(10)


def test_plain_http_only_for_localhost() -> None:
    import pytest

    from app.services.sync.base import check_url
    from app.services.sync.errors import InsecureServerError

    assert check_url("https://fil-rouge.departement.fr/") == "https://fil-rouge.departement.fr"
    assert check_url("http://127.0.0.1:8765") == "http://127.0.0.1:8765"
    with pytest.raises(InsecureServerError, match="https"):
        check_url("http://exemple.fr")


def test_codecs_agree() -> None:
    from app.models.sync import wire as client_codec
    from app.models.sync import wire as server_codec

    pairs = [("b", 3), ("a", 12)]
    assert client_codec.table_hash(pairs) == server_codec.table_hash(pairs)
    op = {"i": "x", "s": 1, "t": "person", "r": "r", "b": 0, "k": "update", "f": {"city": "Lille"}}
    assert client_codec.payload_hash(op) == server_codec.payload_hash(op)
