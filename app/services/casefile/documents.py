"""Documents of a person's file: the bytes live inside the encrypted vault, never beside it.

A file becomes one :class:`~app.models.tables.carnet.Attachment` row, addressed by the SHA-256 of its content (two
identical files are stored once), and one :class:`~app.models.tables.carnet.Document` row (type from the vocabulary
``document_kinds``, title, date, MIME type, size). Reading back gives the exact bytes (preview, export); an
export is written to the audit trail (« export »).
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from app.models.enums import AuditAction
from app.models.errors import FilRougeError
from app.models.tables.base import new_id, utcnow
from app.models.tables.carnet import Attachment, Document
from app.models.tables.people import Person
from app.models.vocabularies.loader import load_vocabularies
from app.services.printing.raster import RasterError, render_pages
from app.services.storage import audit
from app.services.storage.db import Database
from app.services.storage.outputs import session_outputs
from app.services.storage.uow import get_row, person_rows, query, use_case
from app.services.validation import Checker, parse_date, require_choice, require_text

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
DOCUMENT_KINDS = "document_kinds"


class DocumentTooLargeError(FilRougeError):
    default_message = (
        "Ce fichier dépasse 20 Mo : il n'a pas été ajouté. Réduisez-le (scan en niveaux de gris, 150 dpi) "
        "puis réessayez."
    )


class DocumentReadError(FilRougeError):
    default_message = "Ce fichier n'a pas pu être lu : il n'a pas été ajouté."


@dataclass(frozen=True)
class DocumentView:
    id: str
    person_id: str
    kind: str
    kind_label: str
    title: str
    file_name: str
    mime_type: str
    size: int
    sha256: str
    document_date: date | None
    added_at: datetime

    @property
    def size_label(self) -> str:
        return size_label(self.size)

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")

    @property
    def is_pdf(self) -> bool:
        return self.mime_type == "application/pdf"


def size_label(size: int) -> str:
    """« 830 octets », « 12 Ko », « 1,4 Mo »."""
    if size < 1024:
        return f"{size} octet{'s' if size > 1 else ''}"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} Ko"
    return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")


def guess_mime(file_name: str) -> str:
    mime, _ = mimetypes.guess_type(file_name)
    return mime or "application/octet-stream"


def read_file(path: Path | str) -> bytes:
    """The bytes of a file chosen by the user, or a French typed error (too big, unreadable)."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_DOCUMENT_BYTES:
            raise DocumentTooLargeError()
        data = p.read_bytes()
    except FileNotFoundError:
        raise DocumentReadError(f"Le fichier « {p.name} » est introuvable : il n'a pas été ajouté.") from None
    except (IsADirectoryError, PermissionError, OSError):
        raise DocumentReadError(
            f"Le fichier « {p.name} » n'a pas pu être lu (droits d'accès ?) : il n'a pas été ajouté."
        ) from None
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentTooLargeError()
    return data


def _view(d: Document) -> DocumentView:
    return DocumentView(
        d.id, d.person_id, d.kind, load_vocabularies().label(DOCUMENT_KINDS, d.kind), d.title, d.file_name,
        d.mime_type, d.size, d.sha256, d.document_date, d.created_at,
    )  # fmt: skip


@use_case
def add_document(
    s: Session,
    person_id: str,
    *,
    kind: str,
    title: str,
    data: bytes,
    file_name: str = "",
    mime_type: str | None = None,
    document_date: date | str | None = None,
) -> str:
    """Store ``data`` (deduplicated by SHA-256) and describe it; returns the document id."""
    kinds = {e.code: e.label for e in load_vocabularies().choices(DOCUMENT_KINDS)}
    c = Checker()
    c.run("kind", require_choice, kind, kinds, "Choisissez le type de document.")
    clean_title = c.run("title", require_text, title, "Donnez un titre au document.", 300)
    day = c.run("document_date", parse_date, document_date, "Date invalide (format attendu : JJ/MM/AAAA).")
    if not data:
        c.add("data", "Le fichier est vide.")
    c.raise_if_any()
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentTooLargeError()
    digest = hashlib.sha256(data).hexdigest()
    get_row(s, Person, person_id, "Personne")
    with s.no_autoflush:
        stored = s.get(Attachment, digest)
    pending = any(isinstance(r, Attachment) and r.sha256 == digest for r in s.new)  # composed transaction
    if stored is None and not pending:
        s.add(
            Attachment(sha256=digest, size=len(data), data=bytes(data), created_at=utcnow(), uploaded=False)
        )
    row = Document(
        id=new_id(), person_id=person_id, kind=kind, title=clean_title or "", file_name=Path(file_name).name,
        mime_type=mime_type or guess_mime(file_name), size=len(data), sha256=digest, document_date=day,
    )  # fmt: skip
    s.add(row)
    return row.id


def add_document_file(
    db: Database,
    person_id: str,
    path: Path | str,
    *,
    kind: str,
    title: str = "",
    document_date: date | str | None = None,
) -> str:
    """Read ``path`` and store it as a document (title defaults to the file name without extension)."""
    p = Path(path)
    data = read_file(p)  # read before the transaction: a file error leaves nothing half-done
    return add_document(
        db, person_id, kind=kind, title=title or p.stem, data=data, file_name=p.name,
        mime_type=guess_mime(p.name), document_date=document_date,
    )  # fmt: skip


@query
def list_documents(s: Session, person_id: str) -> list[DocumentView]:
    """The person's documents, most recent first (document date, else date added)."""
    rows = person_rows(s, Document, person_id)
    views = [_view(d) for d in rows]
    return sorted(views, key=lambda v: (v.document_date or v.added_at.date(), v.added_at), reverse=True)


@query
def get_document(s: Session, document_id: str) -> DocumentView:
    return _view(get_row(s, Document, document_id, "Document"))


@query
def document_bytes(s: Session, document_id: str) -> bytes:
    """The exact bytes of a document (for a preview or an export)."""
    doc = get_row(s, Document, document_id, "Document")
    blob = s.get(Attachment, doc.sha256)
    if blob is None:
        raise DocumentReadError(
            "Le contenu de ce document n'est pas encore sur ce poste (il arrivera à la prochaine "
            "synchronisation)."
        )
    return bytes(blob.data)


@use_case
def export_document(s: Session, document_id: str, path: Path | str, *, actor: str) -> Path:
    """Write the document's bytes to ``path``; the audit trail records « export » in the same transaction."""
    view = get_document.within(s, document_id)
    data = document_bytes.within(s, document_id)
    target = session_outputs(s).write(path, data)  # all or nothing, removed if the audit then fails
    audit.record_audit.within(
        s, actor=actor or "local", action=AuditAction.EXPORT, person_id=view.person_id,
        object_table="document", object_id=view.id, detail=f"Export du document « {view.title} »",
    )  # fmt: skip
    return target


def pdf_first_page_png(data: bytes, dpi: int = 70) -> bytes | None:
    """PNG of the first page (rendered in memory, :mod:`app.services.printing.raster`), or None when unreadable."""
    try:
        pages = render_pages(data, dpi, first=1, last=1)
    except RasterError:
        return None
    return pages[0].png() if pages else None
