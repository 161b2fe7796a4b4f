"""The weights a default index over a selection uses, per combination of the columns they depend on (for
exports' ``weight`` column)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from survey_api.db.models import User
from survey_api.errors import InvalidInput
from survey_api.estimates import repository
from survey_api.estimates.cache import shared_cache
from survey_api.estimates.params import SelectionParams
from survey_api.estimates.scope import Scope, resolve
from survey_api.estimates.service import Estimator
from survey_api.margins.service import margins_for
from survey_api.settings import Settings, get_settings

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
    params: SelectionParams | Scope,
    *,
    viewer: User,
    settings: Settings | None = None,
) -> CurrentWeights | None:
    """The weights of the weighting run a default index over the same selection uses; None when unweighted."""
    settings = settings or get_settings()
    scope = params if isinstance(params, Scope) else resolve(session, params, viewer)
    selection = scope.selection
    margin_set = margins_for(session, scope.margin_unit_id, selection.date_from, selection.date_to)
    if margin_set is None and not repository.has_design(session, selection):
        return None
    width = len(scope.version.score_items)
    rows = shared_cache(settings.estimate_cache_mb).rows(session, selection, width).rows
    if rows.n == 0:
        return None
    estimator = Estimator(session, scope, settings, strict_margins=False)
    weighting, run = estimator.weights(selection, rows, weighted=True)
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
