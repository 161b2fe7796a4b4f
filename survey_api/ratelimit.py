"""Rate limits that hold across every server process: fixed-window counters kept in Redis when
``SURVEY_REDIS_URL`` is set, otherwise in the database (table ``rate_windows``).

Each count is its own short transaction on its own connection, so no request holds a counter's lock while
it does its real work.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import Engine, delete, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from survey_api.db.models import RateWindow
from survey_api.errors import TooManyRequests


class Counter(Protocol):
    """Counts one event of ``key`` in the window starting at ``window_start`` and returns the new total."""

    def add(self, key: str, window_start: int, window: int) -> int: ...

    def get(self, key: str, window_start: int) -> int:
        """The total of ``key`` in that window, counting nothing."""
        ...


class RateLimiter:
    """At most ``limit`` events per key in any ``window`` seconds, as a sliding window estimated from two fixed
    ones: the current window's count plus the previous window's, weighted by how much of it the sliding
    window still covers. So a burst straddling a window's start is still seen as one burst."""

    def __init__(self, counter: Counter, clock: Callable[[], float] = time.time) -> None:
        self._counter = counter
        self._clock = clock

    def retry_after(self, key: str, *, limit: int, window: int) -> int | None:
        """Count one event for ``key``; seconds to wait when it is over the limit, else None."""
        return self._check(key, limit, window, count=True, over=lambda total: total > limit)

    def wait(self, key: str, *, limit: int, window: int) -> int | None:
        """Seconds to wait when ``key`` has used up its ``limit``, else None; counts nothing."""
        return self._check(key, limit, window, count=False, over=lambda total: total >= limit)

    def _check(self, key: str, limit: int, window: int, *, count: bool, over: Callable[[float], bool]) -> int | None:
        now = self._clock()
        start = int(now // window) * window
        current = self._counter.add(key, start, window) if count else self._counter.get(key, start)
        previous = self._counter.get(key, start - window)
        covered = 1.0 - (now - start) / window  # the share of the previous window still inside the sliding one
        if not over(current + previous * covered):
            return None
        if current >= limit or previous == 0:
            return max(1, int(start + window - now) + 1)
        # The previous window's weight falls until current + previous × covered is back within the limit.
        until = start + window * (1.0 - (limit - current) / previous)
        return max(1, int(until - now) + 1)

    def hit(self, key: str, *, limit: int, window: int, message: str) -> None:
        """Count one event for ``key``, or raise 429 with ``message`` (``{seconds}`` is filled in)."""
        wait = self.retry_after(key, limit=limit, window=window)
        if wait is not None:
            raise TooManyRequests(message.format(seconds=wait), retry_after=wait)


class DatabaseCounter:
    """Counters in ``rate_windows``: one upsert per event, committed at once; old windows are swept now and then."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, key: str, window_start: int, window: int) -> int:
        module = postgresql if self._engine.dialect.name == "postgresql" else sqlite
        stmt = module.insert(RateWindow).values(key=key[:200], window_start=window_start, hits=1)
        stmt = stmt.on_conflict_do_update(
            index_elements=["key", "window_start"], set_={"hits": RateWindow.hits + literal(1)}
        ).returning(RateWindow.hits)
        with self._engine.begin() as conn:
            hits = int(conn.execute(stmt).scalar_one())
            if random.random() < 0.01:
                conn.execute(delete(RateWindow).where(RateWindow.window_start < window_start - 2 * window))
        return hits

    def get(self, key: str, window_start: int) -> int:
        query = select(RateWindow.hits).where(RateWindow.key == key[:200], RateWindow.window_start == window_start)
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)


class RedisCounter:
    """Counters in Redis: ``INCR`` on a key per window, expiring after two windows."""

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def add(self, key: str, window_start: int, window: int) -> int:
        name = f"survey:rate:{key}:{window_start}"
        pipe = self._redis.pipeline()
        pipe.incr(name)
        pipe.expire(name, 2 * window)
        hits, _ = pipe.execute()
        return int(hits)

    def get(self, key: str, window_start: int) -> int:
        value = self._redis.get(f"survey:rate:{key}:{window_start}")
        return int(value) if value is not None else 0


def make_limiter(engine: Engine, redis_url: str = "") -> RateLimiter:
    """The limiter for this deployment: Redis when a URL is given, else the database."""
    counter: Counter = RedisCounter(redis_url) if redis_url else DatabaseCounter(engine)
    return RateLimiter(counter)
