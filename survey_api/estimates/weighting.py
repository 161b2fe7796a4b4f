"""Weights for an estimate: the sample design of the responses, then post-stratification or raking to the
population margins, recorded as a weighting run that the estimate cites.

Weights are recomputed from the stored design columns and margins (deterministic and cheap), so only the
run's description, margins and diagnostics are stored; the same inputs reuse the same run.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any, cast

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from sampling import Design, LonelyPSU, SamplingError, make_design, poststratify, rake, weight_diagnostics
from survey_api.db.inserts import insert_once
from survey_api.db.models import WeightingRun
from survey_api.errors import InvalidInput
from survey_api.estimates.repository import DesignRows, Labels
from survey_api.hashing import canonical_digest
from survey_api.margins.service import MarginSet


@dataclass(frozen=True)
class Weighting:
    """A weighted design and how it was made."""

    design: Design
    method: str
    margins: dict[str, Any]
    params: dict[str, Any]
    diagnostics: dict[str, Any]


def build_design(
    rows: DesignRows,
    margin_set: MarginSet | None,
    *,
    lonely_psu: LonelyPSU,
    use_design: bool = True,
    strict_margins: bool = True,
) -> Weighting:
    """The design of ``rows`` (weights = design weight or 1; strata, PSUs and fpc where given), adjusted
    to ``margin_set``: post-stratified to one variable, raked to several.

    A response without a PSU is its own PSU; fpc is used only when every response has one. Without
    ``use_design`` every response weighs 1 in its own PSU. Raises :class:`InvalidInput` when the design or
    the margins cannot be applied, saying why; without ``strict_margins``, margins that responses lack the
    variables for are left out and the diagnostics say so.
    """
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
    strata = np.where(rows.stratum.codes < 0, 0, rows.stratum.codes + 1) if has_strata else None
    # A response without a PSU is its own PSU: codes after those of the named PSUs.
    clusters = np.where(rows.psu.codes < 0, len(rows.psu.levels) + np.arange(n), rows.psu.codes) if has_psu else None
    options: dict[str, Any] = {"fpc": rows.fpc if has_fpc else None, "nest": True, "lonely_psu": lonely_psu}
    try:
        # Codes in the order of the sorted labels, so the design is the one the labels give, built faster.
        design = make_design(n, weights=weights, strata=strata, clusters=clusters, **options)
    except SamplingError:
        try:  # again with the labels, for an error that names them
            make_design(
                n, weights=weights, strata=_text(rows.stratum, has_strata), clusters=_psus(rows, has_psu), **options
            )
        except SamplingError as exc:
            raise InvalidInput(f"the responses' sample design is not valid: {exc}") from None
        raise
    if has_strata:  # the strata by name again, for messages (code 0: no stratum)
        design = replace(design, strata_labels=np.array(["", *rows.stratum.levels])[design.strata_labels])

    steps = ["design"] if designed else []
    margins: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    missing = _missing_variables(rows, margin_set.margins) if margin_set is not None else ""
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
        design, extra = _adjust(design, rows, margin_set.margins)
        steps.append("poststratify" if len(margin_set.margins) == 1 else "rake")
    diagnostics = {k: _finite(v) for k, v in asdict(weight_diagnostics(design.weights)).items()} if n else {}
    diagnostics.update(extra)
    return Weighting(design, "+".join(steps) or "none", margins, params, diagnostics)


def _text(column: Labels, used: bool) -> list[str] | None:
    return [v or "" for v in column.values()] if used else None


def _psus(rows: DesignRows, used: bool) -> list[str] | None:
    return [p if p is not None else f"\x00{i}" for i, p in enumerate(rows.psu.values())] if used else None


def _missing_variables(rows: DesignRows, margins: dict[str, dict[str, float]]) -> str:
    """Why the margins cannot apply to these responses ("" when they can)."""
    reasons = []
    for variable in margins:
        blank = getattr(rows, variable).missing
        if blank:
            reasons.append(f"{blank} of {rows.n} responses have no {variable}, so the {variable} margins cannot apply")
    return "; ".join(reasons)


def _adjust(design: Design, rows: DesignRows, margins: dict[str, dict[str, float]]) -> tuple[Design, dict[str, Any]]:
    columns = [np.asarray(getattr(rows, variable).levels)[getattr(rows, variable).codes] for variable in margins]
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


def inputs_digest(rows: DesignRows, version_id: int, filters: dict[str, Any], weighting: Weighting) -> str:
    """SHA-256 of everything the weights and the estimate depend on."""
    digest = hashlib.sha256()
    digest.update(
        canonical_digest([version_id, filters, weighting.method, weighting.margins, weighting.params]).encode()
    )
    # Arrays are hashed through the buffer protocol, without copies.
    digest.update(np.ascontiguousarray(rows.scores).data)
    digest.update(np.ascontiguousarray(rows.design_weight).data)
    digest.update(np.ascontiguousarray(rows.fpc).data)
    for column in (rows.stratum, rows.psu, rows.sex, rows.age_group):
        digest.update("\x1f".join(column.levels).encode() + b"\x00")
        digest.update(np.ascontiguousarray(column.codes).data)
    return digest.hexdigest()


def record_run(
    session: Session, rows: DesignRows, version_id: int, filters: dict[str, Any], weighting: Weighting
) -> WeightingRun:
    """The weighting run of these inputs: created on first use, reused afterwards."""
    digest = inputs_digest(rows, version_id, filters, weighting)
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
