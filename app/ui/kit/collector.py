"""Python's cyclic garbage collector runs on the UI thread only.

Left automatic, a collection runs in whichever thread happens to allocate past the threshold — often the database
worker, which allocates the most (SQLAlchemy rows). A cycle holding the Python wrapper of a Qt widget (a closed
dialog, a lambda connected to a signal) is then freed on that thread, and Qt deletes a widget outside the UI
thread: a crash later, anywhere. So automatic collection is turned off and a timer on the UI thread collects, by
generation, when the counts pass the usual thresholds (the pattern of Qt applications in Python, Anki's
included). Commands without a window (``python -m app <command>``) keep Python's automatic collection.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

#: How often the UI thread looks at the collector's counts.
INTERVAL_MS = 1000


class UiThreadCollector(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(INTERVAL_MS)

    def check(self) -> int:
        """Collect the generations whose counts passed their thresholds (the youngest first); returns how many
        unreachable objects were found."""
        young, middle, old = gc.get_count()
        found = 0
        if young > self.threshold[0]:
            found += gc.collect(0)
            if middle > self.threshold[1]:
                found += gc.collect(1)
                if old > self.threshold[2]:
                    found += gc.collect(2)
        return found


_COLLECTORS: dict[int, UiThreadCollector] = {}


def collect_on_the_ui_thread(app: QObject) -> UiThreadCollector:
    """Install the collector once per application (called by ``make_application``)."""
    if id(app) not in _COLLECTORS:
        _COLLECTORS[id(app)] = UiThreadCollector(app)
    return _COLLECTORS[id(app)]
