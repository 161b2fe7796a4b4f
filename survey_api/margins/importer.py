"""Margins from a CSV or XLSX file: one row per unit, period, variable, level and total; all sets or none.

Columns: ``unit`` (org unit code; blank for the whole area; optional column), ``from`` and ``to``
(YYYY-MM-DD), ``variable``, ``level``, ``total``. The rows of one (unit, from, to) form a set that replaces
the stored set of that unit and period, as ``PUT /api/v1/margins`` does. Every row and every set is
checked first and all problems are reported together; nothing is stored unless all are valid.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from survey_api.db.models import User
from survey_api.margins import service
from survey_api.margins.schemas import MarginsOut, Period
from survey_api.tabular import not_stored, read_table

REQUIRED = ("from", "to", "variable", "level", "total")
SetKey = tuple[str | None, date, date]


def import_margins(session: Session, data: bytes, filename: str | None, *, user: User) -> list[MarginsOut]:
    """Store every margin set of the file, or raise :class:`InvalidInput` with every problem."""
    header, records = read_table(data, filename).padded()
    missing = [
        {"row": 1, "item": name, "problem": "required column missing"} for name in REQUIRED if name not in header
    ]
    if missing:
        raise not_stored(missing)
    units = service.unit_codes(session)
    errors: list[dict[str, Any]] = []
    sets: dict[SetKey, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    first_row: dict[SetKey, int] = {}
    seen: dict[tuple[SetKey, str, str], int] = {}
    for number, record in records:
        cells = {name: value.strip() for name, value in zip(header, record, strict=True)}
        problems: list[dict[str, Any]] = []
        unit = cells.get("unit") or None
        if unit is not None and unit not in units:
            problems.append({"item": "unit", "problem": f"there is no org unit {unit!r}"})
        start, end = _day(cells["from"], "from", problems), _day(cells["to"], "to", problems)
        if start and end and start > end:
            problems.append({"item": "to", "problem": f"the period ends ({end}) before it starts ({start})"})
        variable, level = cells["variable"], cells["level"]
        for name, value in (("variable", variable), ("level", level)):
            if not value:
                problems.append({"item": name, "problem": "blank"})
        total = _number(cells["total"], problems)
        if not problems and start and end and total is not None:
            key = (unit, start, end)
            if (key, variable, level) in seen:
                problems.append(
                    {
                        "item": "level",
                        "problem": f"{variable} = {level} appears again (first in row {seen[key, variable, level]})",
                    }
                )
            else:
                seen[key, variable, level] = number
                first_row.setdefault(key, number)
                sets[key][variable][level] = total
        errors.extend({"row": number, **p} for p in problems)
    for key, margins in sets.items():
        unit, start, end = key
        for problem in service.check_margins(margins, units):
            where = f"the margins of {unit or 'the whole area'} for {start}..{end}"
            errors.append({"row": first_row[key], "item": problem["item"], "problem": f"{where}: {problem['problem']}"})
    if not errors and not sets:
        errors.append({"row": None, "item": None, "problem": "the file has no data rows"})
    if errors:
        raise not_stored(sorted(errors, key=lambda e: e["row"] or 0))
    stored = []
    for (unit, start, end), margins in sorted(sets.items(), key=lambda kv: first_row[kv[0]]):
        plain = {variable: dict(levels) for variable, levels in margins.items()}
        unit_id = units[unit] if unit is not None else None
        service.store_set(session, user, unit, unit_id, start, end, plain, source=filename or "import")
        stored.append(MarginsOut(unit=unit, period=Period(start=start, end=end), margins=plain))
    return stored


def _day(value: str, item: str, problems: list[dict[str, Any]]) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    try:  # a spreadsheet date cell reads as a midnight datetime
        moment = datetime.fromisoformat(value)
        if moment.time() == datetime.min.time():
            return moment.date()
    except ValueError:
        pass
    problems.append({"item": item, "problem": f"{value!r} is not a day (YYYY-MM-DD)"})
    return None


def _number(value: str, problems: list[dict[str, Any]]) -> float | None:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number <= 0:
        problems.append({"item": "total", "problem": f"{value!r} is not a positive number"})
        return None
    return number
