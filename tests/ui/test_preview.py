"""The PDF preview (offscreen): pages drawn in memory by PDFium, printed at the printer's resolution capped at 300 dpi.

Printing goes to Qt's own PDF printer: the page images it embeds are read back with ``pdfimages -list``."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrinter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from app.services.printing.raster import RasterError, render_pages
from app.ui.kit.preview import PdfPreviewDialog, printer_dpi, render_images, to_qimage


def _pdf(pages: int) -> bytes:
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4)
    for n in range(pages):
        c.rect(0, A4[1] - 72, 72, 72, stroke=0, fill=1)
        c.drawString(200, 400, f"Page {n + 1} — aperçu")
        c.showPage()
    c.save()
    return buf.getvalue()


def _pdf_printer(path, dpi: int) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setResolution(dpi)
    return printer


def test_page_images_keep_the_pixels_and_the_png_matches(qtbot) -> None:
    (page,) = render_pages(_pdf(1), 40)
    image = to_qimage(page)
    assert (image.width(), image.height()) == (page.width, page.height)
    assert image.pixelColor(5, 5).name() == "#000000" and image.pixelColor(100, 5).name() == "#ffffff"
    decoded = QImage.fromData(page.png(), "PNG").convertToFormat(QImage.Format.Format_RGB888)
    assert decoded == image.convertToFormat(QImage.Format.Format_RGB888)


def test_preview_shows_every_page(qtbot, worker) -> None:
    dialog = PdfPreviewDialog(worker, _pdf(3), "essai", "essai.pdf")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: bool(dialog.pages), timeout=15_000)
    assert len(dialog.pages) == 3 and dialog.print_button.isEnabled()
    assert dialog.info.text().startswith("3 pages")
    assert {(i.width(), i.height()) for i in dialog.pages} == {(745, 1053)}  # 90 dpi


def test_preview_of_a_broken_pdf_says_so_and_still_saves(qtbot, worker, monkeypatch, tmp_path) -> None:
    shown: list[BaseException] = []
    monkeypatch.setattr("app.ui.kit.preview.show_error", lambda _parent, exc: shown.append(exc))
    dialog = PdfPreviewDialog(worker, b"%PDF-1.4 abime", "essai", "essai.pdf")
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: bool(shown), timeout=15_000)
    assert isinstance(shown[0], RasterError) and not dialog.print_button.isEnabled()
    assert "enregistrer" in dialog.info.text()
    dialog.write_to(str(tmp_path / "x.pdf"))
    assert (tmp_path / "x.pdf").read_bytes() == b"%PDF-1.4 abime"


@pytest.mark.skipif(
    shutil.which("pdfimages") is None, reason="poppler-utils absent (pdfimages checks the output)"
)
@pytest.mark.parametrize(("printer_resolution", "expected"), [(1200, 300), (600, 300), (150, 150)])
def test_printing_renders_at_the_printer_resolution_capped_at_300_dpi(
    qtbot, worker, tmp_path, printer_resolution: int, expected: int
) -> None:
    outputs: list[str] = []
    dialog = PdfPreviewDialog(worker, _pdf(2), "essai", "essai.pdf", on_output=outputs.append)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: bool(dialog.pages), timeout=15_000)
    printer = _pdf_printer(tmp_path / "imprime.pdf", printer_resolution)
    assert printer_dpi(printer) == expected
    dialog.paint_pages(printer)
    listing = subprocess.run(["pdfimages", "-list", str(tmp_path / "imprime.pdf")], capture_output=True,
                             text=True, check=True).stdout.splitlines()[2:]  # fmt: skip
    assert len(listing) == 2  # one image per page, one page per page
    for line in listing:
        fields = line.split()
        width, height, x_ppi = int(fields[3]), int(fields[4]), int(fields[12])
        # the page is drawn into the printer's printable area (inside its margins), so a little denser
        assert expected <= x_ppi <= expected * 1.1, line
        assert (
            abs(width - round(595.28 * expected / 72)) <= 2
            and abs(height - round(841.89 * expected / 72)) <= 2
        )


def test_render_images_runs_without_a_window(qtbot) -> None:
    images = render_images(_pdf(2), 20)
    assert len(images) == 2 and not any(i.isNull() for i in images)
