"""Where the files shipped with the application are: fonts, rule tables, vocabularies, texts, column maps.

One place for every reader: the ``resources`` folder at the top of the source tree, or inside the PyInstaller
bundle (``sys._MEIPASS``) when frozen.
"""

from __future__ import annotations

import sys
from pathlib import Path


def app_root() -> Path:
    """The folder holding ``resources``: the bundle when frozen, else the source checkout."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle)
    return Path(__file__).resolve().parents[2]


def resources_dir() -> Path:
    """The ``resources`` folder."""
    return app_root() / "resources"


def resource_path(*parts: str) -> Path:
    """A file or folder under ``resources`` (``resource_path("rules", "default.yaml")``)."""
    return resources_dir().joinpath(*parts)


def display_path(path: Path) -> str:
    """The path relative to the application root when it lies inside (messages name shipped files briefly)."""
    try:
        return path.resolve().relative_to(app_root()).as_posix()
    except (ValueError, OSError):
        return str(path)
