"""Render the application icon from its one source, ``resources/icons/fil-rouge.svg``, into the files each system
wants: ``fil-rouge.png`` (512 px, Linux and the window), ``fil-rouge.ico`` (Windows: 16 to 256 px, PNG entries) and
``fil-rouge.icns`` (macOS: 16 to 1024 px, PNG entries). Qt's SVG renderer draws; the containers are written here.

    .venv/bin/python scripts/make_icons.py OUT_DIR       (build.spec calls render_icons() itself)
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "resources" / "icons" / "fil-rouge.svg"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
#: ICNS entry types holding PNG data, by pixel size (ic10 is 512@2x).
ICNS_TYPES = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08", 512: b"ic09", 1024: b"ic10"}


def _png(size: int) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        raise SystemExit(f"make_icons: {SOURCE} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def ico(pngs: dict[int, bytes]) -> bytes:
    """A Windows .ico whose entries are PNG images (Windows Vista and later read them)."""
    sizes = sorted(pngs)
    out = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    for size in sizes:
        edge = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        out += struct.pack("<BBBBHHII", edge, edge, 0, 0, 1, 32, len(pngs[size]), offset)
        offset += len(pngs[size])
    return out + b"".join(pngs[size] for size in sizes)


def icns(pngs: dict[int, bytes]) -> bytes:
    """A macOS .icns whose entries are PNG images."""
    body = b"".join(ICNS_TYPES[s] + struct.pack(">I", 8 + len(pngs[s])) + pngs[s] for s in sorted(pngs))
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def render_icons(out_dir: Path) -> dict[str, Path]:
    """Write the three icon files into ``out_dir``; returns them by suffix (``png``, ``ico``, ``icns``)."""
    from PySide6.QtGui import QGuiApplication

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication.instance() or QGuiApplication([])
    pngs = {size: _png(size) for size in sorted({*ICO_SIZES, *ICNS_TYPES})}
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "png": out_dir / "fil-rouge.png",
        "ico": out_dir / "fil-rouge.ico",
        "icns": out_dir / "fil-rouge.icns",
    }
    files["png"].write_bytes(pngs[512])
    files["ico"].write_bytes(ico({s: pngs[s] for s in ICO_SIZES}))
    files["icns"].write_bytes(icns({s: pngs[s] for s in ICNS_TYPES}))
    return files


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    for path in render_icons(Path(sys.argv[1])).values():
        print(f"{path} ({path.stat().st_size // 1024} Ko)")
