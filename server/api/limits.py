"""Resource limits of the API process: failed authentications and enrolments per address and per device
(sliding windows), and concurrent uploads per device.

The counters live in the process (a department runs one or a few uvicorn workers: each enforces its own window);
every failure is also written to the audit log, in the database, until its key is blocked. Behind a reverse
proxy on another host, set ``FORWARDED_ALLOW_IPS=<proxy address>`` (read by uvicorn) so the address is the
client's.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from server.engine.errors import ProtocolError


@dataclass(frozen=True)
class Limits:
    """Numbers of the limits (the defaults are a département's; tests make them small)."""

    auth_failures_per_address: int = 30
    auth_failures_per_device: int = 10
    enrol_failures_per_address: int = 10
    enrol_failures_per_device: int = 5
    window_s: float = 15 * 60
    uploads_per_device: int = 2
    #: How long after its first use an enrolment code gives the same device a fresh answer (lost answer).
    enrol_replay_s: float = 10 * 60


class FailureWindow:
    """Failures per key in a sliding window; a key with ``limit`` failures in the window is blocked until the
    oldest of them leaves it. At most ``max_keys`` keys are kept (the least recently failed go first)."""

    def __init__(
        self, limit: int, window_s: float, clock: Callable[[], float], max_keys: int = 20_000
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self.max_keys = max_keys
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times

    def retry_after(self, key: str) -> int:
        """0 when ``key`` may try again now, else the seconds to wait."""
        if not key:
            return 0
        with self._lock:
            now = self.clock()
            times = self._recent(key, now)
            if len(times) < self.limit:
                return 0
            return max(1, int(times[0] + self.window_s - now + 0.999))

    def fail(self, key: str) -> bool:
        """Count a failure of ``key``; True when this one reached the limit (the key is blocked from now)."""
        if not key:
            return False
        with self._lock:
            now = self.clock()
            times = self._recent(key, now)
            times.append(now)
            self._failures[key] = times
            self._failures.move_to_end(key)
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)
            return len(times) == self.limit


class Guard:
    """The limits of one application: failure windows and upload slots."""

    def __init__(self, limits: Limits | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = lim = limits or Limits()
        self.auth_address = FailureWindow(lim.auth_failures_per_address, lim.window_s, clock)
        self.auth_device = FailureWindow(lim.auth_failures_per_device, lim.window_s, clock)
        self.enrol_address = FailureWindow(lim.enrol_failures_per_address, lim.window_s, clock)
        self.enrol_device = FailureWindow(lim.enrol_failures_per_device, lim.window_s, clock)
        self._uploads: dict[str, int] = {}
        self._lock = threading.Lock()

    @staticmethod
    def check(*pairs: tuple[FailureWindow, str]) -> None:
        """429 when any (window, key) is blocked."""
        wait = max((w.retry_after(k) for w, k in pairs), default=0)
        if wait:
            minutes = max(1, -(-wait // 60))
            raise ProtocolError(
                "too_many_attempts",
                f"Trop de tentatives refusées : réessayez dans {minutes} minute{'s' if minutes > 1 else ''}.",
                429,
                retry_after=wait,
            )

    def take_upload(self, device_id: str) -> None:
        """One more upload of ``device_id`` in progress; 429 when it already has the maximum."""
        with self._lock:
            current = self._uploads.get(device_id, 0)
            if current >= self.limits.uploads_per_device:
                raise ProtocolError(
                    "busy",
                    "Un envoi de ce poste est déjà en cours : rien n'a été perdu, réessayez dans un instant.",
                    429,
                    retry_after=5,
                )
            self._uploads[device_id] = current + 1

    def release_upload(self, device_id: str) -> None:
        with self._lock:
            left = self._uploads.get(device_id, 1) - 1
            if left > 0:
                self._uploads[device_id] = left
            else:
                self._uploads.pop(device_id, None)
