"""Bounded parameter types shared by the routers and schemas.

Ids, version numbers and stages are PostgreSQL ``integer`` columns: a larger number can name nothing, and
sent to the database it fails (SQLite cannot even bind one past 64 bits). Days are kept where date arithmetic
(periods, the previous period) cannot overflow, and times must be expressible in UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field

MAX_INT = 2**31 - 1  # PostgreSQL integer
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)

IdPath = Annotated[int, Path(ge=1, le=MAX_INT, description="An id (a positive 32-bit integer)")]
"""An id in a path; out of range the address names nothing (404)."""

DbInt = Annotated[int, Field(ge=1, le=MAX_INT)]
"""An id or version number inside a body."""


def _iso_day(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("write the day as YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_iso_day)]
"""A day written YYYY-MM-DD (not a number, which pydantic would read as a Unix time: ``0`` is 1970-01-01)."""


def _text_day(value: Any) -> Any:
    if not isinstance(value, str | date):
        raise ValueError("write the day as YYYY-MM-DD")
    return value


BodyDay = Annotated[Day, BeforeValidator(_text_day)]
"""A day inside a JSON body: text only (``0`` or ``20260101`` as a number is refused, not read as a Unix time)."""

VersionQuery = Annotated[
    int | None, Query(ge=1, le=MAX_INT, description="Version number; default the latest published")
]
FromQuery = Annotated[Day | None, Query(alias="from", ge=FIRST_DAY, le=LAST_DAY, description="First day, YYYY-MM-DD")]
ToQuery = Annotated[Day | None, Query(alias="to", ge=FIRST_DAY, le=LAST_DAY, description="Last day, YYYY-MM-DD")]


def _in_utc_range(value: datetime) -> datetime:
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("this time is out of range once converted to UTC") from None
    if not FIRST_DAY.year <= value.year <= LAST_DAY.year:
        raise ValueError(f"the year must be between {FIRST_DAY.year} and {LAST_DAY.year}")
    return value


UtcTime = Annotated[AwareDatetime, AfterValidator(_in_utc_range)]
"""A time with its UTC offset that converts to UTC (``9999-12-31T23:59:59-14:00`` does not)."""
