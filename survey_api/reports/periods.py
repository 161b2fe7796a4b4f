"""Reporting periods: a year, a half-year, a quarter, a month or a date range, with Vietnamese labels."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

PeriodKind = Literal["year", "half", "quarter", "month", "range"]

_EXPECTED = (
    "expected YYYY (2026), YYYY-H1 or YYYY-H2, YYYY-Q1 to YYYY-Q4, YYYY-MM (2026-09) "
    "or FROM:TO as YYYY-MM-DD:YYYY-MM-DD"
)
_ROMAN = ("I", "II", "III", "IV")
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_YEAR = re.compile(r"(\d{4})")
_HALF = re.compile(r"(\d{4})-H([12])", re.IGNORECASE)
_QUARTER = re.compile(r"(\d{4})-Q([1-4])", re.IGNORECASE)
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2}):(\d{4}-\d{2}-\d{2})")


def _month_end(year: int, month: int) -> date:
    first_next = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return first_next - timedelta(days=1)


def _dmy(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def _dmy_en(day: date) -> str:
    return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class Period:
    """A closed date interval [first, last] of one kind; `number` is the half, quarter or month (else 0)."""

    kind: PeriodKind
    first: date
    last: date
    number: int = 0

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"a period cannot end ({self.last}) before it starts ({self.first})")

    @property
    def year(self) -> int:
        return self.first.year

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def code(self) -> str:
        """The form `parse_period` reads back, e.g. 2026-Q3."""
        if self.kind == "year":
            return str(self.year)
        if self.kind == "half":
            return f"{self.year}-H{self.number}"
        if self.kind == "quarter":
            return f"{self.year}-Q{self.number}"
        if self.kind == "month":
            return f"{self.year}-{self.number:02d}"
        return f"{self.first.isoformat()}:{self.last.isoformat()}"

    @property
    def label_vi(self) -> str:
        if self.kind == "year":
            return f"Năm {self.year}"
        if self.kind == "half":
            return f"6 tháng {'đầu' if self.number == 1 else 'cuối'} năm {self.year}"
        if self.kind == "quarter":
            return f"Quý {_ROMAN[self.number - 1]} năm {self.year}"
        if self.kind == "month":
            return f"Tháng {self.number} năm {self.year}"
        return f"Từ ngày {_dmy(self.first)} đến ngày {_dmy(self.last)}"

    @property
    def label_en(self) -> str:
        if self.kind == "year":
            return f"Year {self.year}"
        if self.kind == "half":
            return f"{'First' if self.number == 1 else 'Second'} half of {self.year}"
        if self.kind == "quarter":
            return f"Q{self.number} {self.year}"
        if self.kind == "month":
            return f"{MONTHS_EN[self.number - 1]} {self.year}"
        return f"{_dmy_en(self.first)} to {_dmy_en(self.last)}"

    def previous(self) -> Period:
        """The period just before: the same kind, or for a date range the same number of days."""
        if self.kind == "year":
            return year(self.year - 1)
        if self.kind == "half":
            return half(self.year, 1) if self.number == 2 else half(self.year - 1, 2)
        if self.kind == "quarter":
            return quarter(self.year, self.number - 1) if self.number > 1 else quarter(self.year - 1, 4)
        if self.kind == "month":
            return month(self.year, self.number - 1) if self.number > 1 else month(self.year - 1, 12)
        last = self.first - timedelta(days=1)
        return Period("range", last - timedelta(days=self.days - 1), last)


def year(y: int) -> Period:
    return Period("year", date(y, 1, 1), date(y, 12, 31))


def half(y: int, h: int) -> Period:
    if h not in (1, 2):
        raise ValueError(f"half-year must be 1 or 2, not {h}")
    return (
        Period("half", date(y, 1, 1), date(y, 6, 30), 1)
        if h == 1
        else Period("half", date(y, 7, 1), date(y, 12, 31), 2)
    )


def quarter(y: int, q: int) -> Period:
    if not 1 <= q <= 4:
        raise ValueError(f"quarter must be 1 to 4, not {q}")
    return Period("quarter", date(y, 3 * q - 2, 1), _month_end(y, 3 * q), q)


def month(y: int, m: int) -> Period:
    if not 1 <= m <= 12:
        raise ValueError(f"month must be 01 to 12, not {m:02d}")
    return Period("month", date(y, m, 1), _month_end(y, m), m)


def parse_period(text: str) -> Period:
    """Read 2026, 2026-H1, 2026-Q3, 2026-09 or 2026-01-15:2026-03-31; ValueError says which forms are expected."""
    value = text.strip()
    try:
        if m := _YEAR.fullmatch(value):
            return year(int(m[1]))
        if m := _HALF.fullmatch(value):
            return half(int(m[1]), int(m[2]))
        if m := _QUARTER.fullmatch(value):
            return quarter(int(m[1]), int(m[2]))
        if m := _MONTH.fullmatch(value):
            return month(int(m[1]), int(m[2]))
        if m := _RANGE.fullmatch(value):
            return Period("range", date.fromisoformat(m[1]), date.fromisoformat(m[2]))
    except ValueError as exc:
        raise ValueError(f"invalid period {text!r}: {exc}; {_EXPECTED}") from None
    raise ValueError(f"unrecognised period {text!r}: {_EXPECTED}")
