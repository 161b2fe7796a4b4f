"""Rules for population margins: one set per unit and period, totals that raking can meet."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from survey_api import audit
from survey_api.db.models import PopulationMargin, User
from survey_api.db.models.weighting import MARGIN_VARIABLES
from survey_api.errors import InvalidInput, NotFound
from survey_api.margins import repository
from survey_api.margins.schemas import MarginsIn, MarginsOut, Period
from survey_api.units.repository import unit_by_code
from survey_api.units.scope import subtree

Margins = dict[str, dict[str, float]]


@dataclass(frozen=True)
class MarginSet:
    """The margins that apply to an estimate, with the unit and period they were given for."""

    unit_id: int | None
    start: date
    end: date
    margins: Margins


def put_margins(session: Session, payload: MarginsIn, *, user: User) -> MarginsOut:
    """Store (or replace) the margins of a unit and period; the change is audit-logged."""
    unit_id = _unit_id(session, payload.unit)
    start, end = payload.period.start, payload.period.end
    if start > end:
        raise InvalidInput(f"period: from ({start}) is after to ({end})")
    _check(payload.margins)
    previous = _as_margins(repository.margin_set(session, unit_id, start, end))
    repository.delete_set(session, unit_id, start, end)
    for variable, levels in payload.margins.items():
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
        f"margins {payload.unit or '(all)'} {start}..{end}",
        margins=payload.margins,
        previous=previous,
    )
    return MarginsOut(unit=payload.unit, period=payload.period, margins=payload.margins)


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
    return MarginSet(unit_id, period[0], period[1], _as_margins(repository.margin_set(session, unit_id, *period)))


def _unit_id(session: Session, code: str | None) -> int | None:
    if code is None:
        return None
    found = unit_by_code(session, code)
    if found is None:
        raise NotFound(f"no unit {code!r}")
    return found.id


def _check(margins: Margins) -> None:
    if not margins:
        raise InvalidInput("margins: give at least one variable")
    totals: dict[str, float] = {}
    for variable, levels in margins.items():
        if variable not in MARGIN_VARIABLES:
            raise InvalidInput(f"margins: {variable!r} is not one of {', '.join(MARGIN_VARIABLES)}")
        if not levels:
            raise InvalidInput(f"margins: {variable} has no levels")
        for level, total in levels.items():
            if not level or len(level) > 16:
                raise InvalidInput(f"margins: {variable} level {level!r} must have 1–16 characters")
            if not math.isfinite(total) or total <= 0:
                raise InvalidInput(f"margins: {variable} = {level}: the total must be a positive number, not {total}")
        totals[variable] = sum(levels.values())
    values = list(totals.values())
    if max(values) - min(values) > 1e-9 * max(values):
        described = ", ".join(f"{k} {v:g}" for k, v in totals.items())
        raise InvalidInput(f"margins: the variables add up to different population totals ({described})")


def _as_margins(rows: Iterable[PopulationMargin]) -> Margins:
    out: Margins = {}
    for row in rows:
        out.setdefault(row.variable, {})[row.level] = row.total
    return out
