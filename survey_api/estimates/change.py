"""The change of the overall % satisfied since the previous period, tested as R would.

When the same PSUs (the same stratum and PSU labels) answer in both periods, both periods are domains of one
design over their rows (each response weighted by its design and non-response adjustment) and the covariance
of the two estimates is subtracted (R: ``svyby(~y, ~period, design, covmat=TRUE)`` + ``svycontrast``, df of
that design). Otherwise the samples are independent (QR answers, fresh samples): variances and df add, R's
answer for the two samples stacked with the period among the strata. The reported SEs of each period (with
their own calibration) are the variances used; the design over both periods gives only the covariance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from sampling import SamplingError
from sampling.change import change_from_summaries
from sampling.contrasts import Contrast, DomainCovariance
from sampling.index_contrasts import index_domain_covariance
from survey_api.db.models.responses import MISSING_SCORE
from survey_api.errors import InvalidInput
from survey_api.estimates.breakdown import group_values
from survey_api.estimates.cache import shared_cache
from survey_api.estimates.definition import index_definition
from survey_api.estimates.increments import stack
from survey_api.estimates.repository import DesignRows
from survey_api.estimates.schemas import LevelOut
from survey_api.estimates.scope import Scope
from survey_api.estimates.weighting import Options, weigh
from survey_api.settings import Settings

if TYPE_CHECKING:
    from survey_api.estimates.service import Estimator

Samples = Literal["same_psus", "independent"]


@dataclass(frozen=True)
class PeriodChange:
    """The change's test and how the two periods' samples were taken to relate."""

    samples: Samples
    contrast: Contrast

    def fields(self) -> dict[str, Any]:
        """The ``previous_period`` fields this change fills."""
        out = self.contrast.as_dict()
        normal = self.contrast.df >= _NORMAL_DF
        return {
            "samples": self.samples,
            "change_se": out["se"],
            "change_ci": [out["ci_low"], out["ci_high"]],
            "change_df": None if normal else self.contrast.df,
            "p_value": out["p_value"],
            "significant": out["significant"],
        }


_NORMAL_DF = 10**9  # sampling.change's stand-in for a normal test


@dataclass(frozen=True)
class Periods:
    """The current period [date_from, date_to] and the previous one [start, end] right before it."""

    date_from: date
    date_to: date
    start: date
    end: date


def change_since(
    session: Session,
    scope: Scope,
    settings: Settings,
    options: Options,
    periods: Periods,
    current: LevelOut,
    previous: LevelOut,
    *,
    weighted: bool,
    crosswalked: bool,
    level: float,
) -> PeriodChange | None:
    """The test of ``current - previous`` overall % satisfied; None without both estimates and SEs.

    Results re-aggregated through a crosswalk carry no design: their change gets a normal test.
    """
    now, now_se, before, before_se = current.satisfied, current.satisfied_se, previous.satisfied, previous.satisfied_se
    if now is None or now_se is None or before is None or before_se is None:
        return None
    if crosswalked:
        return PeriodChange("independent", change_from_summaries(now, now_se, before, before_se, level=level))
    try:
        relation = _periods_relation(session, scope, settings, options, periods, weighted=weighted)
    except (InvalidInput, SamplingError):  # a design the two periods cannot share: each period's own SEs
        return PeriodChange("independent", change_from_summaries(now, now_se, before, before_se, level=level))
    if isinstance(relation, DomainCovariance):
        contrast = change_from_summaries(
            now, now_se, before, before_se, covariance=float(relation.covariance[0, 1]), df=relation.df, level=level
        )
        return PeriodChange("same_psus", contrast)
    df_now, df_before = relation
    contrast = change_from_summaries(
        now, now_se, before, before_se, current_df=df_now, previous_df=df_before, level=level
    )
    return PeriodChange("independent", contrast)


def _periods_relation(
    session: Session, scope: Scope, settings: Settings, options: Options, periods: Periods, *, weighted: bool
) -> DomainCovariance | tuple[int, int]:
    """The two periods as domains of one design over their rows: their covariance when they share PSUs,
    otherwise each period's df. The rows are the two periods' cached rows stacked (the previous period's
    first) rather than read a third time; the stacked rows, their weights and the covariance are kept with
    the current period's rows until either period's rows or the weights change."""
    score_items = scope.version.score_items
    cache = shared_cache(settings.estimate_cache_mb)
    now = cache.rows(session, scope.selection.over(periods.date_from, periods.date_to), len(score_items))
    before = cache.rows(session, scope.selection.over(periods.start, periods.end), len(score_items)).rows
    both = now.once(("with the previous period", periods), lambda: stack(before, now.rows), owner=before)
    codes = np.r_[np.ones(before.n, np.int32), np.zeros(now.rows.n, np.int32)]
    design = weigh(
        session,
        both,
        scope.selection.over(periods.start, periods.date_to),
        None,
        options,
        lonely_psu=settings.lonely_psu,
        use_design=weighted,
        reuse=lambda key, compute: now.once(("with the previous period", periods, key), compute, owner=both),
    ).design
    if not _share_psus(both, codes):
        return design.degrees_of_freedom(codes == 0), design.degrees_of_freedom(codes == 1)

    def covariance() -> DomainCovariance:
        definition = index_definition(scope.document)
        return index_domain_covariance(
            both.scores, score_items, design, definition, codes, ("current", "previous"), missing=MISSING_SCORE
        )

    return now.once(("period covariance", periods), covariance, owner=design)


def _share_psus(rows: DesignRows, codes: NDArray[np.int32]) -> bool:
    """Whether a named PSU (within its stratum) has responses in both periods."""
    named = rows.psu.codes >= 0
    key = rows.stratum.codes.astype(np.int64) * (len(rows.psu.levels) + 1) + rows.psu.codes
    return bool(np.intersect1d(key[named & (codes == 0)], key[named & (codes == 1)]).size)


def unit_covariance(estimator: Estimator, *, weighted: bool) -> DomainCovariance | None:
    """The overall % satisfied of every unit of the scope (the ``by=unit`` breakdown's domains, before any
    re-aggregation onto the map) with their covariance over the scope's one weighted design; None without
    responses. Labels are ``(("domain", unit code),)``. Kept with the cached rows until they or the weights
    change."""
    scope, session = estimator.scope, estimator.session
    score_items = scope.version.score_items
    cached = shared_cache(estimator.settings.estimate_cache_mb).rows(session, scope.selection, len(score_items))
    rows = cached.rows
    if rows.n == 0:
        return None
    weighting, _ = estimator.weights(scope.selection, rows, weighted=weighted, cached=cached)
    codes, labels = group_values(session, rows, "unit", "month")

    def covariance() -> DomainCovariance:
        definition = index_definition(scope.document)
        design = weighting.design
        return index_domain_covariance(
            rows.scores, score_items, design, definition, codes, labels, missing=MISSING_SCORE
        )

    return cached.once(("unit covariance", tuple(labels)), covariance, owner=weighting)
