"""PDF pages as images, by poppler's ``pdftoppm`` in a temporary directory removed afterwards: the one place the
app rasterises a PDF (preview and printing in the window, document thumbnails)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from app.models.errors import FilRougeError


class RasterError(FilRougeError):
    default_message = "L'aperçu n'a pas pu être affiché (outil « pdftoppm » absent ou PDF illisible)."


def render_pages(
    pdf: bytes, dpi: int, *, png: bool = True, first: int | None = None, last: int | None = None
) -> list[bytes]:
    """Pages ``first``..``last`` (1-based, all by default) as PNG bytes, or uncompressed PPM with ``png=False``
    (ten times faster to produce). Raises :class:`RasterError` when the tool is missing or the PDF unreadable."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise RasterError()
    with tempfile.TemporaryDirectory(prefix="filrouge-apercu-") as tmp:
        source = Path(tmp) / "document.pdf"
        source.write_bytes(pdf)
        pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
        args = [
            tool,
            *(["-png"] if png else []),
            "-r",
            str(dpi),
            *pages,
            str(source),
            str(Path(tmp) / "page"),
        ]
        try:
            done = subprocess.run(args, capture_output=True, timeout=120, check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            raise RasterError() from exc
        if done.returncode != 0:
            raise RasterError()
        pattern = "page*.png" if png else "page*.ppm"
        return [p.read_bytes() for p in sorted(Path(tmp).glob(pattern))]
