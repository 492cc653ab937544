"""The packaging files that cannot run here (installers, workflows) agree with build.spec and the app.

Inno Setup, WiX and the Windows/macOS workflow only run on Windows or macOS: these checks catch the mismatches
that would only show there (an executable renamed in one place, an app id typed twice, a lock file left out)."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

import app
from app.models.resources import resource_path

ROOT = Path(__file__).resolve().parents[1]
SPEC = (ROOT / "build.spec").read_text(encoding="utf-8")
ISS = (ROOT / "installer" / "fil-rouge.iss").read_text(encoding="utf-8")
WXS = (ROOT / "installer" / "fil-rouge.wxs").read_text(encoding="utf-8")
WORKFLOW = (ROOT / ".github" / "workflows" / "desktop.yml").read_text(encoding="utf-8")
BUNDLE_PS1 = (ROOT / "scripts" / "check-bundle.ps1").read_text(encoding="utf-8")


def test_every_installer_launches_the_executables_the_spec_builds() -> None:
    assert 'CLI_NAME = "fil-rouge-cli"' in SPEC and 'DIST_NAME = "fil-rouge"' in SPEC
    assert "GUI_NAME = APP_NAME if (WINDOWS or MACOS)" in SPEC and app.APP_NAME == "Fil rouge"
    assert '#define AppExe "Fil rouge.exe"' in ISS
    assert 'Target="[INSTALLFOLDER]Fil rouge.exe"' in WXS
    assert '$Gui = Join-Path $Dist "Fil rouge.exe"' in BUNDLE_PS1
    assert '$Cli = Join-Path $Dist "fil-rouge-cli.exe"' in BUNDLE_PS1


def test_the_taskbar_identity_is_the_same_everywhere() -> None:
    assert re.fullmatch(r"[A-Za-z0-9.]{1,128}", app.APP_USER_MODEL_ID)  # no spaces (Windows rule)
    assert f'#define AppUserModelID "{app.APP_USER_MODEL_ID}"' in ISS
    assert f'Key="System.AppUserModel.ID" Value="{app.APP_USER_MODEL_ID}"' in WXS


def test_the_per_user_installer_needs_no_administrator() -> None:
    assert "PrivilegesRequired=lowest" in ISS
    assert "DefaultDirName={userpf}\\{#AppName}" in ISS  # %LOCALAPPDATA%\Programs
    assert "UninstallSilent()" in ISS and "MB_DEFBUTTON2" in ISS  # data kept unless the user says « Oui »
    assert "{localappdata}\\fil-rouge" in ISS  # platformdirs.user_data_dir("fil-rouge", appauthor=False)
    assert 'Scope="perMachine"' in WXS


def test_installer_identifiers_never_change() -> None:
    assert "AppId={{A858437B-6E44-4ADF-91A4-6AACB39C42AD}" in ISS
    assert 'UpgradeCode="75F3574D-6C7E-4B0A-93C3-BAA104AFDF5D"' in WXS


def test_the_workflow_installs_from_the_lock_and_runs_the_smoke_tests() -> None:
    assert WORKFLOW.count("--require-hashes -r requirements/dev.txt") == 2
    assert "runs-on: windows-2022" in WORKFLOW and "runs-on: macos-14" in WORKFLOW
    assert "scripts/check-bundle.ps1" in WORKFLOW and "scripts/check-bundle.sh" in WORKFLOW
    assert "installer\\fil-rouge.iss" in WORKFLOW and "installer\\fil-rouge.wxs" in WORKFLOW
    assert "tests/services/test_keyring_windows.py" in WORKFLOW
    assert "REQUIRE_POSTGRES" not in WORKFLOW and "REQUIRE_SECRET_SERVICE" not in WORKFLOW  # they skip there
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    uv_pin = re.search(r"^UV_VERSION := (\S+)$", makefile, re.M)
    assert uv_pin is not None and f'UV_VERSION: "{uv_pin.group(1)}"' in WORKFLOW


@pytest.mark.parametrize("lock", ["app", "server", "dev"])
def test_lock_files_pin_everything_for_every_system(lock: str) -> None:
    text = (ROOT / "requirements" / f"{lock}.txt").read_text(encoding="utf-8")
    pins = re.findall(r"^([a-z0-9][a-z0-9._-]*)==(\S+)", text, re.M)
    names = {name for name, _ in pins}
    assert {"pyside6-essentials", "pypdfium2", "pyhanko", "aiohttp", "sqlcipher3"} <= names
    assert "pywin32-ctypes==0.2.3 ; sys_platform == 'win32'" in text  # keyring's Windows backend
    assert len(re.findall(r"--hash=sha256:", text)) >= len(pins)  # every pin has a hash
    if lock == "dev":
        assert {"pyinstaller", "pefile", "macholib", "uv", "pytest"} <= names
    project = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    pyside = re.search(r'"PySide6-Essentials([^"]*)"', project)
    assert pyside is not None and dict(pins)["pyside6-essentials"].startswith("6.11.")


def test_the_icon_is_rendered_from_the_one_svg(tmp_path: Path, qtbot) -> None:
    from scripts.make_icons import ICO_SIZES, render_icons

    files = render_icons(tmp_path)
    assert files["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ico = files["ico"].read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind, count) == (0, 1, len(ICO_SIZES))
    for n in range(count):
        width, _h, _c, _r, _planes, _bpp, size, offset = struct.unpack(
            "<BBBBHHII", ico[6 + 16 * n : 22 + 16 * n]
        )
        assert ico[offset : offset + 8] == b"\x89PNG\r\n\x1a\n" and offset + size <= len(ico)
        assert (width or 256) == ICO_SIZES[n]
    icns = files["icns"].read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)
    assert resource_path("icons", "fil-rouge.svg").is_file()
    assert "render_icons(" in SPEC
