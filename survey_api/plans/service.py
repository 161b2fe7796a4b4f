"""Rules for sampling plans: frames, the draw and its check, assignment, replacements and progress.

A plan is a draft until it is drawn; a drawn plan is immutable (its frames, design and seed reproduce its
sample exactly, see :func:`redraw_check`). Uploading a stage's frame replaces it and removes the frames of
the later stages, which name its units as parents.
"""

from __future__ import annotations

import math
import secrets
from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from pydantic import ValidationError
from sqlalchemy.orm import Session

from sampling import SamplingError
from survey_api import audit
from survey_api.collection.service import LOCAL_TIME
from survey_api.db.base import utcnow
from survey_api.db.models import Assignment, ContactAttempt, FrameUnit, Instrument, SampleUnit, SamplingPlan, User
from survey_api.errors import Conflict, Forbidden, InvalidInput, NotFound
from survey_api.fieldwork import repository as fieldwork_repository
from survey_api.fieldwork import service as fieldwork
from survey_api.fieldwork.schemas import AssignmentIn, AssignmentOut, Progress, SampleEntry
from survey_api.instruments import repository as instruments
from survey_api.plans import frames, repository
from survey_api.plans.draw import Drawn, Unit, draw, sizing
from survey_api.plans.schemas import (
    AssignIn,
    AssignmentProgress,
    Design,
    FrameOut,
    GroupProgress,
    PlanIn,
    PlanOut,
    PlanProgress,
    RedrawCheck,
    ReplaceIn,
    SampleOut,
    SampleUnitOut,
    SizeOut,
)
from survey_api.units.repository import unit_by_code
from survey_api.units.scope import visible_units

DRAFT, DRAWN = "draft", "drawn"
MAX_SAMPLE = 5000  # as AssignmentIn.sample


# --- plans and frames ----------------------------------------------------------------------------


def create_plan(session: Session, actor: User, payload: PlanIn) -> SamplingPlan:
    """A draft plan for an instrument (and optionally an org unit, whose managers may then follow it)."""
    instrument = instruments.instrument_by_code(session, payload.instrument)
    if instrument is None:
        raise InvalidInput(f"no instrument {payload.instrument!r}", errors=[{"item": "instrument"}])
    unit_id = None
    if payload.unit is not None:
        unit = unit_by_code(session, payload.unit)
        if unit is None:
            raise InvalidInput(f"no org unit {payload.unit!r}", errors=[{"item": "unit"}])
        unit_id = unit.id
    plan = SamplingPlan(
        name=payload.name,
        instrument_id=instrument.id,
        unit_id=unit_id,
        status=DRAFT,
        design=payload.design.model_dump(mode="json"),
        created_by=actor.id,
    )
    session.add(plan)
    session.flush()
    audit.record(session, actor, "plan.create", f"plan {plan.id}", name=plan.name)
    return plan


def get_plan(session: Session, actor: User, plan_id: int) -> SamplingPlan:
    """A plan the actor may see: admins and analysts all, a unit manager those of their units."""
    plan = session.get(SamplingPlan, plan_id)
    if plan is None:
        raise NotFound(f"no sampling plan {plan_id}")
    scope = visible_units(session, actor)
    if scope is not None and plan.unit_id not in scope:
        raise Forbidden(f"sampling plan {plan_id} belongs to another unit; you can see only your own units")
    return plan


def _draft(session: Session, actor: User, plan_id: int) -> SamplingPlan:
    get_plan(session, actor, plan_id)
    plan = repository.plan_for_update(session, plan_id)
    assert plan is not None
    if plan.status != DRAFT:
        raise Conflict(f"sampling plan {plan_id} is drawn already and cannot change; make a new plan")
    return plan


def design_of(plan: SamplingPlan) -> Design:
    """The plan's validated design."""
    return Design.model_validate(plan.design)


def plan_out(session: Session, plan: SamplingPlan) -> PlanOut:
    """The public view of a plan."""
    unit = fieldwork_repository.units_by_id(session, {plan.unit_id} if plan.unit_id is not None else set())
    found = session.get(Instrument, plan.instrument_id)
    return PlanOut(
        id=plan.id,
        name=plan.name,
        instrument=found.code if found else "",
        unit=unit[plan.unit_id].code if plan.unit_id in unit else None,
        status=plan.status,
        design=design_of(plan),
        frames=repository.frame_counts(session, plan.id),
        sizing=SizeOut.model_validate(plan.sizing) if plan.sizing else None,
        seed=plan.seed,
        created_at=plan.created_at,
        drawn_at=plan.drawn_at,
    )


def upload_frame(
    session: Session, actor: User, plan_id: int, stage: int, data: bytes, filename: str | None
) -> FrameOut:
    """Check every row of a stage's frame file and store it whole, or raise with every row error."""
    plan = _draft(session, actor, plan_id)
    design = design_of(plan)
    if not 0 <= stage < len(design.stages):
        raise InvalidInput(f"the design has stages 0 to {len(design.stages) - 1}; no stage {stage}")
    parents: dict[str, str | None] | None = None
    if stage > 0:
        parents = {u.ref: u.stratum for u in repository.frame(session, plan.id, stage - 1)}
        if not parents:
            raise InvalidInput(f"upload the frame of stage {stage - 1} first: its units are this stage's parents")
    spec = design.stages[stage]
    header, records = frames.read_table(data, filename)
    rows = frames.check_frame(
        header,
        records,
        stage=stage,
        stratum_column=design.stratum_column,
        size_column=spec.size_column,
        size_required=spec.method == "pps",
        parents=parents,
    )
    for later in range(stage, len(design.stages)):
        repository.delete_frame(session, plan.id, later)
    session.add_all(
        FrameUnit(
            plan_id=plan.id,
            stage=stage,
            row_number=r.row_number,
            ref=r.ref,
            label=r.label,
            stratum=r.stratum,
            parent_ref=r.parent_ref,
            size=r.size,
            attributes=r.attributes,
        )
        for r in rows
    )
    session.flush()
    audit.record(session, actor, "plan.frame", f"plan {plan.id}", stage=stage, rows=len(rows))
    strata: dict[str, int] = defaultdict(int)
    for r in rows:
        strata[r.stratum or ""] += 1
    return FrameOut(plan=plan.id, stage=stage, rows=len(rows), strata=dict(sorted(strata.items())))


def _frames(session: Session, plan: SamplingPlan, design: Design) -> list[list[Unit]]:
    result: list[list[Unit]] = []
    for stage, spec in enumerate(design.stages):
        found = [Unit(u.id, u.ref, u.stratum, u.parent_ref, u.size) for u in repository.frame(session, plan.id, stage)]
        if not found:
            raise InvalidInput(f"stage {stage} ({spec.name}) has no frame yet: upload it first")
        result.append(found)
    return result


def plan_size(session: Session, actor: User, plan_id: int) -> SizeOut | None:
    """The sample size and allocation the design's target gives on the uploaded frames."""
    plan = get_plan(session, actor, plan_id)
    if plan.sizing:
        return SizeOut.model_validate(plan.sizing)
    design = design_of(plan)
    return _sizing(design, _frames(session, plan, design)[-1])


def _sizing(design: Design, final_units: Sequence[Unit]) -> SizeOut | None:
    try:
        return sizing(design, final_units)
    except SamplingError as exc:
        raise InvalidInput(f"the sample size cannot be set: {exc}") from None


def _run(design: Design, units: list[list[Unit]], seed: int, size: SizeOut | None) -> list[Drawn]:
    try:
        return draw(design, units, seed, size.allocation if size else None)
    except SamplingError as exc:
        raise InvalidInput(f"the sample cannot be drawn: {exc}") from None


# --- the draw ------------------------------------------------------------------------------------


def draw_plan(session: Session, actor: User, plan_id: int, seed: int | None) -> SampleOut:
    """Draw the sample with ``seed`` (default: a fresh random one), store it with the seed; 409 when drawn."""
    plan = _draft(session, actor, plan_id)
    design = design_of(plan)
    units = _frames(session, plan, design)
    size = _sizing(design, units[-1])
    seed = secrets.randbits(63) if seed is None else seed
    drawn = _run(design, units, seed, size)
    session.add_all(
        SampleUnit(
            plan_id=plan.id,
            frame_unit_id=d.frame_unit_id,
            stage=d.stage,
            stratum=d.stratum,
            stage_probability=d.stage_probability,
            inclusion_probability=d.inclusion_probability,
            selection_order=d.selection_order,
            role=d.role,
            status="pending",
        )
        for d in drawn
    )
    plan.seed, plan.status, plan.drawn_at = seed, DRAWN, utcnow()
    plan.sizing = size.model_dump(mode="json") if size else None
    session.flush()
    audit.record(session, actor, "plan.draw", f"plan {plan.id}", seed=seed, units=len(drawn))
    return sample_out(session, plan)


def _drawn(plan: SamplingPlan) -> int:
    if plan.status != DRAWN or plan.seed is None:
        raise Conflict(f"sampling plan {plan.id} is not drawn yet")
    return plan.seed


def sample_out(session: Session, plan: SamplingPlan) -> SampleOut:
    """Every drawn unit with its stage and overall inclusion probabilities."""
    seed = _drawn(plan)
    found = repository.sample(session, plan.id)
    frame_units = repository.frame_units_by_id(session, plan.id)
    return SampleOut(plan=plan.id, seed=seed, units=_units_out(found, found, frame_units))


def _units_out(
    shown: Sequence[SampleUnit], found: Sequence[SampleUnit], frame_units: dict[int, FrameUnit]
) -> list[SampleUnitOut]:
    refs = {s.id: frame_units[s.frame_unit_id].ref for s in found}
    result = []
    for s in shown:
        unit = frame_units[s.frame_unit_id]
        result.append(
            SampleUnitOut(
                stage=s.stage,
                ref=unit.ref,
                label=unit.label,
                stratum=s.stratum,
                parent=unit.parent_ref,
                stage_probability=s.stage_probability,
                inclusion_probability=s.inclusion_probability,
                weight=1.0 / s.inclusion_probability,
                selection_order=s.selection_order,
                role="selected" if s.role == "selected" else "replacement",
                status=s.status,
                replaces=refs.get(s.replaces_id) if s.replaces_id is not None else None,
                replaced_reason=s.replaced_reason,
                assignment=s.assignment_id,
            )
        )
    return result


def redraw_check(session: Session, actor: User, plan_id: int) -> RedrawCheck:
    """Draw again from the stored frames, design and seed and compare with the stored sample."""
    plan = get_plan(session, actor, plan_id)
    seed = _drawn(plan)
    design = design_of(plan)
    units = _frames(session, plan, design)
    size = SizeOut.model_validate(plan.sizing) if plan.sizing else None
    again = _run(design, units, seed, size)
    stored = repository.sample(session, plan.id)
    differences: list[str] = []
    if len(again) != len(stored):
        differences.append(f"{len(again)} units drawn again, {len(stored)} stored")
    for new, old in zip(again, stored, strict=False):
        same = (new.frame_unit_id, new.stage, new.role, new.selection_order) == (
            old.frame_unit_id,
            old.stage,
            old.role,
            old.selection_order,
        ) and all(
            math.isclose(a, b, rel_tol=1e-12, abs_tol=0)
            for a, b in (
                (new.stage_probability, old.stage_probability),
                (new.inclusion_probability, old.inclusion_probability),
            )
        )
        if not same:
            differences.append(f"stage {old.stage} unit {old.frame_unit_id} differs")
    return RedrawCheck(seed=seed, identical=not differences, units=len(stored), differences=differences[:20])


# --- assignment and replacements ------------------------------------------------------------------


def _in_field(unit: SampleUnit, last: int) -> bool:
    return unit.stage == last and (unit.role == "selected" or unit.replaces_id is not None)


def assign(session: Session, actor: User, plan_id: int, payload: AssignIn) -> AssignmentOut:
    """Give last-stage sample units to a volunteer (or a desk) as a fieldwork assignment with its sample list."""
    plan = get_plan(session, actor, plan_id)
    _drawn(plan)
    last = len(design_of(plan).stages) - 1
    found = repository.sample(session, plan.id)
    frame_units = repository.frame_units_by_id(session, plan.id)
    field = {frame_units[s.frame_unit_id].ref: s for s in found if _in_field(s, last)}
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
            sample=[_entry(frame_units[s.frame_unit_id]) for s in chosen],
        )
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]) for e in exc.errors())
        raise InvalidInput(f"the assignment is not valid: {problems}") from None
    assignment = fieldwork.create_assignment(session, actor, request)
    for s in chosen:
        s.status, s.assignment_id = "assigned", assignment.id
    session.flush()
    return fieldwork.assignments_out(session, [assignment])[0]


def _entry(unit: FrameUnit) -> SampleEntry:
    return SampleEntry(ref=unit.ref, label=unit.label)


def replace(session: Session, actor: User, plan_id: int, payload: ReplaceIn) -> SampleUnitOut:
    """Mark a refused, not eligible or unreachable unit replaced and release the next replacement of its group.

    The replacement joins the replaced unit's assignment (its sample list grows by one). 409 when the
    group has no replacement left.
    """
    plan = get_plan(session, actor, plan_id)
    _drawn(plan)
    last = len(design_of(plan).stages) - 1
    found = repository.sample(session, plan.id)
    frame_units = repository.frame_units_by_id(session, plan.id)
    unit = next((s for s in found if _in_field(s, last) and frame_units[s.frame_unit_id].ref == payload.ref), None)
    if unit is None:
        raise NotFound(f"{payload.ref!r} is not a unit of the sample in the field")
    if unit.status == "replaced":
        raise Conflict(f"{payload.ref!r} is replaced already")
    group = (unit.stratum, frame_units[unit.frame_unit_id].parent_ref)
    reserve = sorted(
        (
            s
            for s in found
            if s.stage == last
            and s.role == "replacement"
            and s.replaces_id is None
            and (s.stratum, frame_units[s.frame_unit_id].parent_ref) == group
        ),
        key=lambda s: s.selection_order,
    )
    if not reserve:
        where = f"parent {group[1]!r}" if group[1] is not None else f"stratum {group[0]!r}"
        raise Conflict(f"no replacement is left for {payload.ref!r} in its group ({where})")
    chosen = reserve[0]
    unit.status, unit.replaced_reason = "replaced", payload.reason
    chosen.replaces_id = unit.id
    if unit.assignment_id is not None:
        assignment = session.get(Assignment, unit.assignment_id)
        assert assignment is not None
        assignment.sample = [*(assignment.sample or []), _entry(frame_units[chosen.frame_unit_id]).model_dump()]
        chosen.status, chosen.assignment_id = "assigned", assignment.id
    session.flush()
    audit.record(session, actor, "plan.replace", f"plan {plan.id}", ref=payload.ref, reason=payload.reason)
    return _units_out([chosen], found, frame_units)[0]


# --- progress ------------------------------------------------------------------------------------


def plan_progress(session: Session, actor: User, plan_id: int) -> PlanProgress:
    """Progress by stratum and by assignment: sampled, contacted, completed, quota, outcomes, RR1, RR3, late."""
    plan = get_plan(session, actor, plan_id)
    _drawn(plan)
    last = len(design_of(plan).stages) - 1
    frame_units = repository.frame_units_by_id(session, plan.id)
    field = [s for s in repository.sample(session, plan.id) if _in_field(s, last)]
    ref_of = {s.id: frame_units[s.frame_unit_id].ref for s in field}
    ids = sorted({s.assignment_id for s in field if s.assignment_id is not None})
    assignments = repository.assignments_by_id(session, ids)
    attempts: dict[int, list[ContactAttempt]] = defaultdict(list)
    for attempt in fieldwork_repository.attempts_of(session, ids):
        assert attempt.assignment_id is not None
        attempts[attempt.assignment_id].append(attempt)
    people = fieldwork_repository.users_by_id(session, {a.volunteer_id for a in assignments.values()})
    points = fieldwork_repository.service_points_by_id(
        session, {a.service_point_id for a in assignments.values() if a.service_point_id is not None}
    )
    today = utcnow().astimezone(LOCAL_TIME).date()
    by_assignment: list[AssignmentProgress] = []
    late_ids: list[int] = []
    for assignment_id in ids:
        a = assignments[assignment_id]
        refs = [e["ref"] for e in a.sample or []]
        counted = fieldwork.progress(attempts[a.id], sample=refs)
        late = _late(a, counted.completed, counted.not_contacted, today)
        if late:
            late_ids.append(a.id)
        group = _group(counted, refs, [s for s in field if s.assignment_id == a.id], a.quota, late)
        point = points.get(a.service_point_id) if a.service_point_id is not None else None
        by_assignment.append(
            AssignmentProgress(
                **group.model_dump(),
                assignment=a.id,
                volunteer=people[a.volunteer_id].username,
                service_point=point.code if point else None,
                ends_on=a.ends_on,
            )
        )
    every = [attempt for found in attempts.values() for attempt in found]
    strata: dict[str, GroupProgress] = {}
    for stratum in sorted({s.stratum or "" for s in field}):
        members = [s for s in field if (s.stratum or "") == stratum]
        refs = [ref_of[s.id] for s in members]
        wanted = set(refs)
        held = [assignments[i] for i in sorted({s.assignment_id for s in members if s.assignment_id is not None})]
        quotas = [a.quota for a in held if a.quota is not None]
        mine = [attempt for attempt in every if attempt.case_ref in wanted]
        late = any(a.id in late_ids for a in held)
        counted = fieldwork.progress(mine, sample=refs)
        strata[stratum] = _group(counted, refs, members, sum(quotas) if quotas else None, late)
    all_quotas = [a.quota for a in assignments.values() if a.quota is not None]
    all_refs = list(ref_of.values())
    in_plan = set(all_refs)
    total = _group(
        fieldwork.progress([attempt for attempt in every if attempt.case_ref in in_plan], sample=all_refs),
        all_refs,
        field,
        sum(all_quotas) if all_quotas else None,
        bool(late_ids),
    )
    return PlanProgress(plan=plan.id, total=total, strata=strata, assignments=by_assignment, late=late_ids)


def _group(
    progress: Progress,
    refs: Sequence[str],
    members: Sequence[SampleUnit],
    quota: int | None,
    late: bool,
) -> GroupProgress:
    return GroupProgress(
        sampled=len(members),
        assigned=sum(1 for s in members if s.assignment_id is not None),
        contacted=len(refs) - progress.not_contacted,
        completed=progress.completed,
        quota=quota,
        late=late,
        progress=progress,
    )


def _late(assignment: Assignment, completed: int, not_contacted: int, today: date) -> bool:
    if assignment.ends_on is None or assignment.ends_on >= today:
        return False
    return completed < assignment.quota if assignment.quota is not None else not_contacted > 0
