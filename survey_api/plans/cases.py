"""The sample design of an interview of a sample-list entry: stratum, PSU, weight and fpc from the sampling plan.

A plan's assignment lists last-stage sample units by their frame ``ref``; a response that names the
assignment and one of those refs (``case_ref``) gets, at insert, the unit's stratum, its stage-0
ancestor's ref as PSU (:func:`first_stage_ref`, the one PSU rule), ``1 / inclusion probability`` as design
weight and, for a one-stage plan drawn with equal probabilities (SRS, systematic), the stratum's frame
count as fpc. A multistage plan gives no fpc: its variance is the with-replacement (ultimate cluster)
approximation, because a first-stage fpc alone would leave out the later stages' variance (all of it when
every PSU is taken). A last-stage frame with ``sex`` / ``age_group`` columns (a list of people) gives the
respondent cells too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from survey_api.db.models import FrameUnit, SampleUnit, SamplingPlan
from survey_api.fieldwork.interviews import check_case, interviewer_assignment
from survey_api.plans.schemas import Design

EQUAL_PROBABILITY = ("srs", "systematic")
CELL_COLUMNS = ("sex", "age_group")

ParentOf = Callable[[int, str], str | None]
"""The parent ref of the frame unit (stage, ref), None at the first stage."""


def first_stage_ref(stage: int, ref: str, parent_ref: str | None, parent_of: ParentOf) -> str:
    """The PSU of a frame unit: the ref of the first-stage unit above it (its own ref at the first stage)."""
    while stage > 0 and parent_ref is not None:
        stage, ref = stage - 1, parent_ref
        parent_ref = parent_of(stage, ref)
    return ref


@dataclass(frozen=True)
class FieldCase:
    """A last-stage unit of a plan in the field: selected, or a released replacement, and not dropped with a
    replaced unit above it."""

    assignment_id: int | None
    ref: str
    stratum: str | None
    psu: str
    weight: float
    replaced: bool


def field_cases(session: Session, plan_id: int) -> list[FieldCase]:
    """Every case in the field of a plan, with its stratum, PSU and design weight (1 / inclusion probability)."""
    last = session.scalar(select(func.max(SampleUnit.stage)).where(SampleUnit.plan_id == plan_id))
    field = session.execute(
        select(SampleUnit, FrameUnit)
        .join(FrameUnit, FrameUnit.id == SampleUnit.frame_unit_id)
        .where(
            SampleUnit.plan_id == plan_id,
            SampleUnit.stage == last,
            or_(SampleUnit.role == "selected", SampleUnit.replaces_id.is_not(None)),
            SampleUnit.status != "dropped",  # under a replaced unit: out of the sample
        )
        .order_by(SampleUnit.id)
    ).all()
    parents: dict[tuple[int, str], str | None] = {}
    if last:
        found = session.execute(
            select(FrameUnit.stage, FrameUnit.ref, FrameUnit.parent_ref).where(
                FrameUnit.plan_id == plan_id, FrameUnit.stage < last
            )
        )
        parents = {(int(stage), str(ref)): parent for stage, ref, parent in found}

    def parent_of(stage: int, ref: str) -> str | None:
        return parents.get((stage, ref))

    return [
        FieldCase(
            assignment_id=unit.assignment_id,
            ref=frame_unit.ref,
            stratum=unit.stratum,
            psu=first_stage_ref(frame_unit.stage, frame_unit.ref, frame_unit.parent_ref, parent_of),
            weight=1.0 / unit.inclusion_probability,
            replaced=unit.status == "replaced",
        )
        for unit, frame_unit in field
    ]


def case_values(
    session: Session, assignment_id: int, case_ref: str | None, interviewer_id: int | None
) -> dict[str, object]:
    """The ``responses`` columns an interview for ``case_ref`` of assignment ``assignment_id`` fills: the link
    itself and, when a plan drew the sample list, the design columns (:func:`case_design`).

    The assignment must be the interviewer's; ``case_ref`` must be an entry of its sample list. Raises
    :class:`InvalidInput` saying which of these fails (:class:`Unauthorized` without an interviewer).
    """
    assignment = interviewer_assignment(session, assignment_id, interviewer_id)
    link: dict[str, object] = {"assignment_id": assignment_id, "case_ref": case_ref}
    if case_ref is None:
        return link
    check_case(assignment, case_ref)
    return {**link, **case_design(session, assignment_id, case_ref)}


def case_design(session: Session, assignment_id: int, case_ref: str) -> dict[str, object]:
    """Stratum, PSU, design weight, fpc and cells of the sample unit ``case_ref`` of an assignment; empty
    when no plan drew the assignment's list (a list typed in by hand)."""
    found = session.execute(
        select(SampleUnit, FrameUnit)
        .join(FrameUnit, FrameUnit.id == SampleUnit.frame_unit_id)
        .where(SampleUnit.assignment_id == assignment_id, FrameUnit.ref == case_ref)
    ).first()
    if found is None:
        return {}
    unit, frame_unit = found
    plan = session.get(SamplingPlan, unit.plan_id)
    assert plan is not None
    design = Design.model_validate(plan.design)

    def parent_of(stage: int, ref: str) -> str | None:
        return session.scalar(
            select(FrameUnit.parent_ref).where(
                FrameUnit.plan_id == unit.plan_id, FrameUnit.stage == stage, FrameUnit.ref == ref
            )
        )

    return {
        "stratum": unit.stratum,
        "psu": first_stage_ref(frame_unit.stage, frame_unit.ref, frame_unit.parent_ref, parent_of),
        "design_weight": 1.0 / unit.inclusion_probability,
        "fpc": _fpc(session, design, unit),
        **{name: _cell(frame_unit.attributes.get(name)) for name in CELL_COLUMNS},
    }


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
