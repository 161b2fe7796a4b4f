from datetime import date

import pytest

from survey_api.reports import parse_period


@pytest.mark.parametrize(
    ("text", "kind", "first", "last", "vi", "en"),
    [
        ("2026", "year", date(2026, 1, 1), date(2026, 12, 31), "Năm 2026", "Year 2026"),
        ("2026-H1", "half", date(2026, 1, 1), date(2026, 6, 30), "6 tháng đầu năm 2026", "First half of 2026"),
        ("2026-h2", "half", date(2026, 7, 1), date(2026, 12, 31), "6 tháng cuối năm 2026", "Second half of 2026"),
        ("2026-Q1", "quarter", date(2026, 1, 1), date(2026, 3, 31), "Quý I năm 2026", "Q1 2026"),
        ("2026-Q3", "quarter", date(2026, 7, 1), date(2026, 9, 30), "Quý III năm 2026", "Q3 2026"),
        ("2026-Q4", "quarter", date(2026, 10, 1), date(2026, 12, 31), "Quý IV năm 2026", "Q4 2026"),
        ("2026-09", "month", date(2026, 9, 1), date(2026, 9, 30), "Tháng 9 năm 2026", "September 2026"),
        ("2028-02", "month", date(2028, 2, 1), date(2028, 2, 29), "Tháng 2 năm 2028", "February 2028"),
        (
            " 2026-01-15:2026-03-31 ",
            "range",
            date(2026, 1, 15),
            date(2026, 3, 31),
            "Từ ngày 15/01/2026 đến ngày 31/03/2026",
            "15 January 2026 to 31 March 2026",
        ),
    ],
)
def test_every_form(text: str, kind: str, first: date, last: date, vi: str, en: str) -> None:
    period = parse_period(text)
    assert (period.kind, period.first, period.last, period.label_vi, period.label_en) == (kind, first, last, vi, en)
    assert parse_period(period.code) == period


@pytest.mark.parametrize(
    ("text", "previous"),
    [
        ("2026", "2025"),
        ("2026-H1", "2025-H2"),
        ("2026-H2", "2026-H1"),
        ("2026-Q1", "2025-Q4"),
        ("2026-Q3", "2026-Q2"),
        ("2026-01", "2025-12"),
        ("2026-09", "2026-08"),
        ("2026-01-15:2026-03-31", "2025-10-31:2026-01-14"),
        ("2026-03-01:2026-03-01", "2026-02-28:2026-02-28"),
    ],
)
def test_previous(text: str, previous: str) -> None:
    before = parse_period(text).previous()
    assert before.code == previous
    assert before.last < parse_period(text).first
    if before.kind == "range":
        assert before.days == parse_period(text).days


@pytest.mark.parametrize(
    "text",
    [
        "",
        "26",
        "2026-Q5",
        "2026-H3",
        "2026-13",
        "2026-00",
        "Q3-2026",
        "2026-3",
        "2026/09",
        "2026-03-31:2026-01-01",
        "2026-02-30:2026-03-01",
        "2026-01-01:",
        "quý 3",
    ],
)
def test_errors_say_what_is_expected(text: str) -> None:
    with pytest.raises(ValueError, match="expected YYYY") as error:
        parse_period(text)
    assert repr(text) in str(error.value)
