"""Rank the units of an index by % satisfied, with rank intervals and tiers (sampling.ranking).

The estimates come from the index itself (``estimates.service.indices`` by unit: weighted when the design
or margins call for it), so a ranking's numbers are the index's numbers. Units with fewer respondents
than ``min_answers`` are listed apart; they are not ranked.
"""

from __future__ import annotations

import hashlib

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from sampling.ranking import rank_ranges
from survey_api.db.models import OrgUnit, User
from survey_api.estimates.params import IndexParams
from survey_api.estimates.schemas import BreakdownOut
from survey_api.estimates.service import indices, units_covariance
from survey_api.rankings.schemas import Level, RankedUnit, RankingOut, RankingParams
from survey_api.settings import Settings, get_settings
from survey_api.units.service import units_valid_on

CONFIDENCE = 0.95
# Kinds of units that are localities (people's committees of a province, district or commune); the others
# are agencies (departments, hospitals, schools and their offices).
LOCALITY_KINDS = frozenset({"province", "city", "district", "town", "commune", "ward", "township"})
METHOD = (
    "Units ranked by % satisfied. A unit's rank range is the central 95% of its ranks over 10,000 draws of "
    "every unit's estimate from their joint sampling distribution (multivariate normal with the estimates' "
    "standard errors and design covariance: units sharing PSUs or strata are correlated). A tier is a run of "
    "units whose % satisfied is not significantly below the tier's first unit (two-sided t test of the "
    "difference at 5%, its covariance subtracted, at the design's degrees of freedom)."
)


def ranking(session: Session, params: RankingParams, *, viewer: User, settings: Settings | None = None) -> RankingOut:
    """The units of the index's selection, ranked, with rank intervals and tiers; small units apart."""
    settings = settings or get_settings()
    asked = IndexParams.model_validate({**params.model_dump(exclude={"level", "sector"}), "by": "unit"})
    index = indices(session, asked, viewer=viewer, settings=settings, compare=False)
    by_code = {unit.code: unit for unit in units_valid_on(session, None)}
    units = [_unit_of(by_code.get(entry.group["unit"]), entry) for entry in index.breakdown or []]
    units = [u for u in units if (params.level in (None, u.level)) and (params.sector in (None, u.sector))]
    rankable = [u for u in units if u.respondents >= settings.min_answers and u.satisfied is not None]
    apart = [u for u in units if u not in rankable]
    seed = _seed(index.instrument, index.version, index.filters, params.level, params.sector)
    if rankable:
        covariance, df = _covariance(
            session, asked, rankable, viewer=viewer, weighted=index.weighted, settings=settings
        )
        places = rank_ranges(
            np.array([u.satisfied for u in rankable], dtype=np.float64),
            np.array([u.satisfied_se or 0.0 for u in rankable], dtype=np.float64),
            seed=seed,
            level=CONFIDENCE,
            covariance=covariance,
            df=df,
        )
        for unit, place in zip(rankable, places, strict=True):
            unit.rank, unit.rank_low, unit.rank_high, unit.tier = place.rank, place.low, place.high, place.tier
    return RankingOut(
        instrument=index.instrument,
        version=index.version,
        filters={**index.filters, "level": params.level, "sector": params.sector},
        weighted=index.weighted,
        level=CONFIDENCE,
        seed=seed,
        min_answers=settings.min_answers,
        method=METHOD,
        ranked=sorted(rankable, key=lambda u: (u.rank or 0, u.name)),
        not_ranked=sorted(apart, key=lambda u: u.name),
    )


def _covariance(
    session: Session,
    asked: IndexParams,
    units: list[RankedUnit],
    *,
    viewer: User,
    weighted: bool,
    settings: Settings,
) -> tuple[NDArray[np.float64] | None, int | None]:
    """The ranked units' covariance matrix and the design's df (None when there is no design to share).
    A unit re-aggregated from closed units is taken as uncorrelated with the others."""
    domains = units_covariance(session, asked, viewer=viewer, weighted=weighted, settings=settings)
    if domains is None:
        return None, None
    position = {label[0][1]: i for i, label in enumerate(domains.labels)}
    found = [None if u.reaggregated_from else position.get(u.unit) for u in units]
    covariance = np.zeros((len(units), len(units)))
    for a, i in enumerate(found):
        for b, j in enumerate(found):
            if i is not None and j is not None and a != b:
                covariance[a, b] = domains.covariance[i, j]
    return covariance, domains.df


def _unit_of(found: OrgUnit | None, entry: BreakdownOut) -> RankedUnit:
    code = entry.group["unit"]
    level: Level = "locality" if found is not None and found.kind in LOCALITY_KINDS else "agency"
    return RankedUnit(
        unit=code,
        name=found.name if found is not None else code,
        name_en=found.name_en if found is not None else None,
        level=level,
        sector=found.sector if found is not None else None,
        respondents=entry.overall.respondents if entry.overall.respondents is not None else entry.responses,
        satisfied=entry.overall.satisfied,
        satisfied_se=entry.overall.satisfied_se,
        satisfied_ci=entry.overall.satisfied_ci,
        reaggregated_from=entry.reaggregated_from,
    )


def _seed(*parts: object) -> int:
    """A seed that the selection decides: the same request draws the same simulation."""
    digest = hashlib.sha256(repr(parts).encode()).digest()
    return int.from_bytes(digest[:4], "big")
