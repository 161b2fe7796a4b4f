"""The configurable rules of feedback handling, taken from the settings once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from survey_api.collection.service import LOCAL_TIME
from survey_api.db.base import utcnow
from survey_api.feedback.workdays import Calendar, load_calendar
from survey_api.settings import Settings

DEFAULT_DUE_DAYS = {"feedback": 15, "petition": 10}
OPEN_STATUSES = ("new", "acknowledged", "in_progress")


@dataclass(frozen=True)
class FeedbackRules:
    """Working days to answer each kind, the holiday calendar, and what counts as a low element score."""

    due_days: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_DUE_DAYS))
    calendar: Calendar = field(default_factory=load_calendar)
    low_below: float = 3.0

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedbackRules:
        return cls(
            due_days={**DEFAULT_DUE_DAYS, **settings.feedback_due_working_days},
            calendar=load_calendar(settings.feedback_holidays_file),
            low_below=settings.feedback_low_score,
        )

    def due_on(self, kind: str, received_at: datetime) -> date:
        """The last working day to answer something of ``kind`` received at ``received_at``."""
        return self.calendar.add_working_days(local_day(received_at), self.due_days.get(kind, 15))


def local_day(moment: datetime) -> date:
    """The day in Viet Nam at ``moment``."""
    return moment.astimezone(LOCAL_TIME).date()


def today() -> date:
    """Today in Viet Nam."""
    return local_day(utcnow())


def is_overdue(status: str, due_on: date | None, on: date) -> bool:
    """Still open after its due day."""
    return status in OPEN_STATUSES and due_on is not None and on > due_on
