"""Reading packed answers for estimation, in one scan of a covering index."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import ColumnElement, LargeBinary, func, literal, select
from sqlalchemy.orm import Session

from survey_api.db.models import Response


def score_matrix(
    session: Session,
    version_id: int,
    width: int,
    *,
    unit_ids: Collection[int] | None = None,
    service_point_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> NDArray[np.uint8]:
    """Rows × numeric items of the matching, non-excluded responses (255 = no answer).

    The covering index ``ix_responses_estimation`` serves the scan. PostgreSQL concatenates the packed
    answers itself, so one value crosses the wire; on SQLite the rows are joined straight off the
    driver's cursor, skipping the per-row result objects that cost more than the scan.
    """
    conditions: list[ColumnElement[bool]] = [
        Response.instrument_version_id == version_id,
        Response.excluded.is_(False),
    ]
    if unit_ids is not None:
        conditions.append(Response.unit_id.in_(unit_ids))
    if service_point_id is not None:
        conditions.append(Response.service_point_id == service_point_id)
    if date_from is not None:
        conditions.append(Response.observed_on >= date_from)
    if date_to is not None:
        conditions.append(Response.observed_on <= date_to)

    if session.get_bind().dialect.name == "postgresql":
        query = select(func.string_agg(Response.scores, literal(b"", LargeBinary))).where(*conditions)
        # Binary transfer: the text protocol would send the bytes hex-encoded, twice the size to parse.
        packed = _raw_cursor(session, query, binary=True).fetchone()[0]
        blob = bytes(packed) if packed is not None else b""
    else:
        blob = b"".join(row[0] for row in _raw_cursor(session, select(Response.scores).where(*conditions)))
    return np.frombuffer(blob, dtype=np.uint8).reshape(-1, width)


def _raw_cursor(session: Session, query: Any, **options: Any) -> Any:
    """Run ``query`` on the driver's own cursor, without SQLAlchemy's per-row result objects."""
    connection = session.connection()
    # Every bound value here is an int, a date or a bool, so rendering them inline is safe.
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    cursor.execute(sql, **options)
    return cursor
