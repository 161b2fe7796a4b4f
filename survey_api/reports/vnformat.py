"""Numbers and dates written the Vietnamese way: 91,2% · 1.234 · ngày 05 tháng 10 năm 2026."""

from __future__ import annotations

import math
from datetime import date

DASH = "–"


def number(value: float, decimals: int = 1) -> str:
    """1234.5 → "1.234,5" (dot groups thousands, comma is the decimal mark)."""
    if not math.isfinite(value):
        return DASH
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def integer(value: int) -> str:
    return number(value, 0)


def percent(share: float | None, decimals: int = 1) -> str:
    """A share in [0, 1] as a percentage: 0.912 → "91,2%"; None → an en dash."""
    return DASH if share is None else f"{number(100 * share, decimals)}%"


def points(delta: float | None, decimals: int = 1) -> str:
    """A change of share in percentage points with its sign: 0.013 → "+1,3"; -0.004 → "−0,4"."""
    if delta is None:
        return DASH
    text = number(abs(100 * delta), decimals)
    if text.strip("0,") == "":
        return text
    return ("+" if delta > 0 else "−") + text


def interval(low: float | None, high: float | None, decimals: int = 1) -> str:
    """A CI of shares: "89,8–92,5%"."""
    if low is None or high is None:
        return DASH
    return f"{number(100 * low, decimals)}{DASH}{number(100 * high, decimals)}%"


def long_date(day: date) -> str:
    """The date line of Nghị định 30/2020: days below 10 and months below 3 get a leading zero."""
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
