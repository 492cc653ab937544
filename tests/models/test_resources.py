"""The one place that finds ``resources``: the checkout's folder, or ``app/resources`` once installed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.models import resources
from app.models.resources import ResourcesMissingError, display_path, resource_path, resources_dir

ROOT = Path(__file__).resolve().parents[2]


def test_a_checkout_reads_the_top_level_folder() -> None:
    assert resources_dir() == ROOT / "resources"
    assert resource_path("rules", "default.yaml").is_file()
    assert resource_path("fonts", "DejaVuSans.ttf").is_file()


def test_the_installed_package_data_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "app" / "resources" / "fonts").mkdir(parents=True)
    monkeypatch.setattr(resources, "files", lambda package: tmp_path / package)
    assert resources_dir() == tmp_path / "app" / "resources"
    assert resource_path("fonts") == tmp_path / "app" / "resources" / "fonts"
    assert display_path(tmp_path / "app" / "resources" / "fonts" / "x.ttf") == "resources/fonts/x.ttf"


def test_nothing_installed_nor_checked_out_says_so_in_french(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resources, "files", lambda package: tmp_path / package)
    monkeypatch.setattr(resources, "_CHECKOUT", tmp_path / "absent")
    with pytest.raises(ResourcesMissingError, match="réinstallez"):
        resources_dir()
    assert display_path(tmp_path / "x.yaml") == str(tmp_path / "x.yaml")


def test_display_path_is_short_inside_and_whole_outside(tmp_path: Path) -> None:
    assert (
        display_path(resource_path("vocabularies", "regimes.yaml")) == "resources/vocabularies/regimes.yaml"
    )
    assert display_path(tmp_path / "regles.yaml") == str(tmp_path / "regles.yaml")


def test_no_other_module_looks_for_resources_by_itself() -> None:
    """Only app/models/resources.py knows where ``resources`` is (no ``parents[…]``, no ``sys._MEIPASS``)."""
    offenders = []
    for path in (ROOT / "app").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name != "resources.py" and ('"resources"' in text or "_MEIPASS" in text):
            offenders.append(path.relative_to(ROOT).as_posix())
    assert offenders == []


def test_setup_installs_every_resource_folder_as_package_data() -> None:
    code = (
        "import setuptools, sys; setuptools.setup = lambda **kw: print(repr(kw)); "
        "sys.argv = ['setup.py']; exec(open('setup.py').read())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    config = eval(out)  # the keyword arguments setup.py passes, printed by repr
    folders = {p.relative_to(ROOT / "resources").as_posix().replace("/", ".") for p in (ROOT / "resources").rglob("*")
               if p.is_dir() and "__pycache__" not in p.parts}  # fmt: skip
    assert config["package_dir"] == {"app.resources": "resources"}
    assert {"app.resources", *(f"app.resources.{f}" for f in folders)} <= set(config["packages"])
    assert all(config["package_data"][f"app.resources.{f}"] == ["*"] for f in folders)
