"""Where the files shipped with the application are: fonts, rule tables, vocabularies, texts, column maps.

The one place every reader goes through. ``resources/`` sits at the top of the repository and is installed as the
package data ``app/resources`` (setup.py maps it): an installed wheel and the PyInstaller bundle (which puts it in
the same place) are read through :mod:`importlib.resources`; a source checkout, where ``app/resources`` does not
exist, reads the top-level folder itself.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from app.models.errors import FilRougeError

_CHECKOUT = Path(__file__).resolve().parents[2] / "resources"


class ResourcesMissingError(FilRougeError):
    default_message = (
        "Les fichiers de l'application (dossier « resources ») sont introuvables : réinstallez-la."
    )


def resources_dir() -> Path:
    """The ``resources`` folder: ``app/resources`` of the installed package, else the checkout's own."""
    installed = files("app") / "resources"
    if isinstance(installed, Path) and installed.is_dir():
        return installed
    if _CHECKOUT.is_dir():
        return _CHECKOUT
    raise ResourcesMissingError()


def resource_path(*parts: str) -> Path:
    """A file or folder under ``resources`` (``resource_path("rules", "default.yaml")``)."""
    return resources_dir().joinpath(*parts)


def display_path(path: Path) -> str:
    """The path from the ``resources`` folder's parent when it lies inside (messages name shipped files briefly:
    ``resources/vocabularies/regimes.yaml``), else the path itself."""
    try:
        return "resources/" + path.resolve().relative_to(resources_dir().resolve()).as_posix()
    except (ValueError, OSError, FilRougeError):
        return str(path)
