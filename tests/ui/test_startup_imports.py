"""What start-up imports (ARCHITECTURE.md: lock screen < 1 s of CPU, ``--version`` < 0.3 s; figures in
benchmarks/bench_startup.py). Not timed here: these check *which* modules load, in a fresh interpreter, so that a
top-level ``import pyhanko`` slipped into a module the window imports shows up as a failing test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pyhanko", "reportlab", "openpyxl", "pypdfium2", "icalendar", "holidays", "aiohttp")


def _modules_after(code: str) -> set[str]:
    probe = code + "\nimport json, sys\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"}, timeout=120)  # fmt: skip
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_version_imports_no_command_and_no_service() -> None:
    code = (
        "import sys\nfrom app.__main__ import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "assert not any(m.startswith(('app.commands', 'app.ui')) for m in sys.modules)"
    )
    loaded = _modules_after(code)
    assert not loaded & {"sqlalchemy", "PySide6", *HEAVY}


def test_the_window_up_to_the_lock_screen_imports_no_heavy_library() -> None:
    code = (
        "from app.ui.shell.application import make_application\n"
        "from app.ui.shell.main_window import MainWindow\n"
        "from app.ui.shell.plugins import page_factories\n"
        "make_application(); page_factories()"  # the person tabs load when a file is opened, after unlocking
    )
    loaded = _modules_after(code)
    assert "PySide6" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
