"""Last-stage sample units given to volunteers (or desks) as fieldwork assignments."""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.orm import Session

from survey_api.db.models import (
    FrameUnit,
    SampleUnit,
    SamplingPlan,
    User,
)
from survey_api.errors import Conflict, InvalidInput
from survey_api.fieldwork import service as fieldwork
from survey_api.fieldwork.schemas import AssignmentIn, AssignmentOut, SampleEntry
from survey_api.instruments import service as instruments
from survey_api.plans import repository
from survey_api.plans.schemas import (
    AssignIn,
    Design,
)
from survey_api.plans.service import (
    DRAWN,
    MAX_SAMPLE,
    design_of,
    drawn_seed,
    get_plan,
)
from survey_api.plans.tree import DROPPED


def in_field(unit: SampleUnit, last: int) -> bool:
    """A last-stage unit that is or was in the field: selected or released, not dropped with its parent."""
    return unit.stage == last and (unit.role == "selected" or unit.replaces_id is not None) and unit.status != DROPPED


def _last_drawn(plan: SamplingPlan, design: Design) -> int:
    drawn_seed(plan)
    last = len(design.stages) - 1
    if plan.status != DRAWN:
        raise Conflict(
            f"stage {last} ({design.stages[last].name}) of sampling plan {plan.id} is not drawn yet: "
            "upload the listing of the drawn units and draw it first"
        )
    return last


def assign(session: Session, actor: User, plan_id: int, payload: AssignIn) -> AssignmentOut:
    """Give last-stage sample units to a volunteer (or a desk) as a fieldwork assignment with its sample list."""
    plan = get_plan(session, actor, plan_id)
    last = _last_drawn(plan, design_of(plan))
    found = repository.sample(session, plan.id)
    frame_units = repository.frame_units_by_id(session, plan.id)
    field = {frame_units[s.frame_unit_id].ref: s for s in found if in_field(s, last)}
    if payload.units is not None:
        errors = [
            {"item": "units", "problem": f"{ref!r} is not a unit of the sample"}
            for ref in payload.units
            if ref not in field
        ]
        errors += [
            {"item": "units", "problem": f"{ref!r} is {field[ref].status} already"}
            for ref in payload.units
            if ref in field and field[ref].status != "pending"
        ]
        if errors:
            raise InvalidInput("; ".join(e["problem"] for e in errors), errors=errors)
        chosen = [field[ref] for ref in payload.units]
    else:
        chosen = [s for s in field.values() if s.stratum == payload.stratum and s.status == "pending"]
        if not chosen:
            raise InvalidInput(f"stratum {payload.stratum!r} has no unassigned sample units left")
    version = instruments.latest_published(session, plan.instrument_id)
    if version is None:
        raise InvalidInput("the plan's instrument has no published version")
    if len(chosen) > MAX_SAMPLE:
        raise InvalidInput(f"an assignment holds at most {MAX_SAMPLE} units; these are {len(chosen)}: split them")
    try:
        request = AssignmentIn(
            volunteer=payload.volunteer,
            instrument_version=version.id,
            service_point=payload.service_point,
            quota=payload.quota,
            starts_on=payload.starts_on,
            ends_on=payload.ends_on,
            note=payload.note or f"{plan.name} (sampling plan {plan.id})",
            sample=[entry(frame_units[s.frame_unit_id]) for s in chosen],
        )
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]) for e in exc.errors())
        raise InvalidInput(f"the assignment is not valid: {problems}") from None
    assignment = fieldwork.create_assignment(session, actor, request)
    for s in chosen:
        s.status, s.assignment_id = "assigned", assignment.id
    session.flush()
    return fieldwork.assignments_out(session, [assignment])[0]


def entry(unit: FrameUnit) -> SampleEntry:
    """A frame unit as an entry of an assignment's sample list."""
    return SampleEntry(ref=unit.ref, label=unit.label)
