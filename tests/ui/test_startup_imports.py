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


def test_discovering_the_pages_and_tabs_imports_none_of_their_modules() -> None:
    code = (
        "import sys\n"
        "from app.ui.shell.application import make_application\n"
        "from app.ui.shell.plugins import page_plugins, tab_plugins\n"
        "make_application(); pages = page_plugins(); tabs = tab_plugins()\n"
        "assert {'alertes', 'parametres', 'sync'} <= set(pages) and {'rdv', 'contrats'} <= set(tabs)\n"
        "loaded = [m for m in sys.modules if m.endswith(('.page', '.tab')) and m.startswith('app.ui.')]\n"
        "assert loaded == ['app.ui.person.page'] or not loaded, loaded"
    )
    _modules_after(code)


def test_the_pages_that_show_the_sync_state_load_no_network_or_pdf_library() -> None:
    code = (
        "from app.ui.shell.application import make_application\n"
        "make_application()\n"
        "import app.ui.pages.sync.page, app.ui.pages.settings.page\n"
        "import app.ui.person.contracts.tab, app.ui.person.documents.tab, app.ui.person.bilans.tab"
    )
    loaded = _modules_after(code)
    assert not loaded & {"httpx", "alembic", *HEAVY}, sorted(loaded & {"httpx", "alembic", *HEAVY})
