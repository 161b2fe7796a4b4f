"""Running a stage of an export (reading, formatting) in a thread of its own, a few items ahead.

Reading waits on PostgreSQL, formatting is mostly numpy and compressing is zlib: all three let other threads
run, so on a server with two cores the stages overlap instead of adding up. A bounded queue keeps memory to a
few chunks. The thread stops, and closes its source (a database session), when the consumer closes the
stage, when the stage is garbage-collected without being closed, or when the source ends or fails (the
consumer then gets the error). Closing never waits for the thread (it may be in the middle of a query, and
the last reference may go in the event loop's thread): the thread stops at its next item.
"""

from __future__ import annotations

import queue
import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
_DONE = object()
_WAIT = 0.1  # seconds between checks of the stop flag while waiting on the queue


class Ahead(Generic[T]):
    """Iterates ``source()`` in a daemon thread, at most ``depth`` items ahead of the consumer."""

    def __init__(self, source: Callable[[], Iterator[T]], depth: int = 2, name: str = "export") -> None:
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        thread = threading.Thread(target=_run, args=(source, self._queue, self._stop), name=name, daemon=True)
        self._finalizer = weakref.finalize(self, self._stop.set)
        thread.start()
        self._thread = thread

    def __iter__(self) -> Ahead[T]:
        return self

    def __next__(self) -> T:
        while True:
            if self._stop.is_set():
                raise StopIteration
            try:
                item = self._queue.get(timeout=_WAIT)
                break
            except queue.Empty:
                if not self._thread.is_alive() and self._queue.empty():  # never: it hands over its end or error
                    raise RuntimeError(f"{self._thread.name} ended without finishing") from None
        if item is _DONE:
            self._stop.set()
            raise StopIteration
        if isinstance(item, _Failure):
            self._stop.set()
            raise item.error
        return item  # type: ignore[return-value]

    def close(self) -> None:
        """Let the thread stop (and close its source) at its next item; returns at once."""
        self._stop.set()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def _run(source: Callable[[], Iterator[T]], out: queue.Queue[object], stop: threading.Event) -> None:
    items = None
    try:
        items = source()
        for item in items:
            if not _put(out, item, stop):
                return
        _put(out, _DONE, stop)
    except BaseException as error:  # noqa: BLE001 - handed to the consumer, which raises it
        _put(out, _Failure(error), stop)
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()


def _put(out: queue.Queue[object], item: object, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            out.put(item, timeout=_WAIT)
            return True
        except queue.Full:
            continue
    return False
