"""PDF pages as images, in memory with PDFium (``pypdfium2``): the one place the app rasterises a PDF (preview and
printing in the window, batch printing, document thumbnails). No external program, no temporary file: the PDF,
which holds personal data, never leaves the process (docs/decisions/0020-pdf-raster-in-process.md).

PDFium is not thread-safe: every call goes through one lock, so the worker thread and any other caller take
turns. A page is drawn at the asked resolution unless that would exceed :data:`MAX_PIXELS` (a hostile or broken
PDF announcing a 5-metre page), in which case it is drawn smaller.
"""

from __future__ import annotations

import struct
import threading
import zlib
from dataclasses import dataclass

from app.models.errors import FilRougeError

#: Printing never needs more (1200 dpi made a 37 MB spool file per page for no visible gain).
MAX_PRINT_DPI = 300
#: Pixels of one page image at most: A3 at 300 dpi is 17.4 million.
MAX_PIXELS = 40_000_000

_PDFIUM = threading.Lock()


class RasterError(FilRougeError):
    default_message = (
        "L'aperçu n'a pas pu être affiché : le PDF est illisible ou protégé par un mot de passe."
    )


@dataclass(frozen=True)
class PageImage:
    """One page as 8-bit RGB pixels, rows from the top, ``stride`` bytes apart."""

    width: int
    height: int
    stride: int
    pixels: bytes = b""

    def png(self) -> bytes:
        """The image as a PNG file (no filter, zlib level 6: a thumbnail, not an archive)."""
        row = self.width * 3
        raw = b"".join(
            b"\x00" + self.pixels[y * self.stride : y * self.stride + row] for y in range(self.height)
        )
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)  # 8-bit truecolour
        return (
            b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(raw, 6))
            + _chunk(b"IEND", b"")
        )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def print_dpi(printer_dpi: int) -> int:
    """The resolution to render for a printer: the printer's own, at most :data:`MAX_PRINT_DPI`."""
    return max(72, min(int(printer_dpi), MAX_PRINT_DPI))


def render_pages(
    pdf: bytes, dpi: int, *, first: int | None = None, last: int | None = None
) -> list[PageImage]:
    """Pages ``first``..``last`` (1-based, all by default) drawn at ``dpi`` on white.

    Raises :class:`RasterError` when the bytes are not a readable PDF (or one locked by a password)."""
    import pypdfium2 as pdfium  # PDFium loads when a page is drawn, not at start-up

    with _PDFIUM:
        try:
            document = pdfium.PdfDocument(bytes(pdf))
        except (pdfium.PdfiumError, ValueError, TypeError) as exc:
            raise RasterError() from exc
        try:
            count = len(document)
            start, stop = max(1, first or 1), min(count, last or count)
            return [_render(document[n - 1], dpi) for n in range(start, stop + 1)]
        except pdfium.PdfiumError as exc:
            raise RasterError() from exc
        finally:
            document.close()


def _render(page: object, dpi: int) -> PageImage:
    width_pt, height_pt = page.get_size()  # type: ignore[attr-defined]
    scale = max(1, dpi) / 72
    pixels = width_pt * scale * height_pt * scale
    if pixels > MAX_PIXELS:
        scale *= (MAX_PIXELS / pixels) ** 0.5 * 0.999  # PDFium rounds the size up
    try:
        bitmap = page.render(scale=scale, rev_byteorder=True)  # type: ignore[attr-defined]
        try:
            if bitmap.n_channels != 3:  # PDFium gives RGB for an opaque render; anything else is a bug here
                raise RasterError()
            return PageImage(bitmap.width, bitmap.height, bitmap.stride, bytes(bitmap.buffer))
        finally:
            bitmap.close()
    finally:
        page.close()  # type: ignore[attr-defined]
