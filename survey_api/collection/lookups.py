"""What a submission needs to know of its instrument version and service point, remembered per process.

A version that can be answered (published, or retired after publication) never changes again, so it is kept
for good; a service point's ids are kept for a few seconds. Both are keyed by the database they came from.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy.orm import Session

from survey_api.collection import repository
from survey_api.db.models.instruments import DRAFT
from survey_api.instruments import service as instruments
from survey_api.instruments.document import InstrumentDocument
from survey_api.instruments.service import document_of

POINT_SECONDS = 5.0
_MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class AnswerableVersion:
    """A version that may be answered: its id, the items its packed scores hold, its document."""

    id: int
    score_items: tuple[str, ...]
    document: InstrumentDocument


@dataclass(frozen=True)
class PointIds:
    """A service point's id and the id of its unit."""

    id: int
    unit_id: int


_versions: dict[tuple[str, int], AnswerableVersion] = {}
_points: dict[tuple[str, str], tuple[PointIds, float]] = {}
_lock = threading.Lock()


def _database(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=True)


def answerable_version(session: Session, version_id: int) -> AnswerableVersion | None:
    """The version ``version_id`` when it exists and is not a draft, else None."""
    key = (_database(session), version_id)
    found = _versions.get(key)
    if found is not None:
        return found
    version = instruments.version_by_id(session, version_id)
    if version is None or version.status == DRAFT:
        return None
    found = AnswerableVersion(version.id, tuple(version.score_items), document_of(version))
    with _lock:
        if len(_versions) > _MAX_ENTRIES:
            _versions.clear()
        _versions[key] = found
    return found


def point_ids(session: Session, code: str) -> PointIds | None:
    """The ids of the service point with this code, or None when there is none."""
    key = (_database(session), code)
    now = time.monotonic()
    found = _points.get(key)
    if found is not None and found[1] > now:
        return found[0]
    point = repository.service_point_by_code(session, code)
    if point is None:
        return None
    ids = PointIds(point.id, point.unit_id)
    with _lock:
        if len(_points) > _MAX_ENTRIES:
            _points.clear()
        _points[key] = (ids, now + POINT_SECONDS)
    return ids
