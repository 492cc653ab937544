"""Test-only launcher of the real server with one fault injected from outside (no hook in production code).

    python -m tests.sync.fault_server FAULT -- <python -m server arguments>

``kill_mid_batch``: SIGKILL the process when an upload has written its business rows and is about to record its
ops in ``applied_ops`` — inside the open transaction, before the commit (an SQLAlchemy event on every engine).
``kill_after_commit``: SIGKILL right after an upload batch committed, before its answer is sent (the engine's
``apply_batch`` wrapped).
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any


def _kill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def kill_mid_batch() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO APPLIED_OPS"):
            _kill()

    event.listen(Engine, "before_cursor_execute", before)


def kill_after_commit() -> None:
    from server.engine import upload

    real = upload.apply_batch

    def apply_then_die(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        _kill()

    upload.apply_batch = apply_then_die  # type: ignore[assignment]


FAULTS = {"kill_mid_batch": kill_mid_batch, "kill_after_commit": kill_after_commit}


def main(argv: list[str]) -> int:
    fault, _sep, server_args = argv[0], argv[1], argv[2:]
    FAULTS[fault]()
    from server.__main__ import main as server_main

    return server_main(server_args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
