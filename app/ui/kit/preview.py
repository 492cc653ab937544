"""PDF preview: pages rendered in memory (:mod:`app.services.printing.raster`, PDFium) on the worker, shown in a
scroll area; « Imprimer… » renders them again at the printer's resolution (at most 300 dpi) and paints them through
QPrintDialog/QPrinter; « Enregistrer sous… » writes the PDF."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtGui import QImage, QKeySequence, QPainter, QPixmap, QShortcut
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.models.errors import FilRougeError
from app.models.files import write_file
from app.services.printing.raster import PageImage, RasterError, print_dpi, render_pages
from app.ui.kit import theme
from app.ui.kit.errors import show_error
from app.ui.kit.widgets import fit_to_screen, named
from app.ui.kit.worker import DbWorker, WorkerContext

RESOLUTION = 90  # dpi of the preview images (printing renders again at the printer's resolution)


def to_qimage(page: PageImage) -> QImage:
    """A page image as a QImage that owns its pixels."""
    image = QImage(page.pixels, page.width, page.height, page.stride, QImage.Format.Format_RGB888)
    if image.isNull():
        raise RasterError()
    return image.copy()


def render_images(pdf: bytes, dpi: int = RESOLUTION) -> list[QImage]:
    """The PDF's pages as images (works on the worker thread: QImage, not QPixmap)."""
    return [to_qimage(page) for page in render_pages(pdf, dpi)]


def printer_dpi(printer: QPrinter) -> int:
    """The resolution to render pages for ``printer``: its own, at most 300 dpi."""
    return print_dpi(printer.resolution())


def paint_images(painter: QPainter, printer: QPrinter, images: list[QImage], *, first: bool) -> None:
    """Paint page images, one per printer page, scaled into the page (``first``: no page break before).

    Works on the worker thread too (QPainter on a QPrinter is allowed outside the GUI thread)."""
    for n, image in enumerate(images):
        if n or not first:
            printer.newPage()
        area = painter.viewport()
        size = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
        painter.drawImage(QRect(area.x(), area.y(), size.width(), size.height()), image)


class PdfPreviewDialog(QDialog):
    """« Aperçu » of a PDF held in memory. ``on_print`` is called after a print or save (audit)."""

    def __init__(self, worker: DbWorker, pdf: bytes, title: str, file_name: str,
                 parent: QWidget | None = None, on_output: Callable[[str], None] | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.worker, self.pdf, self.file_name, self.on_output = worker, pdf, file_name, on_output
        self.pages: list[QImage] = []
        self.setWindowTitle(f"Aperçu — {title}")
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.info = named(QLabel("Préparation de l'aperçu…"), "muted")
        self.print_button = QPushButton(theme.icon("fa6s.print", "#ffffff"), "Imprimer…")
        self.print_button.setProperty("primary", True)
        self.print_button.setToolTip("Imprimer le document (Ctrl+P)")
        self.save_button = QPushButton(theme.icon("fa6s.floppy-disk"), "Enregistrer sous…")
        self.close_button = QPushButton("Fermer")
        for button, slot in ((self.print_button, self.print_document), (self.save_button, self.save_as),
                             (self.close_button, self.accept)):  # fmt: skip
            button.clicked.connect(slot)
            button.setAutoDefault(False)
        self.print_button.setEnabled(False)
        QShortcut(QKeySequence.StandardKey.Print, self, self.print_document)
        bar.addWidget(self.info, 1)
        bar.addWidget(self.save_button)
        bar.addWidget(self.print_button)
        bar.addWidget(self.close_button)
        layout.addLayout(bar)
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.scroller.setStyleSheet("QScrollArea { background: #8a939c; }")
        self.body = QWidget()
        self.body.setStyleSheet("background: #8a939c;")
        self.page_layout = QVBoxLayout(self.body)
        self.page_layout.setSpacing(14)
        self.page_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.scroller.setWidget(self.body)
        layout.addWidget(self.scroller, 1)
        fit_to_screen(self, 900, 860)  # an A4 page at 90 dpi and the bar; smaller screens scroll the pages
        QTimer.singleShot(0, self._load)

    def _load(self) -> None:
        data = self.pdf

        def job(_w: WorkerContext) -> list[QImage]:
            return render_images(data)

        self.worker.submit(job, self._show, self._failed, owner=self)

    def _failed(self, exc: BaseException) -> None:
        self.info.setText("Aperçu indisponible : vous pouvez tout de même enregistrer le PDF.")
        show_error(self, exc)

    def _show(self, images: list[QImage]) -> None:
        self.pages = images
        for n, image in enumerate(self.pages, 1):
            label = QLabel()
            label.setPixmap(QPixmap.fromImage(image))
            label.setAccessibleName(f"Page {n}")
            label.setStyleSheet("background: white; border: 1px solid #5f6b76;")
            self.page_layout.addWidget(label, 0, Qt.AlignmentFlag.AlignHCenter)
        self.info.setText(theme.plural(len(self.pages), "page", "pages") + " — A4")
        self.print_button.setEnabled(bool(self.pages))

    def paint_pages(self, printer: QPrinter) -> None:
        """Render the pages at the printer's resolution (≤ 300 dpi) and paint each into the page rectangle.

        Runs on the worker thread too (QPainter on a QPrinter is allowed outside the GUI thread)."""
        images = render_images(self.pdf, printer_dpi(printer))
        painter = QPainter()
        if not painter.begin(printer):
            raise FilRougeError("L'imprimante n'a pas pu être ouverte.")
        try:
            paint_images(painter, printer, images, first=True)
        finally:
            painter.end()

    def print_document(self) -> None:
        if not self.pages:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.file_name)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Imprimer")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.print_button.setEnabled(False)
        self.info.setText("Impression en cours…")

        def job(_w: WorkerContext) -> None:
            self.paint_pages(printer)

        self.worker.submit(job, lambda _r: self._printed(), self._print_failed, owner=self)

    def _printed(self) -> None:
        self.print_button.setEnabled(True)
        self.info.setText(theme.plural(len(self.pages), "page", "pages") + " — envoyé à l'imprimante")
        if self.on_output:
            self.on_output("impression")

    def _print_failed(self, exc: BaseException) -> None:
        self.print_button.setEnabled(True)
        self.info.setText("L'impression a échoué.")
        show_error(self, exc)

    def save_as(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Enregistrer le PDF sous", self.file_name, "Documents PDF (*.pdf)"
        )
        if path:
            self.write_to(path)

    def write_to(self, path: str) -> None:
        try:  # all or nothing: no partial PDF is left (app.models.files)
            write_file(path if path.lower().endswith(".pdf") else f"{path}.pdf", self.pdf)
        except FilRougeError as exc:
            show_error(self, exc)
            return
        self.info.setText(f"Enregistré : {Path(path).name}")
        if self.on_output:
            self.on_output("export")


def check_preview(pdf: bytes, out: Path | None = None) -> str:
    """Draw the PDF's first page the way the preview does, offscreen, and say what came out (French).

    The bundle's smoke test runs it (``fil-rouge-cli --check-preview FICHIER.pdf``): PDFium, the page image and
    Qt's image handling all have to be inside. Raises :class:`RasterError` for an unreadable or blank page."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    pages = render_pages(pdf, RESOLUTION, first=1, last=1)
    if not pages:
        raise RasterError("Le PDF n'a aucune page.")
    page = pages[0]
    image = to_qimage(page)
    label = QLabel()
    label.setPixmap(QPixmap.fromImage(image))
    label.resize(image.size())
    shot = label.grab().toImage()
    row = page.width * 3
    inked = sum(
        1
        for y in range(0, page.height, 4)
        for x in range(0, row, 12)
        if page.pixels[y * page.stride + x] < 128
    )
    share = inked / ((page.height // 4 + 1) * (row // 12 + 1))
    if share == 0 or shot.isNull():
        raise RasterError("La page dessinée est blanche : l'aperçu ne fonctionne pas sur ce poste.")
    if out is not None:
        shot.save(str(out), "PNG")  # type: ignore[call-overload]  # PySide6 takes the format as str
    app.processEvents()
    ink = f"{share * 100:.1f}".replace(".", ",")
    return f"Aperçu : page 1 dessinée ({page.width} × {page.height} px, {ink} % d'encre)."
