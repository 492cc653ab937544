"""Optional PAdES seal of a generated PDF with the department's certificate (PKCS#12 file).

The seal is a certification signature (DocMDP « no changes »): any later change to the file, whether bytes
flipped inside the signed range or an incremental update appended, is reported by PDF readers
(``pdfsig``, Acrobat). Callers skip sealing when no certificate is configured.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from app.models.errors import FilRougeError

# pyHanko imports cryptography's DSA support, deprecated there; seals use EC or RSA keys. Without this, every
# sealed PDF made from the command line prints the warning on stderr.
warnings.filterwarnings("ignore", message="DSA is deprecated", module=r"pyhanko\.")

if TYPE_CHECKING:  # pyHanko (and aiohttp, cryptography...) costs ~0.5 s to import: loaded when sealing
    from pyhanko.sign import signers


class SealError(FilRougeError):
    default_message = "Le scellement du document a échoué : vérifiez le certificat et son mot de passe."


def load_sealer(p12_path: str | Path, password: str | bytes | None) -> signers.SimpleSigner:
    """Load the signing key and certificate chain from a PKCS#12 file; raise :class:`SealError` if unusable."""
    from pyhanko.sign import signers

    path = Path(p12_path)
    if not path.is_file():
        raise SealError(f"Certificat de scellement introuvable : {path.name}")
    passphrase = password.encode("utf-8") if isinstance(password, str) else password
    try:
        signer = signers.SimpleSigner.load_pkcs12(str(path), passphrase=passphrase)
    except (ValueError, OSError) as exc:
        raise SealError() from exc
    if signer is None:  # pyHanko returns None (and logs) on a wrong password or a broken file
        raise SealError()
    return signer


def seal_pdf(
    pdf_bytes: bytes,
    p12_path: str | Path,
    password: str | bytes | None,
    reason: str = "Scellement du Département",
    *,
    location: str | None = None,
    field_name: str = "Scellement",
) -> bytes:
    """Return ``pdf_bytes`` with a PAdES baseline-B certification signature appended (incremental update)."""
    signer = load_sealer(p12_path, password)
    return seal_with(pdf_bytes, signer, reason, location=location, field_name=field_name)


def seal_with(
    pdf_bytes: bytes,
    signer: signers.Signer,
    reason: str = "Scellement du Département",
    *,
    location: str | None = None,
    field_name: str = "Scellement",
) -> bytes:
    """:func:`seal_pdf` with a signer already loaded (see :func:`load_sealer`)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason,
        location=location,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes))
        out = signers.sign_pdf(writer, meta, signer=signer)
    except Exception as exc:  # pyHanko raises several unrelated types (PdfReadError, SigningError...)
        raise SealError() from exc
    return out.getvalue()
