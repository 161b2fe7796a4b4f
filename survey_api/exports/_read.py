"""Reading the exported responses as chunks of columns, ordered by id.

PostgreSQL sends each row as one binary record (``uuid_send``, ``int8send``, ``date_send``,
``timestamptz_send``, ``float8send``, the packed scores, then the length and UTF-8 bytes of every text value) through a
server-side cursor, so a chunk of rows arrives as one bytes object per row that numpy splits into columns:
no Python object per value. SQLite (small databases) reads its rows through SQLAlchemy.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import BigInteger, ColumnElement, LargeBinary, Select, func, literal, literal_column, select
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.orm import Session

from survey_api.db.models import OrgUnit, Response, ServicePoint

# The text columns every export carries, before the non-numeric items: the service point's and the unit's
# codes (joined, so read in the rows' snapshot), the channel, the design values and the cells.
DESIGN_TEXTS = ("service_point", "unit", "channel", "stratum", "psu", "sex", "age_group")
_EPOCH = np.datetime64("2000-01-01T00:00:00", "us")  # PostgreSQL's binary dates and timestamps count from here


@dataclass(frozen=True)
class Texts:
    """One text column of a chunk: row i is ``data[start[i] : start[i] + length[i]]`` (UTF-8); length -1 = NULL."""

    data: NDArray[np.uint8]
    start: NDArray[np.int64]
    length: NDArray[np.int64]

    @classmethod
    def of(cls, values: Sequence[str | None]) -> Texts:
        """The column of Python strings (None = NULL)."""
        encoded = [b"" if v is None else v.encode() for v in values]
        length = np.fromiter((-1 if v is None else len(e) for v, e in zip(values, encoded, strict=True)), np.int64)
        start = np.zeros(len(values), np.int64)
        np.cumsum(np.maximum(length[:-1], 0), out=start[1:])
        return cls(np.frombuffer(b"".join(encoded), np.uint8), start, length)

    def __getitem__(self, rows: slice) -> Texts:
        return Texts(self.data, self.start[rows], self.length[rows])

    def values(self) -> list[bytes | None]:
        """Every row's bytes (None = NULL)."""
        out: list[bytes | None] = [None] * len(self.length)
        data = self.data
        for row in np.flatnonzero(self.length >= 0).tolist():
            start = int(self.start[row])
            out[row] = data[start : start + int(self.length[row])].tobytes()
        return out


@dataclass(frozen=True)
class Chunk:
    """Consecutive exported rows, column by column (NaN = no number)."""

    ids: NDArray[np.uint8]  # n × 16, the UUIDs' bytes
    service_point_id: NDArray[np.int64]  # -1: none (the codes are text columns)
    unit_id: NDArray[np.int64]
    observed_on: NDArray[np.datetime64]  # days
    received_at: NDArray[np.datetime64]  # microseconds, UTC
    design_weight: NDArray[np.float64]
    fpc: NDArray[np.float64]
    scores: NDArray[np.uint8]  # n × numeric items, 255 = no answer
    texts: dict[str, Texts]  # DESIGN_TEXTS, then the non-numeric items by code

    @property
    def n(self) -> int:
        """Number of rows."""
        return int(self.ids.shape[0])

    def __getitem__(self, rows: slice) -> Chunk:
        return Chunk(
            self.ids[rows],
            self.service_point_id[rows],
            self.unit_id[rows],
            self.observed_on[rows],
            self.received_at[rows],
            self.design_weight[rows],
            self.fpc[rows],
            self.scores[rows],
            {name: column[rows] for name, column in self.texts.items()},
        )


@dataclass(frozen=True)
class TextItem:
    """A non-numeric item read from the answers: free text as it is, a multiple choice as ``1;3``."""

    code: str
    multiple: bool


def chunks(
    session: Session,
    conditions: list[ColumnElement[bool]],
    width: int,
    items: Sequence[TextItem],
    chunk_size: int,
) -> Iterator[Chunk]:
    """The matching responses in chunks of ``chunk_size`` rows, ordered by id."""
    if session.get_bind().dialect.name == "postgresql":
        return _postgresql(session, conditions, width, items, chunk_size)
    return _generic(session, conditions, width, items, chunk_size)


def _design_texts() -> list[ColumnElement[Any]]:
    return [ServicePoint.code, OrgUnit.code, *(getattr(Response, name) for name in DESIGN_TEXTS[2:])]


def _select(columns: list[Any], conditions: list[ColumnElement[bool]]) -> Select[Any]:
    return (
        select(*columns)
        .select_from(Response)
        .outerjoin(ServicePoint, ServicePoint.id == Response.service_point_id)
        .outerjoin(OrgUnit, OrgUnit.id == Response.unit_id)
        .where(*conditions)
        .order_by(Response.id)
    )


def _postgresql(
    session: Session, conditions: list[ColumnElement[bool]], width: int, items: Sequence[TextItem], chunk_size: int
) -> Iterator[Chunk]:
    texts = _design_texts()
    for item in items:
        value = Response.answers[item.code].as_string()
        # jsonb prints a list of option numbers as "[1, 3]"; the export writes "1;3".
        texts.append(func.translate(value, literal(",[] "), literal(";")) if item.multiple else value)
    # The texts go as one array (its binary form: a length, -1 for NULL, before each element's bytes), far
    # cheaper for the server than concatenating each length and value; bytea, so no client encoding applies.
    values = array[Any]([func.convert_to(text, literal("UTF8")) for text in texts], type_=LargeBinary)
    fields: list[Any] = [
        func.uuid_send(Response.id),
        func.int8send(func.coalesce(Response.service_point_id, -1).cast(BigInteger)),
        func.int8send(func.coalesce(Response.unit_id, -1).cast(BigInteger)),
        func.date_send(Response.observed_on),
        func.timestamptz_send(Response.received_at),
        func.float8send(func.coalesce(Response.design_weight, literal_column("'NaN'::float8"))),
        func.float8send(func.coalesce(Response.fpc, literal_column("'NaN'::float8"))),
        Response.scores,
        func.array_send(values),
    ]
    record = reduce(lambda a, b: a.op("||", return_type=LargeBinary)(b), fields)
    query = _select([record], conditions)
    connection = session.connection()
    # The bound values are ints, dates, bools and item codes (letters, digits, . _ -): safe to render inline.
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    # A cursor is planned for its first rows by default: a walk of the primary key, one random heap read per
    # row. The whole result is wanted, so plan for it: one scan and a sort.
    connection.exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1")
    layout = _Layout(width, len(texts))
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor(name="survey_export") as cursor:
        cursor.execute(sql, binary=True)
        while rows := cursor.fetchmany(chunk_size):
            yield layout.split([row[0] for row in rows], [*DESIGN_TEXTS, *(i.code for i in items)])


class _Layout:
    """The binary record of one row: fixed fields, the scores, then the texts as PostgreSQL's binary array."""

    def __init__(self, width: int, texts: int) -> None:
        self.dtype = np.dtype(
            [
                ("id", "u1", 16),
                ("service_point_id", ">i8"),
                ("unit_id", ">i8"),
                ("day", ">i4"),
                ("received", ">i8"),
                ("design_weight", ">f8"),
                ("fpc", ">f8"),
                ("scores", "u1", width),
                # array_send: dimensions, has-NULL flag, element type, then length and lower bound per dimension
                ("array", ">i4", 5),
            ]
        )
        self.texts = texts

    def split(self, records: list[bytes], names: list[str]) -> Chunk:
        n, fixed = len(records), self.dtype.itemsize
        size = np.fromiter(map(len, records), np.int64, count=n)
        start = np.zeros(n, np.int64)
        np.cumsum(size[:-1], out=start[1:])
        data = np.frombuffer(b"".join(records), np.uint8)
        head = data[start[:, None] + np.arange(fixed)].view(self.dtype).reshape(n)
        if n and not (np.all(head["array"][:, 0] == 1) and np.all(head["array"][:, 3] == self.texts)):
            raise RuntimeError("a response's packed scores do not match its instrument version")
        offsets = start + fixed
        columns = {}
        for name in names:  # element after element, every row at once
            length = data[offsets[:, None] + np.arange(4)].view(">i4").reshape(n).astype(np.int64)
            columns[name] = Texts(data, offsets + 4, length)
            offsets = offsets + 4 + np.maximum(length, 0)
        if not np.array_equal(offsets, start + size):
            raise RuntimeError("a response's packed scores do not match its instrument version")
        days = head["day"].astype(np.int64).astype("timedelta64[D]")
        return Chunk(
            head["id"].copy(),
            head["service_point_id"].astype(np.int64),
            head["unit_id"].astype(np.int64),
            np.datetime64("2000-01-01", "D") + days,
            _EPOCH + head["received"].astype(np.int64).astype("timedelta64[us]"),
            head["design_weight"].astype(np.float64),
            head["fpc"].astype(np.float64),
            head["scores"].copy(),
            columns,
        )


def _generic(
    session: Session, conditions: list[ColumnElement[bool]], width: int, items: Sequence[TextItem], chunk_size: int
) -> Iterator[Chunk]:
    columns: list[Any] = [
        Response.id,
        Response.service_point_id,
        Response.unit_id,
        Response.observed_on,
        Response.received_at,
        Response.design_weight,
        Response.fpc,
        Response.scores,
        *_design_texts(),
        *(Response.answers[item.code].as_string() for item in items),
    ]
    query = _select(columns, conditions).execution_options(yield_per=chunk_size)
    for rows in session.execute(query).partitions():
        n = len(rows)
        ids, points, units, days, received, weights, fpcs, scores, *texts = zip(*rows, strict=True)
        design = texts[: len(DESIGN_TEXTS)]
        answers = [
            [_text(v, item.multiple) for v in values] for item, values in zip(items, texts[len(design) :], strict=True)
        ]
        yield Chunk(
            np.frombuffer(b"".join(i.bytes for i in ids), np.uint8).reshape(n, 16),
            _ids(points),
            _ids(units),
            np.array(days, dtype="datetime64[D]"),
            _instants(received),
            _floats(weights),
            _floats(fpcs),
            np.frombuffer(b"".join(scores), np.uint8).reshape(n, width),
            {
                name: Texts.of(values)
                for name, values in zip([*DESIGN_TEXTS, *(i.code for i in items)], [*design, *answers], strict=True)
            },
        )


def _text(value: str | None, multiple: bool) -> str | None:
    """An item's answer as exported: SQLite's JSON text of a list becomes ``1;3``."""
    if value is None or not multiple:
        return value
    return ";".join(str(v) for v in json.loads(value))


def _ids(values: Sequence[int | None]) -> NDArray[np.int64]:
    return np.fromiter((-1 if v is None else v for v in values), np.int64, count=len(values))


def _floats(values: Sequence[float | None]) -> NDArray[np.float64]:
    return np.fromiter((np.nan if v is None else v for v in values), np.float64, count=len(values))


def _instants(values: Sequence[datetime]) -> NDArray[np.datetime64]:
    # UTCDateTime gives aware UTC datetimes; numpy wants them naive.
    return np.array([v.replace(tzinfo=None) for v in values], dtype="datetime64[us]").reshape(len(values))
