"""The layering rules of docs/decisions/0001-layers.md, as tests.

- import-linter's contracts (``[tool.importlinter]`` in pyproject.toml) hold: ``lint-imports`` succeeds.
- ``app/models`` and ``app/services`` never import PySide6 (nor qtawesome), not even lazily inside a
  function, which import-linter alone would also catch but with a less direct message.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QT_MODULES = ("PySide6", "shiboken6", "qtawesome", "qtpy")
CORE_DIRS = ("app/models", "app/services")


def _lint_imports() -> str:
    exe = Path(sys.executable).with_name("lint-imports")
    if exe.exists():
        return str(exe)
    found = shutil.which("lint-imports")
    if found is None:
        pytest.fail("lint-imports (import-linter) est introuvable : installez les dépendances dev.")
    return found


def test_import_linter_contracts_hold() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [_lint_imports(), "--no-cache"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, f"import-linter:\n{out.stdout}\n{out.stderr}"


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def test_core_never_imports_qt() -> None:
    offenders = []
    files = [f for d in CORE_DIRS for f in sorted((ROOT / d).rglob("*.py"))]
    assert files, "app/models and app/services should contain modules"
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for lineno, module in _imported_modules(tree):
            if module.split(".")[0] in QT_MODULES:
                offenders.append(f"{path.relative_to(ROOT)}:{lineno} imports {module}")
    assert not offenders, "the core must not import Qt:\n" + "\n".join(offenders)


QT_IMPORT_LINE = re.compile(
    r"^\s*(from|import)\s+(PySide6|shiboken6|qtawesome)\b|(import_module|__import__)\(\s*[\"'](PySide6|qtawesome)"
)


def test_core_source_has_no_qt_import_line() -> None:
    """A plain grep as a second net (catches e.g. an import inside an ``exec``'d string or a typo'd AST)."""
    hits = []
    for d in CORE_DIRS:
        for path in sorted((ROOT / d).rglob("*.py")):
            for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if QT_IMPORT_LINE.search(line):
                    hits.append(f"{path.relative_to(ROOT)}:{lineno}: {line.strip()}")
    assert not hits, "\n".join(hits)
