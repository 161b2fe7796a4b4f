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
        packed = session.scalar(select(func.string_agg(Response.scores, literal(b"", LargeBinary))).where(*conditions))
        blob = bytes(packed) if packed is not None else b""
    else:
        blob = _joined_sqlite(session, select(Response.scores).where(*conditions))
    return np.frombuffer(blob, dtype=np.uint8).reshape(-1, width)


def _joined_sqlite(session: Session, query: Any) -> bytes:
    connection = session.connection()
    # Every bound value here is an int, a date or a bool, so rendering them inline is safe.
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.driver_connection.execute(sql)  # type: ignore[union-attr]
    return b"".join(row[0] for row in cursor)
