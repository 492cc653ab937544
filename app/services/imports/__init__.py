"""Import of the département's monthly orientation lists (CSV) into the vault.

Pipeline: :mod:`reader` (refuse non-CSV, detect encoding and separator, map headers with :mod:`columns`) →
:mod:`rows` (validate each record) → :mod:`planner` (match people with :mod:`matching` against a
:mod:`snapshot` of the vault, decide créé / mis à jour / inchangé / rejeté) → :mod:`apply` (one transaction,
batched flushes) → :mod:`report`.
"""

from app.services.imports.columns import ColumnMap, load_column_map
from app.services.imports.errors import ImportCancelled, ImportFileError, ImportRowError
from app.services.imports.report import ImportReport, Outcome, RowResult, encoding_label
from app.services.imports.service import (
    FileInfo,
    HistoryEntry,
    describe_file,
    import_history,
    import_orientations,
    person_names,
)

__all__ = [
    "ColumnMap",
    "FileInfo",
    "HistoryEntry",
    "ImportCancelled",
    "ImportFileError",
    "ImportReport",
    "ImportRowError",
    "Outcome",
    "RowResult",
    "describe_file",
    "encoding_label",
    "import_history",
    "import_orientations",
    "load_column_map",
    "person_names",
]
