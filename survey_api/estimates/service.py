"""Index computation for an instrument over a unit, service point and period, weighted or not."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from sampling import t_quantile
from survey_api.collection.repository import service_point_by_code
from survey_api.db.models import InstrumentVersion, OrgUnit, User, WeightingRun
from survey_api.errors import InvalidInput, NotFound
from survey_api.estimates import repository
from survey_api.estimates.cache import shared_cache
from survey_api.estimates.levels import LevelResult, compute_levels
from survey_api.estimates.schemas import (
    BreakdownOut,
    IndicesOut,
    LevelOut,
    PreviousPeriodOut,
    TargetOut,
    WeightingRunOut,
)
from survey_api.estimates.weighted import Levels, empty_levels, index_summary, weighted_levels, weighted_levels_by
from survey_api.estimates.weighting import Options, Weighting, record_run, weigh
from survey_api.instruments import repository as instruments
from survey_api.instruments.document import InstrumentDocument
from survey_api.instruments.service import document_of
from survey_api.margins.service import margins_for
from survey_api.settings import Settings, get_settings
from survey_api.units.repository import unit_by_code
from survey_api.units.scope import require_visible, subtree, visible_units

Breakdown = Literal["unit", "sex", "age_group", "channel", "period"]
PeriodLength = Literal["month", "quarter"]
LEVEL = 0.95


@dataclass(frozen=True)
class Selection:
    """What an estimate is over: an instrument version and the response filters."""

    version: InstrumentVersion
    document: InstrumentDocument
    unit_ids: Collection[int] | None
    service_point_id: int | None
    margin_unit_id: int | None
    filters: dict[str, str | None]

    def query(self, date_from: date | None, date_to: date | None) -> dict[str, Any]:
        return {
            "unit_ids": self.unit_ids,
            "service_point_id": self.service_point_id,
            "date_from": date_from,
            "date_to": date_to,
        }


@dataclass(frozen=True)
class _Estimate:
    responses: int
    levels: Levels
    run: WeightingRunOut | None
    breakdown: list[BreakdownOut] | None


def indices(
    session: Session,
    instrument_code: str,
    *,
    viewer: User,
    version: int | None = None,
    unit: str | None = None,
    service_point: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    weighted: bool | None = None,
    by: Breakdown | None = None,
    period: PeriodLength = "month",
    target: float | None = None,
    settings: Settings | None = None,
    options: Options | None = None,
) -> IndicesOut:
    """The index at every level for the responses that match the filters.

    Unweighted, each response weighs 1. Weighted (the default when a matching response carries design
    columns or margins exist for the unit and period), weights come from the design and are
    post-stratified or raked to the margins; every level then has SEs, CIs, design effects and flags,
    and the result cites its weighting run. ``by`` adds domain estimates; with ``from`` and ``to`` the
    previous period of the same length is compared. A unit manager sees only their own units.
    ``options`` asks for a non-response adjustment and trimming (:class:`Options`).
    """
    settings = settings or get_settings()
    options = options or Options()
    selection = _select(session, instrument_code, viewer, version, unit, service_point, date_from, date_to)
    query = selection.query(date_from, date_to)
    margins_exist = margins_for(session, selection.margin_unit_id, date_from, date_to) is not None
    # Asked for explicitly, weights must use every margin; by default, margins the responses cannot meet
    # (QR answers carry no sex or age group) are left out and the weighting run says so.
    strict_margins = weighted is True
    if weighted is None:
        weighted = margins_exist or repository.has_design(session, selection.version.id, **query)
    document = selection.document
    target_value = target if target is not None else settings.targets.get(document.sector)

    if weighted or by is not None:
        estimate = _estimate(
            session, selection, date_from, date_to, weighted, by, period, settings, strict_margins, options
        )
        responses, (overall, groups, elements, items) = estimate.responses, estimate.levels
    else:
        responses, (overall, groups, elements, items) = _unweighted(session, selection, date_from, date_to)
    out = IndicesOut(
        instrument=instrument_code,
        version=selection.version.version,
        filters=selection.filters,
        weighted=weighted,
        responses=responses,
        overall=overall,
        groups=groups,
        elements=elements,
        items=items,
    )
    if weighted or by is not None:
        out.weighting_run = estimate.run
        if by is not None:
            out.breakdown = estimate.breakdown
    if target_value is not None:
        met = None if overall.satisfied is None else overall.satisfied >= target_value
        out.target = TargetOut(value=target_value, met=met)
    if date_from is not None and date_to is not None:
        out.previous_period = _previous(
            session, selection, date_from, date_to, overall, weighted, settings, strict_margins, options
        )
    return out


def _select(
    session: Session,
    instrument_code: str,
    viewer: User,
    version: int | None,
    unit: str | None,
    service_point: str | None,
    date_from: date | None,
    date_to: date | None,
) -> Selection:
    instrument = instruments.instrument_by_code(session, instrument_code)
    if instrument is None:
        raise NotFound(f"no instrument {instrument_code!r}")
    chosen = (
        instruments.version_of(session, instrument.id, version)
        if version is not None
        else instruments.latest_published(session, instrument.id)
    )
    if chosen is None:
        raise NotFound(f"{instrument_code} has no {'version ' + str(version) if version else 'published version'}")
    if date_from and date_to and date_from > date_to:
        raise InvalidInput(f"from ({date_from}) is after to ({date_to})")

    unit_ids = visible_units(session, viewer)
    margin_unit_id = viewer.unit_id if unit_ids is not None else None
    if unit is not None:
        found = unit_by_code(session, unit)
        if found is None:
            raise NotFound(f"no unit {unit!r}")
        require_visible(session, viewer, found.id, f"unit {unit}")
        unit_ids = subtree(session, found.id)
        margin_unit_id = found.id
    service_point_id = None
    if service_point is not None:
        point = service_point_by_code(session, service_point)
        if point is None:
            raise NotFound(f"no service point {service_point!r}")
        service_point_id = point.id
    filters = {
        "unit": unit,
        "service_point": service_point,
        "from": date_from.isoformat() if date_from else None,
        "to": date_to.isoformat() if date_to else None,
    }
    return Selection(chosen, document_of(chosen), unit_ids, service_point_id, margin_unit_id, filters)


def _unweighted(
    session: Session, selection: Selection, date_from: date | None, date_to: date | None
) -> tuple[int, Levels]:
    chosen, document = selection.version, selection.document
    matrix = repository.score_matrix(session, chosen.id, len(chosen.score_items), **selection.query(date_from, date_to))
    items = document.items_by_code()
    result = compute_levels(
        matrix,
        {code: i for i, code in enumerate(chosen.score_items)},
        document.index,
        {code: item.text for code, item in items.items()},
    )
    levels = (
        _level_out(result.overall),
        [_level_out(x) for x in result.groups],
        [_level_out(x) for x in result.elements],
        [_level_out(x) for x in result.items],
    )
    return int(matrix.shape[0]), levels


def _estimate(
    session: Session,
    selection: Selection,
    date_from: date | None,
    date_to: date | None,
    weighted: bool,
    by: Breakdown | None,
    period: PeriodLength,
    settings: Settings,
    strict_margins: bool = True,
    options: Options | None = None,
) -> _Estimate:
    """Levels with SEs: weighted by the design and margins, or (``weighted`` False) each response as 1."""
    chosen, document = selection.version, selection.document
    cache = shared_cache(settings.estimate_cache_mb)
    cached = cache.rows(session, chosen.id, len(chosen.score_items), selection.query(date_from, date_to))
    rows = cached.rows
    minimum = settings.min_answers
    if rows.n == 0:
        return _Estimate(0, empty_levels(document, minimum), None, [] if by else None)
    weighting, run = _weights(session, selection, rows, date_from, date_to, weighted, settings, strict_margins, options)
    run_out = None
    if run is not None:
        run_out = WeightingRunOut(
            id=run.id,
            method=run.method,
            margins=run.margins,
            params=run.params,
            diagnostics=run.diagnostics,
            note=run.diagnostics.get("note"),
        )
    breakdown = None
    if by is None:
        summary = cached.memo(("summary",), lambda: index_summary(rows, chosen.score_items, document.index, None))
        levels = weighted_levels(
            rows, chosen.score_items, weighting.design, document, min_answers=minimum, summary=summary
        )
    else:
        codes, labels = _group_values(session, rows, by, period)
        # Group codes follow the groups' names, but the segments they make do not: the summary is kept.
        summary = cached.memo(
            ("summary", by, period), lambda: index_summary(rows, chosen.score_items, document.index, codes)
        )
        levels, parts = weighted_levels_by(
            rows,
            chosen.score_items,
            weighting.design,
            document,
            codes,
            len(labels),
            min_answers=minimum,
            summary=summary,
        )
        counts = np.bincount(codes[codes >= 0], minlength=len(labels))
        breakdown = [
            BreakdownOut(
                group={by: value},
                responses=int(count),
                overall=overall,
                groups=groups,
                elements=elements,
                items=items,
            )
            for value, count, (overall, groups, elements, items) in zip(labels, counts, parts, strict=True)
        ]
    return _Estimate(rows.n, levels, run_out, breakdown)


def _weights(
    session: Session,
    selection: Selection,
    rows: repository.DesignRows,
    date_from: date | None,
    date_to: date | None,
    weighted: bool,
    settings: Settings,
    strict_margins: bool,
    options: Options | None,
) -> tuple[Weighting, WeightingRun | None]:
    """The rows' weights (design, non-response, margins, trimming) and, when weighted, the run recording them."""
    chosen = selection.version
    margin_set = margins_for(session, selection.margin_unit_id, date_from, date_to) if weighted else None
    weighting = weigh(
        session,
        rows,
        chosen.id,
        dict(selection.query(date_from, date_to)),
        margin_set,
        options or Options(),
        lonely_psu=settings.lonely_psu,
        use_design=weighted,
        strict_margins=strict_margins,
    )
    if not weighted:
        return weighting, None
    filters = {**selection.filters, "from": _iso(date_from), "to": _iso(date_to)}
    return weighting, record_run(session, rows, chosen.id, filters, weighting)


def _group_values(
    session: Session, rows: repository.DesignRows, by: Breakdown, period: PeriodLength
) -> tuple[NDArray[np.int32], list[str]]:
    """Each row's group (-1: none) and the groups' names in order."""
    if by == "unit":
        ids = np.unique(rows.unit_id[rows.unit_id >= 0])
        found = dict(session.execute(select(OrgUnit.id, OrgUnit.code).where(OrgUnit.id.in_(ids.tolist()))).all())
        column = repository.Labels(
            np.searchsorted(ids, rows.unit_id).astype(np.int32), tuple(found.get(int(i), "") for i in ids)
        )
        column = repository.Labels(np.where(rows.unit_id >= 0, column.codes, -1).astype(np.int32), column.levels)
    elif by == "period":
        months = rows.observed_on.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
        if period == "quarter":
            months -= months % 3
        present, inverse = np.unique(months, return_inverse=True)
        names = [
            f"{1970 + m // 12}-Q{m % 12 // 3 + 1}" if period == "quarter" else f"{1970 + m // 12}-{m % 12 + 1:02d}"
            for m in present.tolist()
        ]
        column = repository.Labels(inverse.astype(np.int32).reshape(-1), tuple(names))
    else:
        column = getattr(rows, by)
    # Groups in the order of their names, as before.
    order = sorted(range(len(column.levels)), key=lambda k: column.levels[k])
    rank = np.empty(len(order) + 1, dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    rank[-1] = -1
    return rank[column.codes], [column.levels[k] for k in order]


def previous_period(date_from: date, date_to: date) -> tuple[date, date]:
    """The reporting period before [date_from, date_to]: the previous calendar month, quarter, half-year
    or year when the period is one, otherwise the same number of days right before it."""
    if date_from.day == 1 and (date_to + timedelta(days=1)).day == 1:
        months = (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1
        if months in (1, 3, 6, 12) and (date_from.month - 1) % months == 0:
            first = date(date_from.year, date_from.month, 1)
            start_month = first.month - months
            start = date(first.year + (start_month - 1) // 12, (start_month - 1) % 12 + 1, 1)
            return start, first - timedelta(days=1)
    end = date_from - timedelta(days=1)
    return end - (date_to - date_from), end


def _previous(
    session: Session,
    selection: Selection,
    date_from: date,
    date_to: date,
    current: LevelOut,
    weighted: bool,
    settings: Settings,
    strict_margins: bool = True,
    options: Options | None = None,
) -> PreviousPeriodOut:
    """The period before [date_from, date_to] (see :func:`previous_period`), and whether the change is
    significant.

    The two periods are independent samples: the change is significant when |change| exceeds the normal
    quantile at the confidence level times sqrt(SE₁² + SE₂²) (weighted results only).
    """
    start, end = previous_period(date_from, date_to)
    if weighted:
        estimate = _estimate(session, selection, start, end, True, None, "month", settings, strict_margins, options)
        responses, overall, run = estimate.responses, estimate.levels[0], estimate.run
    else:
        responses, levels = _unweighted(session, selection, start, end)
        overall, run = levels[0], None
    change = None
    if current.satisfied is not None and overall.satisfied is not None:
        change = current.satisfied - overall.satisfied
    significant = None
    if change is not None and current.satisfied_se is not None and overall.satisfied_se is not None:
        se = math.hypot(current.satisfied_se, overall.satisfied_se)
        significant = abs(change) > t_quantile(LEVEL, math.inf) * se if se > 0 else change != 0
    return PreviousPeriodOut(
        start=start,
        end=end,
        responses=responses,
        satisfied=overall.satisfied,
        satisfied_se=overall.satisfied_se,
        change=change,
        significant=significant,
        weighting_run=run.id if run is not None else None,
    )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _level_out(level: LevelResult) -> LevelOut:
    return LevelOut(
        code=level.code,
        label=level.label.vi,
        label_en=level.label.en,
        satisfied=level.satisfied,
        mean=level.mean,
        n=level.n,
    )


# What a response's weight depends on: stratum and PSU (design and non-response cells), design weight,
# sex, age group and unit (margins); trimming depends on the weight before it.
WeightKey = tuple[str | None, str | None, float | None, str | None, str | None, int | None]


@dataclass(frozen=True)
class CurrentWeights:
    """The weights an index over a selection uses, per combination of the columns they depend on."""

    run_id: int
    method: str
    weights: dict[WeightKey, float]

    def weight(self, key: WeightKey) -> float:
        """The analysis weight of a response with these columns (its design weight, or 1, when the run has
        not seen such a response: one stored after the weights were computed)."""
        found = self.weights.get(key)
        if found is not None:
            return found
        return 1.0 if key[2] is None else key[2]


def current_weights(
    session: Session,
    instrument_code: str,
    *,
    viewer: User,
    version: int | None = None,
    unit: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    settings: Settings | None = None,
) -> CurrentWeights | None:
    """The weights of the weighting run a default index over the same selection uses; None when unweighted."""
    settings = settings or get_settings()
    selection = _select(session, instrument_code, viewer, version, unit, None, date_from, date_to)
    query = selection.query(date_from, date_to)
    margin_set = margins_for(session, selection.margin_unit_id, date_from, date_to)
    if margin_set is None and not repository.has_design(session, selection.version.id, **query):
        return None
    chosen = selection.version
    rows = shared_cache(settings.estimate_cache_mb).rows(session, chosen.id, len(chosen.score_items), query).rows
    if rows.n == 0:
        return None
    weighting, run = _weights(session, selection, rows, date_from, date_to, True, settings, False, None)
    assert run is not None
    return CurrentWeights(run.id, run.method, _weights_by_key(rows, weighting.design.weights))


def _weights_by_key(rows: repository.DesignRows, weights: NDArray[np.float64]) -> dict[WeightKey, float]:
    """Each combination of the columns a weight depends on, with the weight of its responses."""
    design_weight = np.nan_to_num(rows.design_weight, nan=-1.0)
    columns: list[NDArray[np.int64]] = [
        rows.stratum.codes.astype(np.int64),
        rows.psu.codes.astype(np.int64),
        design_weight.view(np.int64),
        rows.sex.codes.astype(np.int64),
        rows.age_group.codes.astype(np.int64),
        rows.unit_id,
    ]
    _, first, inverse = np.unique(np.column_stack(columns), axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    if not np.allclose(weights, weights[first][inverse], rtol=1e-9, atol=0.0):
        raise InvalidInput("the weights depend on more than the columns an export carries; ask for weighted=false")
    texts = (rows.stratum, rows.psu, rows.sex, rows.age_group)
    names = [(None, *column.levels) for column in texts]
    out: dict[WeightKey, float] = {}
    for i in first.tolist():
        stratum, psu, sex, age = (n[int(column.codes[i]) + 1] for n, column in zip(names, texts, strict=True))
        dw, unit_id = float(rows.design_weight[i]), int(rows.unit_id[i])
        key = (stratum, psu, None if math.isnan(dw) else dw, sex, age, None if unit_id < 0 else unit_id)
        out[key] = float(weights[i])
    return out


def resolve_selection(
    session: Session,
    instrument_code: str,
    viewer: User,
    version: int | None,
    unit: str | None,
    date_from: date | None,
    date_to: date | None,
) -> Selection:
    """The instrument version and response filters a request names, checked as for an index (404, 403, 422)."""
    return _select(session, instrument_code, viewer, version, unit, None, date_from, date_to)
