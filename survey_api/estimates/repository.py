"""Reading packed answers for estimation, in one column scan."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import LargeBinary, func, literal, select
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

    The packed answers are concatenated inside the database (one value crosses the wire instead of a
    row per response), and the covering index ``ix_responses_estimation`` serves the scan.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    packed = (
        func.string_agg(Response.scores, literal(b"", LargeBinary))
        if postgres
        else func.group_concat(func.hex(Response.scores), "")
    )
    query = select(packed).where(Response.instrument_version_id == version_id, Response.excluded.is_(False))
    if unit_ids is not None:
        query = query.where(Response.unit_id.in_(unit_ids))
    if service_point_id is not None:
        query = query.where(Response.service_point_id == service_point_id)
    if date_from is not None:
        query = query.where(Response.observed_on >= date_from)
    if date_to is not None:
        query = query.where(Response.observed_on <= date_to)
    value = session.scalar(query)
    blob = b"" if value is None else bytes(value) if postgres else bytes.fromhex(value)
    return np.frombuffer(blob, dtype=np.uint8).reshape(-1, width)
