"""The sync engine of the server: apply an upload batch, serve the download feed, compute check hashes.

Ordering comes only from device_seq (per device, contiguous) and the feed sequence (global, gap-free, a counter
row updated in the batch transaction). The revision of a row is the feed sequence of its last change; each
field remembers the revision and device of its own last change, which is what the per-field merge needs.

The engine lives in cohesive modules; this one gathers their public names (``from server import sync``):

- :mod:`server.scope` — device context, scope (who sees what), shared facts about the replicated tables;
- :mod:`server.upload` — one batch in one transaction, one handler per op kind (:data:`OP_HANDLERS`);
- :mod:`server.download` — the feed, page by page, with entering files and parents;
- :mod:`server.check` — hashes, index and rows for the repair, department status, restored database;
- :mod:`server.attachments` — document bytes in resumable chunks.
"""

from __future__ import annotations

from server.check import fetch_rows, global_status, mark_restored, scope_hashes, scope_index, scope_pairs
from server.db import utcnow
from server.download import download
from server.scope import (
    APPEND_ONLY,
    CONVERTERS,
    FKS,
    GLOBAL_TABLES,
    PARENT,
    SOURCE,
    SYNC_COLS,
    DeviceCtx,
    ProtocolError,
    load_device,
    scope_referents,
    visible_clause,
)
from server.tables import BUSINESS
from server.upload import OP_HANDLERS, _apply_op, _Batch, _convert, _find_duplicates, _Seq, apply_batch

__all__ = [
    "APPEND_ONLY",
    "BUSINESS",
    "CONVERTERS",
    "FKS",
    "GLOBAL_TABLES",
    "OP_HANDLERS",
    "PARENT",
    "SOURCE",
    "SYNC_COLS",
    "DeviceCtx",
    "ProtocolError",
    "_Batch",
    "_Seq",
    "_apply_op",
    "_convert",
    "_find_duplicates",
    "apply_batch",
    "download",
    "fetch_rows",
    "global_status",
    "load_device",
    "mark_restored",
    "scope_hashes",
    "scope_index",
    "scope_pairs",
    "scope_referents",
    "utcnow",
    "visible_clause",
]
