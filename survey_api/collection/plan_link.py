"""The sample design of an interview of a sample-list entry: stratum, PSU, weight and fpc from the sampling plan.

A plan's assignment lists last-stage sample units by their frame ``ref``; a response that names the
assignment and one of those refs (``case_ref``) gets, at insert, the unit's stratum, its stage-0
ancestor's ref as PSU, ``1 / inclusion probability`` as design weight and, for a one-stage plan drawn
with equal probabilities (SRS, systematic), the stratum's frame count as fpc. A multistage plan gives no
fpc: its variance is the with-replacement (ultimate cluster) approximation, because a first-stage fpc
alone would leave out the later stages' variance (all of it when every PSU is taken). A last-stage frame
with ``sex`` / ``age_group`` columns (a list of people) gives the respondent cells too.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_api.db.models import Assignment, FrameUnit, SampleUnit, SamplingPlan
from survey_api.errors import InvalidInput, Unauthorized
from survey_api.plans.schemas import Design

EQUAL_PROBABILITY = ("srs", "systematic")
CELL_COLUMNS = ("sex", "age_group")


def case_values(
    session: Session, assignment_id: int, case_ref: str | None, interviewer_id: int | None
) -> dict[str, object]:
    """The ``responses`` columns an interview for ``case_ref`` of assignment ``assignment_id`` fills: the link
    itself and, when a plan drew the sample list, the design columns (and cells the frame gives).

    The assignment must be the interviewer's; ``case_ref`` must be an entry of its sample list. Raises
    :class:`InvalidInput` saying which of these fails (:class:`Unauthorized` without an interviewer).
    """
    if interviewer_id is None:
        raise Unauthorized(
            "a response for an assignment needs the volunteer's API token: send `Authorization: Bearer <token>`"
        )
    assignment = session.get(Assignment, assignment_id)
    if assignment is None or assignment.volunteer_id != interviewer_id:
        raise InvalidInput(
            f"assignment {assignment_id} is not one of yours",
            errors=[{"item": "assignment", "problem": "not assigned to you"}],
        )
    link: dict[str, object] = {"assignment_id": assignment_id, "case_ref": case_ref}
    if case_ref is None:
        return link
    refs = {entry["ref"] for entry in assignment.sample or []}
    if case_ref not in refs:
        problem = (
            f"{case_ref!r} is not in the sample list of assignment {assignment_id}; pick an entry of the list"
            if refs
            else f"assignment {assignment_id} has no sample list; leave case_ref out"
        )
        raise InvalidInput(f"case_ref: {problem}", errors=[{"item": "case_ref", "problem": problem}])
    found = session.execute(
        select(SampleUnit, FrameUnit)
        .join(FrameUnit, FrameUnit.id == SampleUnit.frame_unit_id)
        .where(SampleUnit.assignment_id == assignment_id, FrameUnit.ref == case_ref)
    ).first()
    if found is None:
        return link  # a sample list typed in by hand, not drawn by a plan
    unit, frame_unit = found
    plan = session.get(SamplingPlan, unit.plan_id)
    assert plan is not None
    design = Design.model_validate(plan.design)
    return {
        **link,
        "stratum": unit.stratum,
        "psu": _stage0_ref(session, frame_unit),
        "design_weight": 1.0 / unit.inclusion_probability,
        "fpc": _fpc(session, design, unit),
        **{name: _cell(frame_unit.attributes.get(name)) for name in CELL_COLUMNS},
    }


def _stage0_ref(session: Session, unit: FrameUnit) -> str:
    """The ref of the first-stage unit above ``unit`` (its own ref at the first stage)."""
    while unit.stage > 0:
        parent = session.scalars(
            select(FrameUnit).where(
                FrameUnit.plan_id == unit.plan_id, FrameUnit.stage == unit.stage - 1, FrameUnit.ref == unit.parent_ref
            )
        ).first()
        assert parent is not None, "frames are checked: every parent exists"
        unit = parent
    return unit.ref


def _fpc(session: Session, design: Design, unit: SampleUnit) -> float | None:
    """The stratum's population count for a one-stage equal-probability plan; None otherwise."""
    if len(design.stages) != 1 or design.stages[0].method not in EQUAL_PROBABILITY:
        return None
    stratum = FrameUnit.stratum.is_(None) if unit.stratum is None else FrameUnit.stratum == unit.stratum
    count = session.scalar(
        select(func.count())
        .select_from(FrameUnit)
        .where(FrameUnit.plan_id == unit.plan_id, FrameUnit.stage == 0, stratum)
    )
    return float(count) if count else None


def _cell(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text if 0 < len(text) <= 16 else None
