"""Compose the staff results page from the index (``estimates.service.indices`` through the reports' own
rules in ``reports.estimates``): the selection's index, the trend over the periods before it, elements and
items weakest first, and every unit with its change since the previous period. The unit scope is the
index's: a unit manager's results hold only their units. The units the results concern are listed even when
nobody answered there in the period."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from survey_api.db.models import OrgUnit, User
from survey_api.estimates.schemas import IndicesOut, LevelOut
from survey_api.instruments.document import Level
from survey_api.instruments.service import document_of, version_for
from survey_api.reports.estimates import change_between, index_with_ci, previous_change
from survey_api.reports.periods import Period
from survey_api.results.model import ItemResult, Results, TrendPoint, UnitResult
from survey_api.settings import Settings
from survey_api.units.service import map_day, subtree, unit_by_code, units_valid_on, valid_on, visible_units

TREND_PERIODS = 6


def results_for(
    session: Session,
    *,
    instrument: str,
    period: Period,
    unit: str | None,
    viewer: User,
    settings: Settings,
    trend_periods: int = TREND_PERIODS,
) -> Results:
    """The results of ``instrument`` over ``period`` for ``unit`` (with the units below it; None: every unit
    ``viewer`` may see); 404 for an unknown instrument or unit, 403 for a unit outside the viewer's."""
    index = index_with_ci(session, _selection(instrument, period, unit), viewer=viewer, settings=settings)
    version = version_for(session, instrument, index.version)
    before = period.previous()
    # Only the units' own numbers are shown of these: no previous period of their own.
    now_units = index_with_ci(
        session, _selection(instrument, period, unit), viewer=viewer, settings=settings, by="unit", compare=False
    )
    past_units = index_with_ci(
        session, _selection(instrument, before, unit), viewer=viewer, settings=settings, by="unit", compare=False
    )
    return Results(
        period=period,
        unit=unit,
        title=version.title,
        index=index,
        change=previous_change(index),
        trend=_trend(session, index, instrument, period, unit, viewer, settings, trend_periods),
        elements=tuple(_weakest_first(index.elements)),
        items=_items(index, document_of(version).index.elements),
        units=_units(
            session,
            now_units,
            past_units,
            settings.min_answers,
            _concerned_units(session, viewer, unit, period, version.instrument.sector),
        ),
        min_answers=settings.min_answers,
    )


def units_to_choose(session: Session, viewer: User) -> list[OrgUnit]:
    """The units ``viewer`` may narrow the results to, by name (403 for a unit manager without a unit)."""
    allowed = visible_units(session, viewer)
    units = [u for u in units_valid_on(session, None) if allowed is None or u.id in allowed]
    return sorted(units, key=lambda u: u.name)


def _concerned_units(session: Session, viewer: User, unit: str | None, period: Period, sector: str) -> list[OrgUnit]:
    """The units the results of an instrument of ``sector`` are about, answered or not: those ``viewer`` may
    choose (``unit`` and the units below it when given) that exist on the period's last day and serve
    ``sector`` (a unit without a sector, such as a province above its districts, is listed only when it has
    answers)."""
    day = map_day(period.last)
    below: set[int] | None = None
    if unit is not None:
        found = unit_by_code(session, unit)
        below = subtree(session, found.id) if found is not None else set()
    return [
        u
        for u in units_to_choose(session, viewer)
        if valid_on(u, day) and u.sector == sector and (below is None or u.id in below)
    ]


def _selection(instrument: str, period: Period, unit: str | None) -> dict[str, object]:
    return {"instrument": instrument, "from": period.first, "to": period.last, "unit": unit}


def _trend(
    session: Session,
    index: IndicesOut,
    instrument: str,
    period: Period,
    unit: str | None,
    viewer: User,
    settings: Settings,
    count: int,
) -> tuple[TrendPoint, ...]:
    """The index of the ``count`` periods of the same kind ending with ``period`` (oldest first)."""
    periods = [period]
    while len(periods) < count:
        periods.insert(0, periods[0].previous())
    points = []
    for earlier in periods[:-1]:
        found = index_with_ci(
            session, _selection(instrument, earlier, unit), viewer=viewer, settings=settings, compare=False
        )
        points.append(TrendPoint(earlier, found.responses, found.overall))
    points.append(TrendPoint(period, index.responses, index.overall))
    return tuple(points)


def _weakest_first(levels: Sequence[LevelOut]) -> list[LevelOut]:
    """Levels with a share, lowest first; those without one after them, in their own order."""
    answered = sorted((level for level in levels if level.satisfied is not None), key=lambda lv: lv.satisfied or 0.0)
    return answered + [level for level in levels if level.satisfied is None]


def _items(index: IndicesOut, elements: Sequence[Level]) -> tuple[ItemResult, ...]:
    names = {level.code: level for level in index.elements}
    element_of = {code: element.code for element in elements for code in element.items}
    out = []
    for item in _weakest_first(index.items):
        element = names.get(element_of.get(item.code, ""))
        out.append(ItemResult(item, element.label if element else "", element.label_en if element else None))
    return tuple(out)


def _units(
    session: Session, now: IndicesOut, before: IndicesOut, min_answers: int, concerned: Sequence[OrgUnit]
) -> tuple[UnitResult, ...]:
    """Every unit with answers in the period (enough answers and weakest first, then the others by name),
    then every other unit of ``concerned`` by name, without answers."""
    names = {u.code: u for u in units_valid_on(session, None)}
    earlier = {entry.group["unit"]: entry.overall for entry in before.breakdown or []}
    out = []
    for entry in now.breakdown or []:
        code, level = entry.group["unit"], entry.overall
        past = earlier.get(code)
        change = None
        if past is not None:
            change = change_between(level.satisfied, level.satisfied_se, past.satisfied, past.satisfied_se)
        found = names.get(code)
        out.append(
            UnitResult(
                code=code,
                name=found.name if found else code,
                name_en=found.name_en if found else None,
                respondents=level.respondents if level.respondents is not None else entry.responses,
                level=level,
                change=change,
            )
        )
    answered = {u.code for u in out}
    silent = sorted(
        (UnitResult(u.code, u.name, u.name_en, 0, None, None) for u in concerned if u.code not in answered),
        key=lambda u: u.name,
    )
    enough = [u for u in out if u.level is not None and u.level.satisfied is not None and u.respondents >= min_answers]
    rest = sorted((u for u in out if u not in enough), key=lambda u: u.name)
    ranked = sorted(enough, key=lambda u: ((u.level.satisfied if u.level else None) or 0.0, u.name))
    return tuple(ranked + rest + silent)
