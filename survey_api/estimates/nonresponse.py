"""Non-response adjustment by cell for responses interviewed from a sampling plan's sample lists.

The cases are the plan's last-stage units in the field (selected, or released replacements, and not
dropped with a replaced unit above them). A case
responded when it has a completed contact attempt or a response linked to it (``assignment``,
``case_ref``); otherwise its final outcome (:func:`survey_api.fieldwork.service.final_outcomes`) decides:
``not_eligible`` drops out, any other outcome is an eligible non-respondent, and a case never contacted
(unknown eligibility, also a unit not yet assigned) counts as eligible, as AAPOR RR1 does. A unit replaced
by a released replacement (and without a response) is left out: its replacement stands for it.

Within each cell (the plan's stratum, or a PSU) every respondent's weight is multiplied by
``sum(design weights of the eligible cases) / sum(design weights of the respondents)``
(:func:`sampling.nonresponse_factors`), computed over the whole plan whatever period or unit the estimate
selects. Responses are matched to cells by their stored stratum and PSU (set from the plan at insert).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from sampling import SamplingError, nonresponse_factors
from survey_api.db.models import ContactAttempt
from survey_api.errors import InvalidInput
from survey_api.estimates import repository
from survey_api.estimates.repository import DesignRows, interviewed_cases
from survey_api.estimates.selection import Selection
from survey_api.fieldwork.records import attempts_of
from survey_api.fieldwork.service import final_outcomes
from survey_api.plans.cases import field_cases

Cells = Literal["stratum", "psu"]
# A cell: (plan id, stratum or "", PSU or "" when the cells are strata).
CellKey = tuple[int, str, str]


@dataclass(frozen=True)
class CellAdjustment:
    """Non-response factors of the plans a selection's responses come from, and each row's factor."""

    cells: Cells
    plans: list[int]
    row_factors: NDArray[np.float64]
    table: list[dict[str, Any]]
    has_outcomes: bool


def plan_cells(session: Session, rows: DesignRows, selection: Selection, *, cells: Cells) -> CellAdjustment | None:
    """The adjustment for ``rows`` (the selection's responses); None when none of them is from a plan.

    Rows that are not interviews of a plan's sample list keep factor 1. Raises :class:`InvalidInput` when
    responses of a plan share their stratum and PSU with other responses (they cannot be told apart).
    """
    linked = repository.planned_cells(session, selection)
    if not linked:
        return None
    plans = sorted({int(plan_id) for plan_id, *_ in linked})
    keys: list[CellKey] = []
    weights: list[float] = []
    responded: list[bool] = []
    eligible: list[bool] = []
    has_outcomes = False
    for plan_id in plans:
        cases, outcomes = _cases(session, plan_id)
        has_outcomes = has_outcomes or outcomes
        for key, weight, status in cases:
            keys.append(key if cells == "psu" else (key[0], key[1], ""))
            weights.append(weight)
            responded.append(status == "respondent")
            eligible.append(status != "not_eligible")
    order = sorted(set(keys))
    index = {key: i for i, key in enumerate(order)}
    try:
        found = nonresponse_factors(
            np.array(weights), np.array(responded), [np.array([index[k] for k in keys])], eligible=np.array(eligible)
        )
    except SamplingError as exc:
        raise InvalidInput(f"the non-response adjustment cannot be made: {exc}") from None
    cell_keys = [order[int(label[0][1])] for label in found.labels]
    factor_of = dict(zip(cell_keys, found.factor.tolist(), strict=True))
    table = [
        {
            "plan": key[0],
            "stratum": key[1] or None,
            **({"psu": key[2]} if cells == "psu" else {}),
            "sampled": int(found.sampled[i]),
            "eligible": int(found.eligible[i]),
            "respondents": int(found.respondents[i]),
            "factor": float(found.factor[i]) if found.respondents[i] else None,
        }
        for i, key in enumerate(cell_keys)
    ]
    row_factors = _row_factors(rows, linked, factor_of, cells)
    return CellAdjustment(cells, plans, row_factors, table, has_outcomes)


def _cases(session: Session, plan_id: int) -> tuple[list[tuple[CellKey, float, str]], bool]:
    """Every case in the field of a plan: its cell (stratum and PSU), design weight and status
    (``respondent``, ``nonrespondent`` or ``not_eligible``), and whether any contact attempt was recorded."""
    field = field_cases(session, plan_id)
    assignment_ids = sorted({c.assignment_id for c in field if c.assignment_id is not None})
    outcomes: dict[tuple[int, str], str] = {}
    by_assignment: dict[int, list[ContactAttempt]] = defaultdict(list)
    for attempt in attempts_of(session, assignment_ids):
        if attempt.assignment_id is not None and attempt.case_ref is not None:
            by_assignment[attempt.assignment_id].append(attempt)
    for assignment_id, attempts in by_assignment.items():
        outcomes.update({(assignment_id, ref): o for ref, o in final_outcomes(attempts).items()})
    outcomes.update(dict.fromkeys(interviewed_cases(session, assignment_ids), "completed"))
    cases: list[tuple[CellKey, float, str]] = []
    for case in field:
        outcome = outcomes.get((case.assignment_id, case.ref)) if case.assignment_id is not None else None
        if outcome is None and case.replaced:
            continue  # its replacement stands for it
        status = (
            "respondent" if outcome == "completed" else "not_eligible" if outcome == "not_eligible" else "nonrespondent"
        )
        cases.append(((plan_id, case.stratum or "", case.psu), case.weight, status))
    return cases, bool(by_assignment)


def _row_factors(rows: DesignRows, linked: Any, factor_of: dict[CellKey, float], cells: Cells) -> NDArray[np.float64]:
    """Each row's factor: its plan cell's for the interviews of a plan, 1 for the others."""
    stratum_code = {level: i for i, level in enumerate(rows.stratum.levels)}
    psu_code = {level: i for i, level in enumerate(rows.psu.levels)}
    width = len(rows.psu.levels) + 1
    pair = (rows.stratum.codes.astype(np.int64) + 1) * width + rows.psu.codes + 1
    present, inverse, counts = np.unique(pair, return_inverse=True, return_counts=True)
    factors = np.ones(present.shape[0])
    owner: dict[int, int] = {}
    for plan_id, stratum, psu, count in linked:
        value = (stratum_code[stratum] + 1 if stratum is not None else 0) * width + (
            psu_code[psu] + 1 if psu is not None else 0
        )
        at = int(np.searchsorted(present, value))
        if owner.setdefault(at, plan_id) != plan_id or counts[at] != count:
            raise InvalidInput(
                f"responses with stratum {stratum!r} and PSU {psu!r} come from sampling plan {plan_id} and from "
                "elsewhere, so the plan's non-response adjustment cannot be applied to them alone; "
                "ask for nonresponse=none or select them apart (unit, service point, period)"
            )
        factor = factor_of[(int(plan_id), stratum or "", (psu or "") if cells == "psu" else "")]
        if not np.isfinite(factor):
            raise InvalidInput(f"the non-response cell of stratum {stratum!r}, PSU {psu!r} has no respondent")
        factors[at] = factor
    result: NDArray[np.float64] = factors[inverse.reshape(-1)]
    return result
