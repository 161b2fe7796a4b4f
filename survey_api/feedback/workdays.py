"""Working days: weekends and the public holidays of a configurable calendar are skipped.

The calendar is a CSV file of ``date,name`` lines (``#`` starts a comment); the shipped one holds Viet Nam's
public holidays for 2026–2027 (``data/holidays_vn.csv``), and ``SURVEY_FEEDBACK_HOLIDAYS_FILE`` names another.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

SHIPPED = Path(__file__).parent / "data" / "holidays_vn.csv"
SATURDAY = 5


class CalendarError(ValueError):
    """The holiday file cannot be read; the message names the line."""


@dataclass(frozen=True)
class Calendar:
    """Public holidays by day, with their names."""

    holidays: dict[date, str]

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday and not a public holiday."""
        return day.weekday() < SATURDAY and day not in self.holidays

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself does not count); ``start`` for 0."""
        day, left = start, days
        while left > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative when ``end`` is earlier)."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(self.is_working_day(start + timedelta(days=k)) for k in range(1, (end - start).days + 1))


def load_calendar(path: str | Path = "") -> Calendar:
    """The calendar in ``path`` (empty: the shipped one); cached per path."""
    return _load(str(Path(path).resolve()) if path else str(SHIPPED))


@lru_cache(maxsize=8)
def _load(path: str) -> Calendar:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CalendarError(f"the holiday calendar {path} cannot be read: {exc.strerror}") from None
    holidays: dict[date, str] = {}
    rows = csv.reader(line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))
    for number, row in enumerate(rows, start=1):
        if number == 1 and row and row[0].strip().lower() == "date":
            continue
        try:
            day = date.fromisoformat(row[0].strip())
        except (IndexError, ValueError):
            raise CalendarError(f"{path}: entry {number} is not `YYYY-MM-DD,name`: {','.join(row)!r}") from None
        holidays[day] = row[1].strip() if len(row) > 1 else ""
    return Calendar(holidays)
