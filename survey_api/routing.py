"""The route class of every router: a synchronous endpoint commits its request session in its own thread.

FastAPI runs a synchronous endpoint in a worker thread, then validates its return value in *another* worker
thread, and only after that ends the request's dependencies (where ``get_session`` commits). A session that
wrote holds its connection, and on SQLite the database's write lock, across that second wait for a thread;
under a crowd every thread can be waiting for the lock or a connection, and the server stands still until
the database's busy timeout. Committing before the endpoint returns releases both in the same thread; the
dependency's own commit then has nothing left to do (and still rolls back a failed endpoint).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute
from sqlalchemy.orm import Session


class CommittingRoute(APIRoute):
    """An API route whose synchronous endpoint commits the sessions it was given before it returns."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _commit_on_return(endpoint)
        super().__init__(path, endpoint, **kwargs)


def _commit_on_return(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        sessions = [value for value in kwargs.values() if isinstance(value, Session)]
        try:
            result = endpoint(*args, **kwargs)
        except BaseException:
            for session in sessions:
                session.rollback()
            raise
        for session in sessions:
            session.commit()
        return result

    return run
