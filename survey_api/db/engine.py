"""Engine and session factory; the request's session commits at the edge."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from survey_api.db.redaction import hide_row_values

# Connections per process: as many as the worker threads that may use one at once (anyio's default of 40
# plus the few the event loop's own work takes), so a request never waits for a connection on PostgreSQL
# beyond the pool's overflow; PostgreSQL's default max_connections (100) fits two workers.
POOL_SIZE = 10
POOL_OVERFLOW = 35
BUSY_TIMEOUT_SECONDS = 30
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, WAL, a busy timeout and in-process queueing of writers.

    SQL parameters and the rows PostgreSQL quotes never appear in error messages or logs (they carry answers
    and personal data).
    """
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            hide_parameters=True,
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_SECONDS},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        _queue_writers(engine)
        return engine
    # No ping before each checkout (a round trip per request): after a restart of PostgreSQL the first
    # statement on a stale connection fails, which invalidates the whole pool, and that request answers 503
    # with Retry-After (survey_api.app), as any request does while the database is down.
    engine = create_engine(url, echo=echo, hide_parameters=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
    # PostgreSQL quotes the failing row itself in an error's DETAIL: keep that out of messages too.
    event.listen(engine, "handle_error", hide_row_values)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _queue_writers(engine: Engine) -> None:
    """Let one transaction of this process write to SQLite at a time, the others waiting in line.

    SQLite has one writer at a time; the others poll with growing sleeps (up to 100 ms) until the busy timeout,
    so under a crowd most of the time goes to sleeping past a lock already free. A lock taken before a
    transaction's first write and released after its commit or rollback hands the database over at once.
    Other processes still meet SQLite's own lock. A thread that cannot get the lock within the busy timeout
    goes on without it, and SQLite decides as before.
    """
    lock = threading.Lock()
    holders: set[int] = set()
    dialect = engine.dialect

    @event.listens_for(engine, "before_cursor_execute")
    def _before_write(conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _executemany: bool) -> None:
        raw = id(conn.connection.dbapi_connection)
        if raw not in holders and statement.lstrip()[:7].upper().startswith(_WRITES):
            if lock.acquire(timeout=BUSY_TIMEOUT_SECONDS):
                holders.add(raw)

    def _released(end: Any) -> Any:
        def run(connection: Any) -> None:
            # SQLAlchemy passes the pool's proxy here; the lock was taken for the driver's connection inside.
            raw = id(getattr(connection, "dbapi_connection", connection))
            try:
                end(connection)
            finally:
                if raw in holders:
                    holders.discard(raw)
                    lock.release()

        return run

    dialect.do_commit = _released(dialect.do_commit)  # type: ignore[method-assign]
    dialect.do_rollback = _released(dialect.do_rollback)  # type: ignore[method-assign]


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls back when it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
