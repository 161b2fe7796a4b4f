"""In-process sliding-window rate limits for the open QR endpoints.

Each server process keeps its own counts, so with several workers a limit is per worker; the flags
stored with the responses (see ``survey_api.qr.service``) are global and are what keeps indices clean.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from survey_api.errors import TooManyRequests


class SlidingWindowLimiter:
    """At most ``limit`` events per key within ``window`` seconds."""

    def __init__(self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, what: str) -> None:
        """Count one event for ``key``, or raise 429 when the key is over its limit."""
        now = self._clock()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                retry_after = max(1, int(events[0] + self.window - now) + 1)
                raise TooManyRequests(
                    f"too many answers {what}; please wait {retry_after} seconds and try again",
                    retry_after=retry_after,
                )
            events.append(now)
            if len(self._events) > 100_000:
                self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, v in self._events.items() if not v or v[-1] <= now - self.window]:
            del self._events[key]
