"""Weights for an estimate: the sample design of the responses, a non-response adjustment by cell for
interviews of a sampling plan's lists, post-stratification or raking to the population margins, and
trimming, recorded as a weighting run that the estimate cites.

Weights are recomputed from the stored design columns, contact outcomes and margins (deterministic and
cheap), so only the run's description, margins, parameters and diagnostics are stored; the same inputs
reuse the same run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal, cast

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from sampling import (
    Design,
    LonelyPSU,
    SamplingError,
    make_design,
    poststratify,
    rake,
    trim_weights,
    weight_diagnostics,
)
from survey_api.db.inserts import insert_once
from survey_api.db.models import WeightingRun
from survey_api.errors import InvalidInput
from survey_api.estimates.digest import inputs_digest
from survey_api.estimates.nonresponse import CellAdjustment, Cells, plan_cells
from survey_api.estimates.repository import DesignRows, Labels
from survey_api.estimates.selection import Selection
from survey_api.hashing import canonical_digest
from survey_api.margins.service import LEVELS, MarginSet, variable_parts


@dataclass(frozen=True)
class Weighting:
    """A weighted design and how it was made."""

    design: Design
    method: str
    margins: dict[str, Any]
    params: dict[str, Any]
    diagnostics: dict[str, Any]


@dataclass(frozen=True)
class Options:
    """What a caller may ask of the weights beyond the design and the margins.

    ``nonresponse``: ``cell`` adjusts interviews of a plan's sample lists for non-response within cells
    (``nonresponse_cells``: the plan's strata or its PSUs), ``none`` does not; None (default) adjusts when
    the responses come from a plan with contact outcomes. ``trim_lower`` / ``trim_upper``: bounds as
    multiples of the mean weight after calibration; weights outside are set to the bound and the trimmed
    total is shared equally by the others (R ``trimWeights``; ``trim_strict`` repeats until none is outside).
    """

    nonresponse: Literal["cell", "none"] | None = None
    nonresponse_cells: Cells = "stratum"
    trim_lower: float | None = None
    trim_upper: float | None = None
    trim_strict: bool = False

    def __post_init__(self) -> None:
        lower, upper = self.trim_lower, self.trim_upper
        if lower is not None and not 0 <= lower < 1:
            raise InvalidInput(f"trim_lower is a multiple of the mean weight below 1 (e.g. 0.3), not {lower}")
        if upper is not None and not upper > 1:
            raise InvalidInput(f"trim_upper is a multiple of the mean weight above 1 (e.g. 3.5), not {upper}")


def weigh(
    session: Session,
    rows: DesignRows,
    selection: Selection,
    margin_set: MarginSet | None,
    options: Options,
    *,
    lonely_psu: LonelyPSU,
    use_design: bool = True,
    strict_margins: bool = True,
    reuse: Callable[[Hashable, Callable[[], Weighting]], Weighting] | None = None,
) -> Weighting:
    """:func:`build_design` with the non-response adjustment ``options`` ask for (or the default one).

    ``rows`` are the ``selection``'s. Raises :class:`InvalidInput` when ``nonresponse=cell`` is asked for
    responses that no plan gave. ``reuse(key, compute)`` may give the weights computed before for the same
    rows and key (everything else they depend on) instead of ``compute()``; weights adjusted for
    non-response depend on contact outcomes too and are always computed.
    """
    adjustment = None
    if use_design and options.nonresponse != "none":
        adjustment = plan_cells(session, rows, selection, cells=options.nonresponse_cells)
        if adjustment is None and options.nonresponse == "cell":
            raise InvalidInput(
                f"nonresponse=cell adjusts interviews of a sampling plan's sample lists; none of these {rows.n} "
                "responses is one (ask for nonresponse=none)"
            )
        if adjustment is not None and options.nonresponse is None and not adjustment.has_outcomes:
            adjustment = None  # by default only once the fieldwork has contact outcomes

    def compute() -> Weighting:
        return build_design(
            rows,
            margin_set,
            lonely_psu=lonely_psu,
            use_design=use_design,
            strict_margins=strict_margins,
            nonresponse=adjustment,
            options=options,
        )

    if reuse is None or adjustment is not None:
        return compute()
    return reuse(("weights", _margins_key(margin_set), options, lonely_psu, use_design, strict_margins), compute)


def _margins_key(margin_set: MarginSet | None) -> Hashable:
    """The margins as a value that compares equal exactly when the margins are the same."""
    if margin_set is None:
        return None
    content = [margin_set.margins, sorted(margin_set.unit_codes.items())]
    return (margin_set.unit_id, margin_set.start, margin_set.end, canonical_digest(content))


def build_design(
    rows: DesignRows,
    margin_set: MarginSet | None,
    *,
    lonely_psu: LonelyPSU,
    use_design: bool = True,
    strict_margins: bool = True,
    nonresponse: CellAdjustment | None = None,
    options: Options | None = None,
) -> Weighting:
    """The design of ``rows`` (weights = design weight or 1; strata, PSUs and fpc where given), adjusted for
    ``nonresponse`` by cell, to ``margin_set`` (post-stratified to one variable, raked to several) and
    trimmed as ``options`` say.

    A response without a PSU is its own PSU; fpc is used only when every response has one. Without
    ``use_design`` every response weighs 1 in its own PSU. Raises :class:`InvalidInput` when the design or
    the margins cannot be applied, saying why; without ``strict_margins``, margins that responses lack the
    variables for are left out and the diagnostics say so.
    """
    options = options or Options()
    n = rows.n
    has_weight = ~np.isnan(rows.design_weight) & use_design
    has_strata = use_design and rows.stratum.missing < n
    has_psu = use_design and rows.psu.missing < n
    has_fpc = use_design and n > 0 and bool((~np.isnan(rows.fpc)).all())
    designed = bool(has_weight.any()) or has_strata or has_psu or has_fpc
    params: dict[str, Any] = {"lonely_psu": lonely_psu, "fpc": has_fpc}
    if use_design and (~np.isnan(rows.fpc)).any() and not has_fpc:
        params["fpc_ignored"] = "not given for every response"
    weights = np.where(has_weight, rows.design_weight, 1.0)
    if nonresponse is not None:
        weights = weights * nonresponse.row_factors
    strata = np.where(rows.stratum.codes < 0, 0, rows.stratum.codes + 1) if has_strata else None
    # A response without a PSU is its own PSU: codes after those of the named PSUs.
    clusters = np.where(rows.psu.codes < 0, len(rows.psu.levels) + np.arange(n), rows.psu.codes) if has_psu else None
    structure: dict[str, Any] = {"fpc": rows.fpc if has_fpc else None, "nest": True, "lonely_psu": lonely_psu}
    try:
        # Codes in the order of the sorted labels, so the design is the one the labels give, built faster.
        design = make_design(n, weights=weights, strata=strata, clusters=clusters, **structure)
    except SamplingError:
        try:  # again with the labels, for an error that names them
            make_design(
                n, weights=weights, strata=_text(rows.stratum, has_strata), clusters=_psus(rows, has_psu), **structure
            )
        except SamplingError as exc:
            raise InvalidInput(f"the responses' sample design is not valid: {exc}") from None
        raise
    if has_strata:  # the strata by name again, for messages (code 0: no stratum)
        design = replace(design, strata_labels=np.array(["", *rows.stratum.levels])[design.strata_labels])

    steps = ["design"] if designed else []
    margins: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    if options.nonresponse == "none":
        params["nonresponse"] = "none"
    if nonresponse is not None:
        steps.append("nonresponse")
        params["nonresponse"] = {"cells": nonresponse.cells, "plans": nonresponse.plans}
        extra["nonresponse"] = nonresponse.table
    missing = _missing_variables(rows, margin_set) if margin_set is not None else ""
    if missing and not strict_margins:
        extra["margins_not_applied"] = params["margins_not_applied"] = missing  # params: part of the run's digest
    elif missing:
        raise InvalidInput(f"{missing}; import those columns or ask for weighted=false")
    elif margin_set is not None and margin_set.margins:
        margins = {
            "unit_id": margin_set.unit_id,
            "from": margin_set.start.isoformat(),
            "to": margin_set.end.isoformat(),
            "totals": margin_set.margins,
        }
        design, adjusted = _adjust(design, rows, margin_set)
        extra.update(adjusted)
        steps.append("poststratify" if len(margin_set.margins) == 1 else "rake")
    if options.trim_lower is not None or options.trim_upper is not None:
        design, extra["trim"] = _trim(design, options)
        params["trim"] = {
            "lower": options.trim_lower,
            "upper": options.trim_upper,
            "strict": options.trim_strict,
            "relative_to": "mean weight",
        }
        steps.append("trim")
    diagnostics = {k: _finite(v) for k, v in asdict(weight_diagnostics(design.weights)).items()} if n else {}
    diagnostics.update(extra)
    note = _note(rows, has_weight | _has_design(rows, use_design), bool(margins))
    if note:
        diagnostics["note"] = note
    return Weighting(design, "+".join(steps) or "none", margins, params, diagnostics)


def _has_design(rows: DesignRows, use_design: bool) -> NDArray[np.bool_]:
    """Rows with any design column (weight, stratum, PSU or fpc)."""
    if not use_design:
        return np.zeros(rows.n, dtype=bool)
    return (rows.stratum.codes >= 0) | (rows.psu.codes >= 0) | ~np.isnan(rows.fpc)


def _note(rows: DesignRows, designed: NDArray[np.bool_], margins: bool) -> str | None:
    """What the run means for responses without a sample design (QR, web)."""
    plain = int(np.count_nonzero(~designed))
    if rows.n == 0 or plain == 0:
        return None
    if plain == rows.n:
        if margins:
            return (
                "the responses carry no sample design (QR or web answers): they are weighted only by "
                "post-stratification or raking to the population margins"
            )
        return "the responses carry no sample design and no margins apply: every response weighs 1"
    return (
        f"{plain} of {rows.n} responses carry no sample design (QR or web answers): each weighs 1 before "
        "the margins, as a PSU of its own"
    )


def _trim(design: Design, options: Options) -> tuple[Design, dict[str, Any]]:
    """Trim to bounds given as multiples of the mean weight (R ``trimWeights``)."""
    mean = float(design.weights.mean()) if design.n else 0.0
    lower = options.trim_lower * mean if options.trim_lower is not None else -math.inf
    upper = options.trim_upper * mean if options.trim_upper is not None else math.inf
    outside = int(np.count_nonzero((design.weights < lower) | (design.weights > upper)))
    try:
        trimmed = trim_weights(design, lower=lower, upper=upper, strict=options.trim_strict)
    except SamplingError as exc:
        raise InvalidInput(f"the weights cannot be trimmed: {exc}") from None
    bounds = {"lower": _finite(lower), "upper": _finite(upper), "trimmed": outside}
    return trimmed, bounds


def _text(column: Labels, used: bool) -> list[str] | None:
    return [v or "" for v in column.values()] if used else None


def _psus(rows: DesignRows, used: bool) -> list[str] | None:
    return [p if p is not None else f"\x00{i}" for i, p in enumerate(rows.psu.values())] if used else None


def _missing_variables(rows: DesignRows, margin_set: MarginSet) -> str:
    """Why the margins cannot apply to these responses ("" when they can)."""
    reasons = []
    for variable in dict.fromkeys(p for v in margin_set.margins for p in variable_parts(v)):
        blank = int(np.count_nonzero(_column(rows, variable, margin_set).codes < 0))
        if blank:
            reasons.append(f"{blank} of {rows.n} responses have no {variable}, so the {variable} margins cannot apply")
    return "; ".join(reasons)


def _column(rows: DesignRows, variable: str, margin_set: MarginSet) -> Labels:
    """A response variable margins may name, factorised (``unit``: the unit's code)."""
    if variable != "unit":
        column: Labels = getattr(rows, variable)
        return column
    ids = np.unique(rows.unit_id[rows.unit_id >= 0])
    levels = tuple(margin_set.unit_codes.get(int(i), f"#{int(i)}") for i in ids)
    codes = np.where(rows.unit_id >= 0, np.searchsorted(ids, rows.unit_id), -1).astype(np.int32)
    return Labels(codes, levels)


def _cells(rows: DesignRows, variable: str, margin_set: MarginSet) -> NDArray[np.str_]:
    """Each response's level of a (possibly joint) margin variable, e.g. ``2|25-34`` for ``sex*age_group``."""
    columns = [_column(rows, part, margin_set) for part in variable_parts(variable)]
    joint = np.zeros(rows.n, dtype=np.int64)
    for column in columns:
        joint = joint * (len(column.levels) + 1) + column.codes + 1
    present, inverse = np.unique(joint, return_inverse=True)
    names = []
    for value in present.tolist():
        parts = []
        for column in reversed(columns):
            value, code = divmod(value, len(column.levels) + 1)
            parts.append(column.levels[code - 1] if code else "")
        names.append(LEVELS.join(reversed(parts)))
    return np.asarray(names)[inverse.reshape(-1)]


def _adjust(design: Design, rows: DesignRows, margin_set: MarginSet) -> tuple[Design, dict[str, Any]]:
    margins = margin_set.margins
    columns = [_cells(rows, variable, margin_set) for variable in margins]
    population = [cast(Mapping[object, float], totals) for totals in margins.values()]
    try:
        if len(margins) == 1:
            adjusted = poststratify(design, columns, population[0], names=list(margins))
            return adjusted, {"converged": True, "sweeps": 0}
        result = rake(design, columns, population, names=list(margins), raise_on_failure=False)
    except SamplingError as exc:
        raise InvalidInput(f"the population margins cannot be applied: {exc}") from None
    return result.design, {
        "converged": result.converged,
        "sweeps": result.iterations,
        "max_error": _finite(result.max_error),
    }


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def record_run(
    session: Session,
    rows: DesignRows,
    version_id: int,
    filters: dict[str, Any],
    weighting: Weighting,
    digest: str | None = None,
) -> WeightingRun:
    """The weighting run of these inputs (``digest``: their :func:`inputs_digest` when known): created on
    first use, reused afterwards."""
    digest = digest or inputs_digest(rows, version_id, filters, weighting)
    insert_once(
        session,
        WeightingRun,
        {
            "instrument_version_id": version_id,
            "filters": filters,
            "method": weighting.method,
            "margins": weighting.margins,
            "params": weighting.params,
            "diagnostics": weighting.diagnostics,
            "response_count": rows.n,
            "inputs_digest": digest,
        },
    )
    run = session.scalars(select(WeightingRun).where(WeightingRun.inputs_digest == digest)).one()
    return run
