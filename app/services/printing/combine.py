"""Several PDFs as one: the pages of each document grafted, in order, under one page tree (batch outputs of
contracts and letters)."""

from __future__ import annotations

import io
from collections.abc import Sequence


def concatenate(pdfs: Sequence[bytes]) -> bytes:
    """One PDF with the pages of ``pdfs`` in order (each source's page tree grafted under one root)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import PdfFileWriter

    writer = PdfFileWriter()
    root_ref = writer.root.raw_get("/Pages")
    root = root_ref.get_object()
    kids = root["/Kids"]
    count = 0
    for data in pdfs:
        source = PdfFileReader(io.BytesIO(data))
        node_ref = writer.import_object(source.root.raw_get("/Pages"))
        node = node_ref.get_object()
        node[generic.NameObject("/Parent")] = root_ref
        kids.append(node_ref)
        count += int(node["/Count"])
    root[generic.NameObject("/Count")] = generic.NumberObject(count)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
