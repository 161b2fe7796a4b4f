"""Reading packed answers for estimation, in one scan of a covering index."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Boolean, ColumnElement, LargeBinary, and_, func, literal, literal_column, select, text
from sqlalchemy.orm import Session

from survey_api.db.models import FrameUnit, OrgUnit, Response, ResponseRevision, SampleUnit
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
_SNAPSHOT = re.compile(r"(\d+):(\d+):([\d,]*)")


@dataclass(frozen=True)
class Mark:
    """How far a read went: what a later read of the same selection must add to it (:func:`read_rows`).

    ``revisions`` counts the changes and deletions of the version's stored responses (migration 0015);
    rows read at one mark are still as they were while it is unchanged. PostgreSQL: ``snapshot`` is the
    read's snapshot (``pg_snapshot`` text), and a response was read exactly when its transaction (its
    ``arrival``) is visible in it, whatever order transactions committed in; ``origin`` is the database's
    oid. SQLite (one writer at a time): ``snapshot`` is the largest ``arrival`` of the version read.
    """

    revisions: int
    snapshot: str
    origin: int = 0

    def oldest(self) -> int:
        """PostgreSQL: the oldest transaction the snapshot did not see as committed (its xmin)."""
        return int(self.snapshot.split(":", 1)[0])


class ChangedMeanwhile(Exception):
    """Stored responses of the version were changed while they were read (read them again)."""


def design_rows(session: Session, selection: Selection, width: int) -> DesignRows:
    """Scores and design columns of the matching, non-excluded responses, in one query (no ORM objects).

    Rows are in the order they arrived (:func:`read_rows`), whatever the order the database scans them in.
    """
    return read_rows(session, selection, width)[0]


def read_rows(
    session: Session, selection: Selection, width: int, since: Mark | None = None
) -> tuple[DesignRows, NDArray[np.int64], Mark]:
    """The matching rows (all, or those that arrived after ``since``), their arrivals and the new mark.

    Rows are ordered by arrival, then id: an order that rows read later merge into
    (:func:`survey_api.estimates.increments.merge`) to give what one read of all of them gives.
    PostgreSQL aggregates every column into one value (packed answers and numbers as binary strings, text
    as one delimited string) in a single scan, sent in binary, with the snapshot and the version's
    revisions from the same statement; SQLite reads its mark, the rows up to it (straight off the driver
    cursor), and raises :class:`ChangedMeanwhile` when a revision came between.
    """
    conditions = selection.conditions()
    if session.get_bind().dialect.name == "postgresql":
        return _read_postgresql(session, selection.version_id, width, conditions, since)
    mark = _sqlite_mark(session, selection.version_id)
    conditions.append(Response.arrival <= int(mark.snapshot))
    if since is not None:
        conditions.append(Response.arrival > int(since.snapshot))
    columns = (
        Response.scores,
        Response.design_weight,
        Response.fpc,
        Response.unit_id,
        Response.observed_on,
        Response.arrival,
        *(getattr(Response, name) for name in _TEXT_COLUMNS),
    )
    query = select(*columns).where(*conditions).order_by(Response.arrival, Response.id)
    rows = list(_raw_cursor(session, query))
    if _sqlite_mark(session, selection.version_id).revisions != mark.revisions:
        raise ChangedMeanwhile(f"responses of version {selection.version_id} changed while they were read")
    n = len(rows)
    blob = b"".join(row[0] for row in rows)
    weight, fpc, unit = (
        np.fromiter((np.nan if r[k] is None else r[k] for r in rows), dtype=np.float64, count=n) for k in (1, 2, 3)
    )
    days = np.array([r[4] for r in rows], dtype="datetime64[D]") if n else np.empty(0, dtype="datetime64[D]")
    arrival = np.fromiter((r[5] for r in rows), dtype=np.int64, count=n)
    text_columns = [Labels.of([r[6 + k] for r in rows]) for k in range(len(_TEXT_COLUMNS))]
    design = _design(blob, width, weight, fpc, np.nan_to_num(unit, nan=-1).astype(np.int64), days, text_columns)
    return design, arrival, mark


def _sqlite_mark(session: Session, version_id: int) -> Mark:
    revisions = select(ResponseRevision.revisions).where(ResponseRevision.instrument_version_id == version_id)
    latest = select(func.max(Response.arrival)).where(Response.instrument_version_id == version_id)
    found, last = session.execute(select(revisions.scalar_subquery(), latest.scalar_subquery())).one()
    return Mark(int(found or 0), str(int(last or 0)))


def _read_postgresql(
    session: Session,
    version_id: int,
    width: int,
    conditions: list[ColumnElement[bool]],
    since: Mark | None,
) -> tuple[DesignRows, NDArray[np.int64], Mark]:
    binary = (
        "scores",
        "float8send(coalesce(design_weight, 'NaN'))",
        "float8send(coalesce(fpc, 'NaN'))",
        "int8send(coalesce(unit_id, -1)::bigint)",
        f"int4send(observed_on - DATE '{_EPOCH.isoformat()}')",
        "int8send(arrival)",
        "uuid_send(id)",
    )
    aggregates = [f"string_agg({value}, ''::bytea)" for value in binary]
    aggregates += [f"string_agg(coalesce({name}, E'{_NULL}'), E'{_SEPARATOR}')" for name in _TEXT_COLUMNS]
    # From the statement's own snapshot: what the rows are as of, and the changes made before it.
    aggregates += [
        "pg_current_snapshot()::text",
        f"(SELECT revisions FROM response_revisions WHERE instrument_version_id = {int(version_id)})",
        "(SELECT oid::bigint FROM pg_database WHERE datname = current_database())",
    ]
    if since is not None:
        snapshot = _SNAPSHOT.fullmatch(since.snapshot)
        if snapshot is None:
            raise ValueError(f"not a PostgreSQL snapshot: {since.snapshot!r}")
        # Transactions before the snapshot's xmin were all visible to it: the index finds the few after.
        conditions = [
            *conditions,
            Response.arrival >= since.oldest(),
            literal_column(
                f"NOT pg_visible_in_snapshot(arrival::text::xid8, '{snapshot.group(0)}'::pg_snapshot)", Boolean
            ),
        ]
    columns: list[ColumnElement[Any]] = [literal_column(a) for a in aggregates]
    query = select(*columns).select_from(Response.__table__).where(*conditions)
    # No parallel workers: one scan feeds every aggregate in the same row order.
    connection = session.connection()
    connection.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
    cursor = _raw_cursor(session, query, binary=True)
    scores, weight, fpc, unit, days, arrived, ids, *texts_out, snapshot_text, revisions, origin = cursor.fetchone()
    cursor.close()  # frees the driver's copy of the result
    connection.exec_driver_sql("RESET max_parallel_workers_per_gather")
    mark = Mark(int(revisions or 0), str(snapshot_text), int(origin))
    if scores is None:
        empty = np.empty(0)
        rows = _design(b"", width, empty, empty, np.empty(0, np.int64), np.empty(0, "datetime64[D]"), [])
        return rows, np.empty(0, np.int64), mark
    text_columns = [Labels.of(value.split(_SEPARATOR), missing=_NULL) for value in texts_out]
    offsets = np.frombuffer(days, dtype=">i4").astype("timedelta64[D]")
    rows = _design(
        scores,
        width,
        np.frombuffer(weight, dtype=">f8").astype(np.float64),
        np.frombuffer(fpc, dtype=">f8").astype(np.float64),
        np.frombuffer(unit, dtype=">i8").astype(np.int64),
        np.datetime64(_EPOCH, "D") + offsets,
        text_columns,
    )
    arrival = np.frombuffer(arrived, dtype=">i8").astype(np.int64)
    halves = np.frombuffer(ids, dtype=">u8").reshape(-1, 2)
    # Arrival, then id: the order SQLite's rows come in, and one that does not depend on the scan.
    order = np.lexsort((halves[:, 1], halves[:, 0], arrival))
    if np.array_equal(order, np.arange(len(order))):
        return rows, arrival, mark
    return take(rows, order), arrival[order], mark


def take(rows: DesignRows, order: NDArray[np.intp]) -> DesignRows:
    """The rows in the given order (or a subset of them)."""
    texts = [Labels(column.codes[order], column.levels) for column in _texts(rows)]
    stratum, psu, sex, age_group, channel = texts
    return DesignRows(
        rows.scores[order],
        stratum,
        psu,
        rows.design_weight[order],
        rows.fpc[order],
        sex,
        age_group,
        rows.unit_id[order],
        channel,
        rows.observed_on[order],
    )


def _texts(rows: DesignRows) -> list[Labels]:
    return [getattr(rows, name) for name in _TEXT_COLUMNS]


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
