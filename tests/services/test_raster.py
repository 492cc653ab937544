"""The in-process PDF rasteriser (PDFium): sizes, pixels, PNG, hostile input, and no program or file on the way."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import tempfile
import zlib

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from app.services.printing import raster
from app.services.printing.raster import MAX_PIXELS, PageImage, RasterError, print_dpi, render_pages


def _pdf(pages: int = 3, size: tuple[float, float] = A4) -> bytes:
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=size)
    for n in range(pages):
        c.setFillColorRGB(0, 0, 0)
        c.rect(0, size[1] - 72, 72, 72, stroke=0, fill=1)  # a black inch square in the top-left corner
        c.drawString(200, 400, f"Page {n + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


def _pixel(page: PageImage, x: int, y: int) -> tuple[int, ...]:
    at = y * page.stride + x * 3
    return tuple(page.pixels[at : at + 3])


def _decode_png(data: bytes) -> tuple[int, int, bytes]:
    """A minimal PNG reader (filter 0 rows only, as written by PageImage.png): width, height, RGB rows."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, kind
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
            assert body[8:] == b"\x08\x02\x00\x00\x00"
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    assert len(raw) == height * (1 + width * 3)
    assert all(raw[y * (1 + width * 3)] == 0 for y in range(height))
    return width, height, raw


def test_pages_are_drawn_at_the_asked_resolution() -> None:
    pages = render_pages(_pdf(3), 72)
    assert [(p.width, p.height) for p in pages] == [(596, 842)] * 3  # 595.28 x 841.89 pt, rounded up
    (page,) = render_pages(_pdf(1), 300)
    assert (page.width, page.height) == (2481, 3508)
    assert page.stride >= page.width * 3 and len(page.pixels) >= page.stride * page.height


def test_pixels_are_the_page_content_on_white() -> None:
    (page,) = render_pages(_pdf(1), 72)
    assert _pixel(page, 10, 10) == (0, 0, 0)  # inside the black square
    assert _pixel(page, 100, 10) == (255, 255, 255)  # outside it: white, not transparent black
    assert _pixel(page, 590, 838) == (255, 255, 255)


def test_a_page_range_is_one_based_and_clipped() -> None:
    pdf = _pdf(4)
    assert len(render_pages(pdf, 20, first=2, last=3)) == 2
    assert len(render_pages(pdf, 20, first=4)) == 1
    assert render_pages(pdf, 20, first=9) == []
    assert len(render_pages(pdf, 20, last=99)) == 4


def test_png_holds_the_same_pixels() -> None:
    (page,) = render_pages(_pdf(1), 30)
    width, height, raw = _decode_png(page.png())
    assert (width, height) == (page.width, page.height)
    row = 1 + width * 3
    for y in (0, height // 2, height - 1):
        assert raw[y * row + 1 : (y + 1) * row] == page.pixels[y * page.stride : y * page.stride + width * 3]


@pytest.mark.parametrize(
    "data",
    [b"", b"pas un PDF", b"%PDF-1.7\n" + b"\x00" * 500, _pdf(1)[:200]],
    ids=["empty", "text", "header-only", "truncated"],
)
def test_unreadable_bytes_raise_a_french_error(data: bytes) -> None:
    with pytest.raises(RasterError, match="PDF est illisible"):
        render_pages(data, 72)


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf absent")
def test_a_password_protected_pdf_is_refused_not_guessed(tmp_path) -> None:
    (tmp_path / "clair.pdf").write_bytes(_pdf(1))
    subprocess.run(["qpdf", "--encrypt", "secret", "secret", "256", "--", str(tmp_path / "clair.pdf"),
                    str(tmp_path / "chiffre.pdf")], check=True)  # fmt: skip
    with pytest.raises(RasterError, match="mot de passe"):
        render_pages((tmp_path / "chiffre.pdf").read_bytes(), 72)


def test_a_giant_page_is_drawn_smaller_instead_of_eating_the_memory() -> None:
    (page,) = render_pages(_pdf(1, size=(14_000, 14_000)), 300)  # ~5 m wide: 58,000 px a side at 300 dpi
    assert page.width * page.height <= MAX_PIXELS
    assert page.width > 5000  # still as large as allowed, not a thumbnail


def test_print_resolution_follows_the_printer_up_to_300_dpi() -> None:
    assert print_dpi(600) == 300
    assert print_dpi(1200) == 300
    assert print_dpi(300) == 300
    assert print_dpi(150) == 150
    assert print_dpi(0) == 72


def test_no_program_and_no_temporary_file_on_the_way(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*_a: object, **_k: object) -> None:
        raise AssertionError("the rasteriser must not start a program or write a temporary file")

    for name in ("Popen", "run", "call", "check_output"):
        monkeypatch.setattr(subprocess, name, forbidden)
    for name in ("mkstemp", "mkdtemp", "NamedTemporaryFile", "TemporaryDirectory", "TemporaryFile"):
        monkeypatch.setattr(tempfile, name, forbidden)
    assert len(render_pages(_pdf(2), 50)) == 2
    assert "subprocess" not in raster.__dict__ and "tempfile" not in raster.__dict__
