"""A two-level list as a model (Alertes, « Aujourd'hui »): groups at the top, each with its ``lines`` under it.
Rows are made when the view asks for them — no widget item per line (100,000 people give hundreds of thousands
of lines). The internal id of an index says where it stands: 0 for a group's row, the group's row + 1 for a
line under it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt

AnyIndex = QModelIndex | QPersistentModelIndex
_TOP = 0


class GroupedModel(QAbstractItemModel):
    """Subclasses set :attr:`headers` and implement ``data``; :attr:`groups` are objects with a ``lines``
    sequence."""

    headers: tuple[str, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.groups: Sequence[Any] = []

    def set_groups(self, groups: Sequence[Any]) -> None:
        self.beginResetModel()
        self.groups = groups
        self.endResetModel()

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not parent.isValid():
            return self.createIndex(row, column, _TOP) if 0 <= row < len(self.groups) else QModelIndex()
        if parent.internalId() != _TOP:
            return QModelIndex()
        group = parent.row()
        if 0 <= row < len(self.groups[group].lines):
            return self.createIndex(row, column, group + 1)
        return QModelIndex()

    def parent(self, index: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid() or index.internalId() == _TOP:
            return QModelIndex()
        return self.createIndex(int(index.internalId()) - 1, 0, _TOP)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self.groups)
        if parent.internalId() == _TOP and parent.column() == 0:
            return len(self.groups[parent.row()].lines)
        return 0

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def group_of(self, index: AnyIndex) -> Any:
        """The group of ``index`` (its own row's, or the group a line is under); None for no index."""
        if not index.isValid():
            return None
        row = index.row() if index.internalId() == _TOP else int(index.internalId()) - 1
        return self.groups[row] if 0 <= row < len(self.groups) else None

    def line_of(self, index: AnyIndex) -> Any:
        """The line of ``index``; None for a group's row."""
        if not index.isValid() or index.internalId() == _TOP:
            return None
        group = self.group_of(index)
        return group.lines[index.row()] if group is not None else None
