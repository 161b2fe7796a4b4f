"""Reading packed answers for estimation, in one scan of a covering index."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import ColumnElement, LargeBinary, and_, func, literal, literal_column, select, text
from sqlalchemy.orm import Session

from survey_api.db.models import FrameUnit, OrgUnit, Response, SampleUnit
from survey_api.db.models.responses import DESIGNED
from survey_api.estimates.selection import Selection


def score_matrix(session: Session, selection: Selection, width: int) -> NDArray[np.uint8]:
    """Rows × numeric items of the matching, non-excluded responses (255 = no answer).

    The covering index ``ix_responses_estimation`` serves the scan. PostgreSQL concatenates the packed
    answers itself, so one value crosses the wire; on SQLite the rows are joined straight off the
    driver's cursor, skipping the per-row result objects that cost more than the scan.
    """
    conditions = selection.conditions()
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


@dataclass(frozen=True)
class Labels:
    """A text column factorised: ``codes`` index the sorted ``levels``; -1 is a missing value."""

    codes: NDArray[np.int32]
    levels: tuple[str, ...]

    @classmethod
    def of(cls, values: Sequence[str | None], missing: str | None = None) -> Labels:
        """Factorise a sequence of strings; None (and ``missing``) are missing values."""
        distinct = dict.fromkeys(values)  # C loops only: a million values in a few tens of milliseconds
        distinct.pop(None, None)
        if missing is not None:
            distinct.pop(missing, None)
        levels = tuple(sorted(v for v in distinct if v is not None))
        position: dict[str | None, int] = {v: i for i, v in enumerate(levels)}
        position[None] = position[missing] = -1
        codes = np.fromiter(map(position.__getitem__, values), dtype=np.int32, count=len(values))
        return cls(codes, levels)

    @property
    def missing(self) -> int:
        """Number of missing values."""
        return int(np.count_nonzero(self.codes < 0))

    def values(self) -> NDArray[np.object_]:
        """The column as an object array of strings and None."""
        table = np.empty(len(self.levels) + 1, dtype=object)
        table[: len(self.levels)] = self.levels
        table[-1] = None
        return table[self.codes]


@dataclass(frozen=True)
class DesignRows:
    """Packed answers and design columns of the matching responses, row for row.

    Text columns are factorised (:class:`Labels`); missing numbers are NaN, a missing unit is -1.
    """

    scores: NDArray[np.uint8]
    stratum: Labels
    psu: Labels
    design_weight: NDArray[np.float64]
    fpc: NDArray[np.float64]
    sex: Labels
    age_group: Labels
    unit_id: NDArray[np.int64]
    channel: Labels
    observed_on: NDArray[np.datetime64]

    @property
    def n(self) -> int:
        """Number of responses."""
        return int(self.scores.shape[0])


_TEXT_COLUMNS = ("stratum", "psu", "sex", "age_group", "channel")
# PostgreSQL sends each text column as one string: values separated by \x1f, \x1e for NULL.
_SEPARATOR, _NULL = "\x1f", "\x1e"
_EPOCH = date(2000, 1, 1)


def design_rows(session: Session, selection: Selection, width: int) -> DesignRows:
    """Scores and design columns of the matching, non-excluded responses, in one query (no ORM objects).

    PostgreSQL aggregates every column into one value (packed answers and numbers as binary strings, text
    as one delimited string) in a single scan, sent in binary; SQLite's rows come straight off the driver
    cursor. Rows are in the order of one scan, the same for every column.
    """
    conditions = selection.conditions()
    if session.get_bind().dialect.name == "postgresql":
        return _design_rows_postgresql(session, width, conditions)
    columns = (
        Response.scores,
        Response.design_weight,
        Response.fpc,
        Response.unit_id,
        Response.observed_on,
        *(getattr(Response, name) for name in _TEXT_COLUMNS),
    )
    rows = list(_raw_cursor(session, select(*columns).where(*conditions).order_by(Response.id)))
    n = len(rows)
    blob = b"".join(row[0] for row in rows)
    weight, fpc, unit = (
        np.fromiter((np.nan if r[k] is None else r[k] for r in rows), dtype=np.float64, count=n) for k in (1, 2, 3)
    )
    days = np.array([r[4] for r in rows], dtype="datetime64[D]") if n else np.empty(0, dtype="datetime64[D]")
    text_columns = [Labels.of([r[5 + k] for r in rows]) for k in range(len(_TEXT_COLUMNS))]
    return _design(blob, width, weight, fpc, np.nan_to_num(unit, nan=-1).astype(np.int64), days, text_columns)


def _design_rows_postgresql(session: Session, width: int, conditions: list[ColumnElement[bool]]) -> DesignRows:
    binary = (
        "scores",
        "float8send(coalesce(design_weight, 'NaN'))",
        "float8send(coalesce(fpc, 'NaN'))",
        "int8send(coalesce(unit_id, -1)::bigint)",
        f"int4send(observed_on - DATE '{_EPOCH.isoformat()}')",
    )
    aggregates = [f"string_agg({value}, ''::bytea)" for value in binary]
    aggregates += [f"string_agg(coalesce({name}, E'{_NULL}'), E'{_SEPARATOR}')" for name in _TEXT_COLUMNS]
    columns: list[ColumnElement[Any]] = [literal_column(a) for a in aggregates]
    query = select(*columns).select_from(Response.__table__).where(*conditions)
    # One scan feeds every aggregate in the same row order; synchronised scans (which may start a scan in
    # the middle of the table) and parallel workers are switched off so that the order, and with it the
    # weighting run's digest, is the table's.
    connection = session.connection()
    connection.exec_driver_sql("SET LOCAL synchronize_seqscans = off")
    connection.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
    cursor = _raw_cursor(session, query, binary=True)
    scores, weight, fpc, unit, days, *texts_out = cursor.fetchone()
    cursor.close()  # frees the driver's copy of the result
    connection.exec_driver_sql("RESET synchronize_seqscans")
    connection.exec_driver_sql("RESET max_parallel_workers_per_gather")
    if scores is None:
        empty = np.empty(0)
        return _design(b"", width, empty, empty, np.empty(0, np.int64), np.empty(0, "datetime64[D]"), [])
    text_columns = [Labels.of(value.split(_SEPARATOR), missing=_NULL) for value in texts_out]
    offsets = np.frombuffer(days, dtype=">i4").astype("timedelta64[D]")
    return _design(
        scores,
        width,
        np.frombuffer(weight, dtype=">f8").astype(np.float64),
        np.frombuffer(fpc, dtype=">f8").astype(np.float64),
        np.frombuffer(unit, dtype=">i8").astype(np.int64),
        np.datetime64(_EPOCH, "D") + offsets,
        text_columns,
    )


def _design(
    blob: bytes | memoryview,
    width: int,
    weight: NDArray[np.float64],
    fpc: NDArray[np.float64],
    unit: NDArray[np.int64],
    days: NDArray[np.datetime64],
    texts: list[Labels],
) -> DesignRows:
    n = len(blob) // width if width else 0
    if not texts:
        texts = [Labels(np.empty(0, np.int32), ()) for _ in _TEXT_COLUMNS]
    stratum, psu, sex, age_group, channel = texts
    matrix = np.frombuffer(blob, dtype=np.uint8).reshape(n, width)
    return DesignRows(matrix, stratum, psu, weight, fpc, sex, age_group, unit, channel, days)


def has_design(session: Session, selection: Selection) -> bool:
    """Whether any matching response carries sample-design columns (strata, PSU, weight or fpc)."""
    conditions = selection.conditions()
    # The predicate exactly as ix_responses_designed has it, so that the partial index serves the query.
    query = select(select(Response.id).where(*conditions, text(f"({DESIGNED})")).exists())
    return session.scalar(query) is True


def unit_codes(session: Session, unit_ids: list[int]) -> dict[int, str]:
    """The code of each of these org units."""
    return {
        int(i): str(code)
        for i, code in session.execute(select(OrgUnit.id, OrgUnit.code).where(OrgUnit.id.in_(unit_ids)))
    }


def interviewed_cases(session: Session, assignment_ids: Sequence[int]) -> list[tuple[int, str]]:
    """(assignment, case ref) of every stored interview of these assignments."""
    if not assignment_ids:
        return []
    found = session.execute(
        select(Response.assignment_id, Response.case_ref).where(
            Response.assignment_id.in_(assignment_ids), Response.case_ref.is_not(None)
        )
    )
    return [(int(a or 0), str(ref)) for a, ref in found]


def planned_cells(session: Session, selection: Selection) -> list[tuple[int, str | None, str | None, int]]:
    """(plan, stratum, PSU, responses) of the selection's interviews of a plan's sample lists, through the
    partial index ``ix_responses_planned`` (only interviews carry an assignment)."""
    found = session.execute(
        select(SampleUnit.plan_id, Response.stratum, Response.psu, func.count())
        .select_from(Response)
        .join(SampleUnit, SampleUnit.assignment_id == Response.assignment_id)
        .join(FrameUnit, and_(FrameUnit.id == SampleUnit.frame_unit_id, FrameUnit.ref == Response.case_ref))
        .where(*selection.conditions(), Response.assignment_id.is_not(None))
        .group_by(SampleUnit.plan_id, Response.stratum, Response.psu)
    )
    return [(int(plan), stratum, psu, int(count)) for plan, stratum, psu, count in found]
