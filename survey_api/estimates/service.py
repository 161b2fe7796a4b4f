"""Index computation for an instrument over a unit, service point and period, weighted or not."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import partial

import numpy as np
from sqlalchemy.orm import Session

from sampling.contrasts import DomainCovariance
from survey_api.db.models import User, WeightingRun
from survey_api.estimates import repository
from survey_api.estimates.breakdown import group_values
from survey_api.estimates.cache import CachedRows, shared_cache
from survey_api.estimates.change import Periods, change_since, unit_covariance
from survey_api.estimates.compute import (
    by_levels,
    grown_summary,
    index_summary,
    unweighted_levels,
    weighted_result,
    weighted_results_by,
)
from survey_api.estimates.definition import Levels, empty_levels, index_definition, levels_out
from survey_api.estimates.digest import grown_rows_digest, inputs_digest, rows_digest
from survey_api.estimates.params import Breakdown, IndexParams, PeriodLength
from survey_api.estimates.schemas import (
    BreakdownOut,
    IndicesOut,
    LevelOut,
    PreviousPeriodOut,
    TargetOut,
    WeightingRunOut,
)
from survey_api.estimates.scope import Scope, resolve
from survey_api.estimates.selection import Selection
from survey_api.estimates.weighting import Options, Weighting, record_run, weigh
from survey_api.margins.service import margins_for
from survey_api.settings import Settings, get_settings
from survey_api.units.service import Source, breakdown_on_map, combine_levels, comparison_sources

LEVEL = 0.95


@dataclass(frozen=True)
class _Estimate:
    responses: int
    levels: Levels
    run: WeightingRunOut | None
    breakdown: list[BreakdownOut] | None


def indices(
    session: Session,
    params: IndexParams,
    *,
    viewer: User,
    settings: Settings | None = None,
    compare: bool = True,
    with_se: bool = False,
) -> IndicesOut:
    """The index at every level for the responses that match the filters.

    Unweighted, each response weighs 1. Weighted (the default when a matching response carries design
    columns or margins exist for the unit and period), weights come from the design and are
    post-stratified or raked to the margins; every level then has SEs, CIs, design effects and flags,
    and the result cites its weighting run. ``by`` adds domain estimates; with ``from`` and ``to`` the
    previous period of the same length is compared (unless ``compare`` is False: a caller that shows only
    this period's numbers). ``with_se``: responses not weighted by default weigh 1 each with SEs and CIs,
    as ``weighted=true`` gives them (unless none match). A unit manager sees only their own units.
    The params' non-response and trimming options shape the weights (:class:`Options`).
    """
    settings = settings or get_settings()
    scope = resolve(session, params, viewer, service_point=params.service_point)
    selection = scope.selection
    # Asked for explicitly, weights must use every margin; by default, margins the responses cannot meet
    # (QR answers carry no sex or age group) are left out and the weighting run says so.
    estimator = Estimator(session, scope, settings, strict_margins=params.weighted is True, options=params.options())
    weighted = params.weighted
    # Weighted only for the SEs (with_se) unless the design or margins call for it.
    for_se = False
    if weighted is None:
        weighted = _weighted_by_default(session, scope)
        for_se = with_se and not weighted and params.by is None
        weighted = weighted or for_se
    target_value = params.target if params.target is not None else settings.targets.get(scope.document.sector)

    estimate = estimator.estimate(selection, weighted=weighted, by=params.by, period=params.period)
    if for_se and estimate.levels[0].satisfied is None:  # no answers: nothing to add to the plain index
        weighted = False
        estimate = estimator.estimate(selection, weighted=False)
    overall, groups, elements, items = estimate.levels
    out = IndicesOut(
        instrument=params.instrument,
        version=scope.version.version,
        filters=scope.filters(),
        weighted=weighted,
        responses=estimate.responses,
        overall=overall,
        groups=groups,
        elements=elements,
        items=items,
    )
    if weighted or params.by is not None:
        out.weighting_run = estimate.run
        if params.by is not None:
            out.breakdown = estimate.breakdown
    if target_value is not None:
        met = None if overall.satisfied is None else overall.satisfied >= target_value
        out.target = TargetOut(value=target_value, met=met)
    if compare and selection.date_from is not None and selection.date_to is not None:
        out.previous_period = estimator.previous(selection.date_from, selection.date_to, overall, weighted=weighted)
    return out


def _weighted_by_default(session: Session, scope: Scope) -> bool:
    """Whether responses are weighted when ``weighted`` is not given: margins exist for the unit and period,
    or a matching response carries design columns."""
    selection = scope.selection
    margins = margins_for(session, scope.margin_unit_id, selection.date_from, selection.date_to)
    return margins is not None or repository.has_design(session, selection)


class Estimator:
    """Estimates over a request's scope, with the settings and weighting options it asked for."""

    def __init__(
        self,
        session: Session,
        scope: Scope,
        settings: Settings,
        *,
        strict_margins: bool = True,
        options: Options | None = None,
    ) -> None:
        self.session, self.scope, self.settings = session, scope, settings
        self.strict_margins = strict_margins
        self.options = options or Options()

    def estimate(
        self, selection: Selection, *, weighted: bool, by: Breakdown | None = None, period: PeriodLength = "month"
    ) -> _Estimate:
        """Every level over ``selection``: unweighted (each response 1, no SEs) unless ``weighted`` or ``by``
        asks for SEs (``weighted`` False then weighs each response 1)."""
        if not weighted and by is None:
            version = self.scope.version
            scores = repository.score_matrix(self.session, selection, len(version.score_items))
            levels = unweighted_levels(scores, version.score_items, self.scope.document)
            return _Estimate(int(scores.shape[0]), levels, None, None)
        return self._with_se(selection, weighted=weighted, by=by, period=period)

    def _with_se(
        self, selection: Selection, *, weighted: bool, by: Breakdown | None, period: PeriodLength
    ) -> _Estimate:
        """Levels with SEs: weighted by the design and margins, or (``weighted`` False) each response as 1."""
        version, document = self.scope.version, self.scope.document
        score_items = version.score_items
        cached = shared_cache(self.settings.estimate_cache_mb).rows(self.session, selection, len(score_items))
        rows = cached.rows
        minimum = self.settings.min_answers
        if rows.n == 0:
            return _Estimate(0, empty_levels(document, minimum), None, [] if by else None)
        weighting, run = self.weights(selection, rows, weighted=weighted, cached=cached)
        run_out = None if run is None else _run_out(run)
        definition = index_definition(document)
        if by is None:
            summary = cached.memo(
                ("summary",),
                lambda: index_summary(rows, score_items, definition, None),
                lambda earlier, moved: grown_summary(earlier, moved, rows, score_items, definition, None),
            )
            # Kept with the rows and their weights (``once``): a warm request only formats it.
            result = cached.once(
                ("result",),
                lambda: weighted_result(rows, score_items, weighting.design, document, summary=summary.answers),
                owner=weighting,
            )
            levels = levels_out(result, document, min_answers=minimum, weighted=True)
            return _Estimate(rows.n, levels, run_out, None)
        codes, labels = group_values(self.session, rows, by, period)
        # Group codes follow the groups' names, but the segments they make do not: the summary is kept.
        summary = cached.memo(
            ("summary", by, period),
            lambda: index_summary(rows, score_items, definition, codes, labels),
            lambda earlier, moved: grown_summary(earlier, moved, rows, score_items, definition, codes, labels),
        )
        whole, results = cached.once(
            ("result", by, period, tuple(labels)),
            lambda: weighted_results_by(
                rows, score_items, weighting.design, document, codes, len(labels), summary=summary.answers
            ),
            owner=weighting,
        )
        levels, parts = by_levels(whole, results, document, min_answers=minimum)
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
        if by == "unit":  # on the map of the period's last day: closed units' results go to their successors
            breakdown = breakdown_on_map(self.session, breakdown, selection.date_to)
        return _Estimate(rows.n, levels, run_out, breakdown)

    def weights(
        self, selection: Selection, rows: repository.DesignRows, *, weighted: bool, cached: CachedRows | None = None
    ) -> tuple[Weighting, WeightingRun | None]:
        """The rows' weights (design, non-response, margins, trimming) and, when weighted, the run recording
        them; with ``cached`` (the entry of ``rows``), weights and digest computed before for the same rows
        and inputs are reused."""
        margin_set = (
            margins_for(self.session, self.scope.margin_unit_id, selection.date_from, selection.date_to)
            if weighted
            else None
        )
        weighting = weigh(
            self.session,
            rows,
            selection,
            margin_set,
            self.options,
            lonely_psu=self.settings.lonely_psu,
            use_design=weighted,
            strict_margins=self.strict_margins,
            reuse=None if cached is None else cached.once,
        )
        if not weighted:
            return weighting, None
        filters = dict(self.scope.filters(selection))
        version_id = selection.version_id
        digest = None
        if cached is not None:  # hashing every row costs more than the rest of a warm estimate
            columns = cached.memo(("rows digest",), lambda: rows_digest(rows), partial(grown_rows_digest, rows=rows))
            key = ("digest", version_id, tuple(filters.items()))
            digest = cached.once(
                key, lambda: inputs_digest(rows, version_id, filters, weighting, columns), owner=weighting
            )
        return weighting, record_run(self.session, rows, version_id, filters, weighting, digest)

    def previous(self, date_from: date, date_to: date, current: LevelOut, *, weighted: bool) -> PreviousPeriodOut:
        """The period before [date_from, date_to] (see :func:`previous_period`), and whether the change is
        significant (weighted results only): same PSUs in both periods or independent samples, see
        :func:`survey_api.estimates.change.change_since`."""
        start, end = previous_period(date_from, date_to)
        # When the unit's map changed in between, the earlier results of its predecessors, re-aggregated onto it.
        sources = comparison_sources(self.session, self.scope.unit, start, end, date_to)
        crosswalked = self._through_crosswalk(sources, start, end, weighted=weighted) if sources else None
        estimate = crosswalked or self.estimate(self.scope.selection.over(start, end), weighted=weighted)
        overall, run = estimate.levels[0], estimate.run
        change = None
        if current.satisfied is not None and overall.satisfied is not None:
            change = current.satisfied - overall.satisfied
        tested = change_since(
            self.session,
            self.scope,
            self.settings,
            self.options,
            Periods(date_from, date_to, start, end),
            current,
            overall,
            weighted=weighted,
            crosswalked=crosswalked is not None,
            level=LEVEL,
        )
        return PreviousPeriodOut(
            start=start,
            end=end,
            responses=estimate.responses,
            satisfied=overall.satisfied,
            satisfied_se=overall.satisfied_se,
            change=change,
            **(tested.fields() if tested is not None else {"significant": None}),
            weighting_run=run.id if run is not None else None,
            **({"reaggregated_from": [{"unit": s.code, "share": s.share} for s in sources]} if sources else {}),
        )

    def _through_crosswalk(self, sources: list[Source], start: date, end: date, *, weighted: bool) -> _Estimate | None:
        """[start, end] on the current map: each source unit's estimate, combined with its crosswalk share."""
        parts = []
        for source in sources:
            selection = replace(self.scope.selection.over(start, end), unit_ids=source.unit_ids)
            estimate = self.estimate(selection, weighted=weighted)
            if estimate.responses:
                parts.append((estimate, source.share))
        if not parts:
            return None
        overall = combine_levels([(estimate.levels[0], share) for estimate, share in parts])
        responses = round(sum(estimate.responses * share for estimate, share in parts))
        return _Estimate(responses, (overall, [], [], []), None, None)


def _run_out(run: WeightingRun) -> WeightingRunOut:
    return WeightingRunOut(
        id=run.id,
        method=run.method,
        margins=run.margins,
        params=run.params,
        diagnostics=run.diagnostics,
        note=run.diagnostics.get("note"),
    )


def units_covariance(
    session: Session, params: IndexParams, *, viewer: User, weighted: bool, settings: Settings | None = None
) -> DomainCovariance | None:
    """The units' overall % satisfied over ``params``' selection with their covariance (one design: units
    sharing PSUs or strata are correlated), weighted as :func:`indices` decided (``weighted``)."""
    settings = settings or get_settings()
    scope = resolve(session, params, viewer, service_point=params.service_point)
    estimator = Estimator(session, scope, settings, strict_margins=params.weighted is True, options=params.options())
    return unit_covariance(estimator, weighted=weighted)


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
