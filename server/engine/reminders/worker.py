"""The background thread that sends due reminders: every :data:`INTERVAL_S` seconds, and at once when an upload
brought reminders (:meth:`ReminderWorker.notify`). One per server process; claiming keeps several processes from
sending the same reminder twice (:mod:`.dispatch`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from server.engine.reminders.dispatch import DispatchReport, send_due
from server.engine.reminders.senders import Sender
from server.store.db import ServerDB

log = logging.getLogger(__name__)
INTERVAL_S = 60.0


class ReminderWorker:
    def __init__(
        self,
        sdb: ServerDB,
        senders: dict[str, Sender],
        *,
        interval: float = INTERVAL_S,
        clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.sdb, self.senders, self.interval, self.clock = sdb, senders, interval, clock
        self.runs = 0  # completed dispatch rounds (tests wait on it)
        self.last: DispatchReport | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def describe(self) -> str:
        return " ; ".join(sender.describe() for sender in self.senders.values())

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="rappels", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def notify(self) -> None:
        """Reminders arrived (an upload): send what is due now rather than at the next tick."""
        self._wake.set()

    def run_once(self) -> DispatchReport:
        with self._lock:
            try:
                self.last = send_due(self.sdb, self.senders, clock=self.clock)
            finally:
                self.runs += 1
            return self.last

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.run_once()
            except Exception:  # never let the thread die: the next round tries again
                log.exception("Rappels : envoi interrompu par une erreur")
