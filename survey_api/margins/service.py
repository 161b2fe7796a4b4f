"""Rules for population margins: one set per unit and period, totals that raking can meet.

A variable is ``sex``, ``age_group`` or ``unit`` (the response's org unit code), or a joint variable that
names several with ``*`` (``sex*age_group``); a joint level names one level of each, in the same order,
separated by ``|`` (``2|25-34``). One variable (joint or not) post-stratifies, several rake.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_api import audit
from survey_api.db.models import OrgUnit, PopulationMargin, User
from survey_api.db.models.weighting import MARGIN_VARIABLES
from survey_api.errors import InvalidInput, NotFound
from survey_api.margins import repository
from survey_api.margins.schemas import MarginsIn, MarginsOut, Period
from survey_api.units.service import subtree, unit_by_code

Margins = dict[str, dict[str, float]]
JOINT, LEVELS = "*", "|"
# Widths of the responses' cell columns (sex, age_group: 16; unit codes: 64) and of a stored level.
_WIDTH = {"sex": 16, "age_group": 16, "unit": 64}
_LEVEL_WIDTH = 64


def variable_parts(variable: str) -> list[str]:
    """The response variables a (possibly joint) margin variable names: ``sex*age_group`` → sex, age_group."""
    return variable.split(JOINT)


@dataclass(frozen=True)
class MarginSet:
    """The margins that apply to an estimate, with the unit and period they were given for.

    ``unit_codes`` (org unit id → code) is filled when a variable names ``unit``.
    """

    unit_id: int | None
    start: date
    end: date
    margins: Margins
    unit_codes: dict[int, str] = field(default_factory=dict)


def put_margins(session: Session, payload: MarginsIn, *, user: User) -> MarginsOut:
    """Store (or replace) the margins of a unit and period; the change is audit-logged."""
    unit_id = _unit_id(session, payload.unit)
    start, end = payload.period.start, payload.period.end
    if start > end:
        raise InvalidInput(f"period: from ({start}) is after to ({end})")
    problems = check_margins(payload.margins, unit_codes(session))
    if problems:
        summary = "; ".join(p["problem"] for p in problems)
        raise InvalidInput(f"margins: {summary}", errors=problems)
    store_set(session, user, payload.unit, unit_id, start, end, payload.margins)
    return MarginsOut(unit=payload.unit, period=payload.period, margins=payload.margins)


def store_set(
    session: Session,
    user: User,
    unit: str | None,
    unit_id: int | None,
    start: date,
    end: date,
    margins: Margins,
    **detail: Any,
) -> None:
    """Replace the margin set of a unit and period with ``margins`` (checked already); audit-logged."""
    previous = _as_margins(repository.margin_set(session, unit_id, start, end))
    repository.delete_set(session, unit_id, start, end)
    for variable, levels in margins.items():
        for level, total in levels.items():
            session.add(
                PopulationMargin(
                    unit_id=unit_id,
                    period_start=start,
                    period_end=end,
                    variable=variable,
                    level=level,
                    total=float(total),
                    created_by=user.id,
                )
            )
    session.flush()
    audit.record(
        session,
        user,
        "margins.put",
        f"margins {unit or '(all)'} {start}..{end}",
        margins=margins,
        previous=previous,
        **detail,
    )


def list_margins(
    session: Session, *, unit: str | None, date_from: date | None, date_to: date | None
) -> list[MarginsOut]:
    """Every margin set of the unit (and the units below it) overlapping the period."""
    unit_id = _unit_id(session, unit)
    unit_ids = subtree(session, unit_id) if unit_id is not None else None
    sets: dict[tuple[str | None, date, date], list[PopulationMargin]] = defaultdict(list)
    for margin, code in repository.overlapping(session, unit_ids, date_from, date_to):
        sets[(code, margin.period_start, margin.period_end)].append(margin)
    return [
        MarginsOut(unit=code, period=Period(start=start, end=end), margins=_as_margins(rows))
        for (code, start, end), rows in sets.items()
    ]


def margins_for(
    session: Session, unit_id: int | None, date_from: date | None, date_to: date | None
) -> MarginSet | None:
    """The margins for an estimate of ``unit_id`` (None: the whole area) over [date_from, date_to].

    The set whose period covers the whole requested period (the latest-starting one when several do, or
    the latest of all when no period is asked for); None when there is none.
    """
    period = repository.covering_period(session, unit_id, date_from, date_to)
    if period is None:
        return None
    margins = _as_margins(repository.margin_set(session, unit_id, *period))
    by_unit = any("unit" in variable_parts(v) for v in margins)
    codes = {i: code for code, i in unit_codes(session).items()} if by_unit else {}
    return MarginSet(unit_id, period[0], period[1], margins, codes)


def _unit_id(session: Session, code: str | None) -> int | None:
    if code is None:
        return None
    found = unit_by_code(session, code)
    if found is None:
        raise NotFound(f"no unit {code!r}")
    return found.id


def unit_codes(session: Session) -> dict[str, int]:
    """Every org unit's id by code."""
    return {code: i for i, code in session.execute(select(OrgUnit.id, OrgUnit.code))}


def check_margins(margins: Margins, unit_codes: dict[str, int]) -> list[dict[str, Any]]:
    """Every problem of a margin set (``{"item": variable, "problem": …}``); none when raking can use it."""
    if not margins:
        return [{"item": None, "problem": "give at least one variable"}]
    problems: list[dict[str, Any]] = []
    totals: dict[str, float] = {}
    for variable, levels in margins.items():
        found = _variable_problem(variable) or (None if levels else f"{variable} has no levels")
        if found is None:
            found = next(
                (p for level, total in levels.items() for p in _level_problems(variable, level, total, unit_codes)),
                None,
            )
        if found is not None:
            problems.append({"item": variable, "problem": found})
        else:
            totals[variable] = sum(levels.values())
    values = list(totals.values())
    if not problems and max(values) - min(values) > 1e-9 * max(values):
        described = ", ".join(f"{k} {v:g}" for k, v in totals.items())
        problems.append({"item": None, "problem": f"the variables add up to different population totals ({described})"})
    return problems


def _variable_problem(variable: str) -> str | None:
    parts = variable_parts(variable)
    if any(p not in MARGIN_VARIABLES for p in parts):
        return (
            f"{variable!r} is not a margin variable: use {', '.join(MARGIN_VARIABLES)} or a joint variable "
            f"such as sex{JOINT}age_group"
        )
    if len(set(parts)) != len(parts):
        return f"{variable!r} names a variable twice"
    return None


def _level_problems(variable: str, level: str, total: float, unit_codes: dict[str, int]) -> Iterable[str]:
    parts = variable_parts(variable)
    values = level.split(LEVELS) if len(parts) > 1 else [level]
    if len(values) != len(parts):
        yield (
            f"{variable} level {level!r} must name one level of each of {', '.join(parts)}, "
            f"separated by {LEVELS!r} (e.g. {LEVELS.join(parts)})"
        )
        return
    if len(level) > _LEVEL_WIDTH:
        yield f"{variable} level {level!r} is longer than {_LEVEL_WIDTH} characters"
    for name, value in zip(parts, values, strict=True):
        if not value or len(value) > _WIDTH[name]:
            yield f"{variable} level {level!r}: {name} must have 1–{_WIDTH[name]} characters"
        elif name == "unit" and value not in unit_codes:
            yield f"{variable} level {level!r}: there is no org unit {value!r}"
    if not math.isfinite(total) or total <= 0:
        yield f"{variable} = {level}: the total must be a positive number, not {total}"


def _as_margins(rows: Iterable[PopulationMargin]) -> Margins:
    out: Margins = {}
    for row in rows:
        out.setdefault(row.variable, {})[row.level] = row.total
    return out
