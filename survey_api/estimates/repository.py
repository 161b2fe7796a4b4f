"""Reading packed answers for estimation, in one scan of a covering index."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import ColumnElement, LargeBinary, func, literal, select, text
from sqlalchemy.orm import Session

from survey_api.db.models import Response
from survey_api.db.models.responses import DESIGNED


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
    conditions = _conditions(version_id, unit_ids, service_point_id, date_from, date_to)

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


def _conditions(
    version_id: int,
    unit_ids: Collection[int] | None,
    service_point_id: int | None,
    date_from: date | None,
    date_to: date | None,
) -> list[ColumnElement[bool]]:
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
    return conditions


@dataclass(frozen=True)
class DesignRows:
    """Packed answers and design columns of the matching responses, row for row (ordered by id)."""

    scores: NDArray[np.uint8]
    stratum: NDArray[np.object_]
    psu: NDArray[np.object_]
    design_weight: NDArray[np.float64]
    fpc: NDArray[np.float64]
    sex: NDArray[np.object_]
    age_group: NDArray[np.object_]
    unit_id: NDArray[np.object_]
    channel: NDArray[np.object_]
    observed_on: NDArray[np.object_]

    @property
    def n(self) -> int:
        """Number of responses."""
        return int(self.scores.shape[0])


def design_rows(
    session: Session,
    version_id: int,
    width: int,
    *,
    unit_ids: Collection[int] | None = None,
    service_point_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> DesignRows:
    """Scores and design columns of the matching, non-excluded responses, in one query (no ORM objects)."""
    columns = (
        Response.scores,
        Response.stratum,
        Response.psu,
        Response.design_weight,
        Response.fpc,
        Response.sex,
        Response.age_group,
        Response.unit_id,
        Response.channel,
        Response.observed_on,
    )
    query = (
        select(*columns)
        .where(*_conditions(version_id, unit_ids, service_point_id, date_from, date_to))
        .order_by(Response.id)
    )
    rows = session.connection().execute(query).all()
    if not rows:
        empty = np.empty(0, dtype=object)
        nothing = np.empty(0)
        return DesignRows(
            np.empty((0, width), dtype=np.uint8), empty, empty, nothing, nothing, empty, empty, empty, empty, empty
        )
    scores, stratum, psu, weight, fpc, sex, age_group, unit_id, channel, observed_on = zip(*rows, strict=True)

    def objects(values: tuple[Any, ...]) -> NDArray[np.object_]:
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out

    def floats(values: tuple[float | None, ...]) -> NDArray[np.float64]:
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)

    matrix = np.frombuffer(b"".join(bytes(s) for s in scores), dtype=np.uint8).reshape(-1, width)
    return DesignRows(
        matrix,
        objects(stratum),
        objects(psu),
        floats(weight),
        floats(fpc),
        objects(sex),
        objects(age_group),
        objects(unit_id),
        objects(channel),
        objects(observed_on),
    )


def has_design(
    session: Session,
    version_id: int,
    *,
    unit_ids: Collection[int] | None = None,
    service_point_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> bool:
    """Whether any matching response carries sample-design columns (strata, PSU, weight or fpc)."""
    conditions = _conditions(version_id, unit_ids, service_point_id, date_from, date_to)
    # The predicate exactly as ix_responses_designed has it, so that the partial index serves the query.
    query = select(select(Response.id).where(*conditions, text(f"({DESIGNED})")).exists())
    return session.scalar(query) is True
