"""Due dates in working days: weekends and the holidays of the configured calendar are skipped."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from survey_api.feedback.rules import FeedbackRules
from survey_api.feedback.workdays import Calendar, CalendarError, load_calendar
from survey_api.settings import Settings

NONE = Calendar({})


def test_weekends_are_skipped() -> None:
    friday = date(2026, 3, 6)
    assert NONE.add_working_days(friday, 1) == date(2026, 3, 9)  # Monday
    assert NONE.add_working_days(friday, 2) == date(2026, 3, 10)
    assert NONE.add_working_days(date(2026, 3, 7), 1) == date(2026, 3, 9)  # received on a Saturday
    assert NONE.add_working_days(friday, 0) == friday


def test_the_shipped_calendar_skips_viet_nams_public_holidays() -> None:
    holidays = load_calendar()
    thursday = date(2026, 4, 23)
    # Without holidays ten working days end on Thursday 7 May; Hùng Kings' day (compensated on Monday 27 April),
    # 30 April and 1 May push it three working days on, over another weekend, to Tuesday 12 May.
    assert NONE.add_working_days(thursday, 10) == date(2026, 5, 7)
    assert holidays.add_working_days(thursday, 10) == date(2026, 5, 12)
    assert holidays.working_days_between(thursday, date(2026, 5, 12)) == 10
    # Tết 2026: Monday 16 to Friday 20 February are holidays.
    assert holidays.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)
    assert holidays.holidays[date(2027, 1, 1)] == "Tết Dương lịch"
    assert all(day.year in (2026, 2027) for day in holidays.holidays)


def test_due_days_per_kind_and_the_calendar_come_from_the_settings(tmp_path: Path) -> None:
    calendar = tmp_path / "holidays.csv"
    calendar.write_text("# a test calendar\ndate,name\n2026-03-09,Ngày nghỉ thử\n", encoding="utf-8")
    settings = Settings(
        environment="test",
        feedback_holidays_file=str(calendar),
        feedback_due_working_days={"petition": 2, "feedback": 5},
    )
    rules = FeedbackRules.from_settings(settings)
    friday_evening = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)  # 17:00 in Viet Nam
    assert rules.due_on("petition", friday_evening) == date(2026, 3, 11)  # Monday 9 March is a holiday here
    assert rules.due_on("feedback", friday_evening) == date(2026, 3, 16)
    # Received at 00:30 on Saturday in Viet Nam (Friday in UTC): the count starts from Saturday.
    assert rules.due_on("petition", datetime(2026, 3, 6, 17, 30, tzinfo=UTC)) == date(2026, 3, 11)
    default = FeedbackRules()
    assert default.due_on("petition", friday_evening) == date(2026, 3, 20)  # 10 working days, no holiday


def test_an_unreadable_calendar_names_the_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("date,name\n2026-13-01,Sai\n", encoding="utf-8")
    with pytest.raises(CalendarError, match="entry 2"):
        load_calendar(bad)
    with pytest.raises(CalendarError, match="cannot be read"):
        load_calendar(tmp_path / "missing.csv")
