"""Numbers and dates written the Vietnamese way (91,2% · 1.234 · ngày 05 tháng 10 năm 2026), or the English
way for a report in English (91.2% · 1,234 · 5 October 2026); Vietnamese unless told otherwise."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from survey_api.reports.periods import MONTHS_EN
from survey_api.reports.wording import Language

DASH = "–"


def number(value: float, decimals: int = 1, language: Language = "vi") -> str:
    """1234.5 → "1.234,5" (dot groups thousands, comma is the decimal mark); English "1,234.5"."""
    if not math.isfinite(value):
        return DASH
    text = f"{value:,.{decimals}f}"
    if language == "en":
        return text
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def integer(value: int, language: Language = "vi") -> str:
    return number(value, 0, language)


def percent(share: float | None, decimals: int = 1, language: Language = "vi") -> str:
    """A share in [0, 1] as a percentage: 0.912 → "91,2%"; None → an en dash."""
    return DASH if share is None else f"{number(100 * share, decimals, language)}%"


def points(delta: float | None, decimals: int = 1, language: Language = "vi") -> str:
    """A change of share in percentage points with its sign: 0.013 → "+1,3"; -0.004 → "−0,4"."""
    if delta is None:
        return DASH
    text = number(abs(100 * delta), decimals, language)
    if text.strip("0,.") == "":
        return text
    return ("+" if delta > 0 else "−") + text


def interval(low: float | None, high: float | None, decimals: int = 1, language: Language = "vi") -> str:
    """A CI of shares: "89,8–92,5%"."""
    if low is None or high is None:
        return DASH
    return f"{number(100 * low, decimals, language)}{DASH}{number(100 * high, decimals, language)}%"


def long_date(day: date, language: Language = "vi") -> str:
    """The date line of Nghị định 30/2020: days below 10 and months below 3 get a leading zero (in English,
    "5 October 2026")."""
    if language == "en":
        return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def short_date(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def roman(n: int) -> str:
    """Section numbers: 1 → I, 4 → IV, 9 → IX (up to 39)."""
    if not 1 <= n < 40:
        raise ValueError(f"roman numerals only for 1 to 39, not {n}")
    tens, ones = divmod(n, 10)
    units = ("", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX")
    return "X" * tens + units[ones]


@dataclass(frozen=True)
class Numbers:
    """The functions above bound to one language, for a renderer that writes many numbers."""

    language: Language = "vi"

    def number(self, value: float, decimals: int = 1) -> str:
        return number(value, decimals, self.language)

    def integer(self, value: int) -> str:
        return integer(value, self.language)

    def percent(self, share: float | None, decimals: int = 1) -> str:
        return percent(share, decimals, self.language)

    def points(self, delta: float | None, decimals: int = 1) -> str:
        return points(delta, decimals, self.language)

    def interval(self, low: float | None, high: float | None, decimals: int = 1) -> str:
        return interval(low, high, decimals, self.language)

    def long_date(self, day: date) -> str:
        return long_date(day, self.language)
