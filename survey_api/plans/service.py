"""Rules for sampling plans: frames, the draw stage by stage and its check, assignment and progress.

A plan is a draft until its first stage is drawn. The draw goes down the stages as far as their frames
are uploaded; a later stage's frame may be uploaded after the stages above are drawn (a listing of the drawn
units' children, e.g. the households of the drawn villages): the plan is then ``listing`` until that stage is
drawn, and ``drawn`` once every stage is. Uploading a stage's frame replaces it and removes the frames of the
later stages. A drawn stage's frame never changes, except that the children of drawn units that have none
listed yet (a replacement's) may be added: they are drawn at once. The stored frames, design and seed
reproduce every drawn unit (:func:`redraw_check`).
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from sampling import SamplingError
from survey_api import audit
from survey_api.collection.service import LOCAL_TIME
from survey_api.db.base import utcnow
from survey_api.db.models import (
    ContactAttempt,
    FrameUnit,
    Instrument,
    OrgUnit,
    SampleUnit,
    SamplingPlan,
    User,
)
from survey_api.errors import Conflict, Forbidden, InvalidInput, NotFound
from survey_api.fieldwork import repository as fieldwork_repository
from survey_api.fieldwork import service as fieldwork
from survey_api.fieldwork.schemas import AssignmentIn, AssignmentOut, Progress, SampleEntry
from survey_api.instruments import repository as instruments
from survey_api.plans import check, frames, repository
from survey_api.plans.draw import Drawn, Unit, draw_group, group_size, is_certain, key_of, sizing, spread
from survey_api.plans.schemas import (
    AssignIn,
    AssignmentProgress,
    Design,
    FrameOut,
    GroupProgress,
    PlanIn,
    PlanListItem,
    PlanOut,
    PlanProgress,
    RedrawCheck,
    SampleOut,
    SampleUnitOut,
    SizeOut,
    StageStatus,
)
from survey_api.plans.tree import DROPPED, REPLACED, Tree
from survey_api.units.repository import unit_by_code
from survey_api.units.scope import visible_units

DRAFT, LISTING, DRAWN = "draft", "listing", "drawn"
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


def list_plans(session: Session, actor: User) -> list[PlanListItem]:
    """The plans the actor may see (as :func:`get_plan`), newest first."""
    query = (
        select(SamplingPlan, Instrument.code, OrgUnit.code, OrgUnit.name)
        .join(Instrument, Instrument.id == SamplingPlan.instrument_id)
        .outerjoin(OrgUnit, OrgUnit.id == SamplingPlan.unit_id)
        .order_by(SamplingPlan.id.desc())
    )
    scope = visible_units(session, actor)
    if scope is not None:
        query = query.where(SamplingPlan.unit_id.in_(scope))
    return [
        PlanListItem(
            id=plan.id,
            name=plan.name,
            instrument=instrument,
            unit=unit,
            unit_name=unit_name,
            status=plan.status,
            drawn_at=plan.drawn_at,
        )
        for plan, instrument, unit, unit_name in session.execute(query)
    ]


def get_plan(session: Session, actor: User, plan_id: int) -> SamplingPlan:
    """A plan the actor may see: admins and analysts all, a unit manager those of their units."""
    plan = session.get(SamplingPlan, plan_id)
    if plan is None:
        raise NotFound(f"no sampling plan {plan_id}")
    scope = visible_units(session, actor)
    if scope is not None and plan.unit_id not in scope:
        raise Forbidden(f"sampling plan {plan_id} belongs to another unit; you can see only your own units")
    return plan


def locked_plan(session: Session, actor: User, plan_id: int) -> SamplingPlan:
    """A plan the actor may see, locked against concurrent draws, uploads and replacements."""
    get_plan(session, actor, plan_id)
    plan = repository.plan_for_update(session, plan_id)
    assert plan is not None
    return plan


def design_of(plan: SamplingPlan) -> Design:
    """The plan's validated design."""
    return Design.model_validate(plan.design)


def tree_of(session: Session, plan: SamplingPlan) -> Tree:
    """The plan's stored sample with its frame rows."""
    return Tree(repository.sample(session, plan.id), repository.frame_units_by_id(session, plan.id))


def plan_out(session: Session, plan: SamplingPlan) -> PlanOut:
    """The public view of a plan, with where each stage stands."""
    unit = fieldwork_repository.units_by_id(session, {plan.unit_id} if plan.unit_id is not None else set())
    found = session.get(Instrument, plan.instrument_id)
    design = design_of(plan)
    counts = repository.frame_counts(session, plan.id)
    tree = tree_of(session, plan)
    return PlanOut(
        id=plan.id,
        name=plan.name,
        instrument=found.code if found else "",
        unit=unit[plan.unit_id].code if plan.unit_id in unit else None,
        status=plan.status,
        design=design,
        frames=counts,
        drawn_stages=tree.drawn_stages,
        stages=[
            _stage_status(session, plan, design, tree, stage, counts.get(stage, 0))
            for stage in range(len(design.stages))
        ],
        sizing=SizeOut.model_validate(plan.sizing) if plan.sizing else None,
        seed=plan.seed,
        created_at=plan.created_at,
        drawn_at=plan.drawn_at,
    )


def _stage_status(
    session: Session, plan: SamplingPlan, design: Design, tree: Tree, stage: int, rows: int
) -> StageStatus:
    units = [u for u in tree.units if u.stage == stage]
    held = [u for u in units if Tree.in_sample(u)]
    certain = sum(1 for u in held if _certainty(u))
    return StageStatus(
        stage=stage,
        name=design.stages[stage].name,
        method=design.stages[stage].method,
        frame_rows=rows,
        drawn=bool(units),
        in_sample=len(held),
        certainty=certain,
        by_chance=len(held) - certain,
        reserve=sum(1 for u in units if u.role == "replacement" and u.replaces_id is None and u.status != DROPPED),
        replaced=sum(1 for u in units if u.status == REPLACED),
        dropped=sum(1 for u in units if u.status == DROPPED),
        awaiting_listing=_awaiting(session, plan, tree, stage),
    )


def _certainty(unit: SampleUnit) -> bool:
    return unit.role == "selected" and unit.stage_probability >= 1.0


def _awaiting(session: Session, plan: SamplingPlan, tree: Tree, stage: int) -> list[str]:
    """Refs of the stage above's units in the sample with no unit listed under them (when that stage is drawn)."""
    if stage == 0 or stage - 1 not in tree.drawn_stages:
        return []
    listed = repository.listed_parents(session, plan.id, stage)
    return [tree.ref(u) for u in tree.in_stage(stage - 1) if tree.ref(u) not in listed]


def upload_frame(
    session: Session, actor: User, plan_id: int, stage: int, data: bytes, filename: str | None
) -> FrameOut:
    """Check every row of a stage's frame file and store it whole, or raise with every row error.

    Once the stage above is drawn, rows may name only its units in the sample. A drawn stage's frame cannot
    change (409), but may receive the units of drawn parents with none listed yet, which are drawn at once.
    """
    plan = locked_plan(session, actor, plan_id)
    design = design_of(plan)
    if not 0 <= stage < len(design.stages):
        raise InvalidInput(f"the design has stages 0 to {len(design.stages) - 1}; no stage {stage}")
    spec = design.stages[stage]
    tree = tree_of(session, plan)
    drawn = tree.drawn_stages
    adding = stage in drawn
    parents: dict[str, str | None] | None = None
    refused: dict[str, str] = {}
    taken: set[str] = set()
    if adding:
        waiting = set(_awaiting(session, plan, tree, stage))
        if not waiting:
            extra = " (units may be added only under drawn units with none listed, and there is none)" if stage else ""
            raise Conflict(
                f"stage {stage} ({spec.name}) is drawn already: its frame cannot change{extra}; "
                "make a new plan to start again"
            )
        parents = {tree.ref(u): u.stratum for u in tree.in_stage(stage - 1) if tree.ref(u) in waiting}
        refused = {
            ref: f"{ref!r} has its units listed and drawn already; list only the units of {', '.join(sorted(waiting))}"
            for ref in (u.ref for u in repository.frame(session, plan.id, stage - 1))
            if ref not in parents
        }
        taken = {u.ref for u in repository.frame(session, plan.id, stage)}
    elif stage > 0:
        above = repository.frame(session, plan.id, stage - 1)
        if not above:
            raise InvalidInput(f"upload the frame of stage {stage - 1} first: its units are this stage's parents")
        if stage - 1 in drawn:
            parents = {tree.ref(u): u.stratum for u in tree.in_stage(stage - 1)}
            refused = {
                u.ref: f"{u.ref!r} is not in the sample of stage {stage - 1}; list only the units under drawn ones"
                for u in above
                if u.ref not in parents
            }
        else:
            parents = {u.ref: u.stratum for u in above}
    header, records = frames.read_table(data, filename)
    rows = frames.check_frame(
        header,
        records,
        stage=stage,
        stratum_column=design.stratum_column,
        size_column=spec.size_column,
        size_required=spec.method == "pps" or bool(spec.certainty and spec.certainty.min_size is not None),
        parents=parents,
        refused=refused,
        flag_column=spec.certainty.column if spec.certainty else None,
        taken_refs=taken,
    )
    if not adding:
        for later in range(stage, len(design.stages)):
            repository.delete_frame(session, plan.id, later)
    added = [
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
    ]
    session.add_all(added)
    session.flush()
    drawn_now = 0
    if adding:
        assert plan.seed is not None
        tree.frame_units.update({u.id: u for u in added})
        listed = {r.parent_ref for r in rows}
        waiting_units = [u for u in tree.in_stage(stage - 1) if tree.ref(u) in listed]
        drawn_now = len(draw_below(session, plan, design, tree, waiting_units))
    audit.record(session, actor, "plan.frame", f"plan {plan.id}", stage=stage, rows=len(rows), drawn=drawn_now)
    strata: dict[str, int] = defaultdict(int)
    for r in rows:
        strata[r.stratum or ""] += 1
    return FrameOut(plan=plan.id, stage=stage, rows=len(rows), strata=dict(sorted(strata.items())))


def stage_units(session: Session, plan: SamplingPlan, design: Design, stage: int) -> list[Unit]:
    """A stage's frame as the draw sees it, in file order (empty when not uploaded)."""
    spec = design.stages[stage]
    return [
        Unit(u.id, u.ref, u.stratum, u.parent_ref, u.size, is_certain(spec, u.size, u.attributes))
        for u in repository.frame(session, plan.id, stage)
    ]


def plan_size(session: Session, actor: User, plan_id: int) -> SizeOut | None:
    """The sample size and allocation the design's target gives on the uploaded last-stage frame."""
    plan = get_plan(session, actor, plan_id)
    if plan.sizing:
        return SizeOut.model_validate(plan.sizing)
    design = design_of(plan)
    last = len(design.stages) - 1
    units = stage_units(session, plan, design, last)
    if not units:
        raise InvalidInput(f"stage {last} ({design.stages[last].name}) has no frame yet: upload it first")
    return _sizing(design, units)


def _sizing(design: Design, final_units: Sequence[Unit]) -> SizeOut | None:
    try:
        return sizing(design, final_units)
    except SamplingError as exc:
        raise InvalidInput(f"the sample size cannot be set: {exc}") from None


# --- the draw ------------------------------------------------------------------------------------


def draw_plan(session: Session, actor: User, plan_id: int, seed: int | None) -> SampleOut:
    """Draw the stages not drawn yet, as far as their frames are uploaded; 409 when every stage is drawn.

    The first draw stores ``seed`` (default: a fresh random one); later stages are drawn from the stored seed.
    """
    plan = locked_plan(session, actor, plan_id)
    design = design_of(plan)
    tree = tree_of(session, plan)
    first = len(tree.drawn_stages)
    if first == len(design.stages):
        raise Conflict(f"sampling plan {plan_id} is drawn already and cannot change; make a new plan")
    if plan.seed is not None and seed is not None and seed != plan.seed:
        raise Conflict(
            f"stages 0 to {first - 1} were drawn with seed {plan.seed}; "
            "the later stages are drawn from it: leave seed out"
        )
    seed = plan.seed if plan.seed is not None else secrets.randbits(63) if seed is None else seed
    plan.seed = seed
    made: list[SampleUnit] = []
    for stage in range(first, len(design.stages)):
        spec = design.stages[stage]
        units = stage_units(session, plan, design, stage)
        if not units:
            if stage == first:
                what = "its frame" if stage == 0 else f"the listing of the {spec.name} units under the drawn units"
                raise InvalidInput(f"stage {stage} ({spec.name}) has no frame yet: upload {what} first")
            break
        if stage == len(design.stages) - 1:
            size = _sizing(design, units)
            plan.sizing = size.model_dump(mode="json") if size else None
        new = _draw_stage(session, plan, design, tree, stage, units)
        if not any(u.role == "selected" for u in new):
            raise InvalidInput(
                f"stage {stage} ({spec.name}) selects no unit: its frame lists no unit under the drawn units"
            )
        made += new
    drawn = len(tree.drawn_stages)
    plan.status = DRAWN if drawn == len(design.stages) else LISTING
    plan.drawn_at = plan.drawn_at or utcnow()
    session.flush()
    audit.record(
        session, actor, "plan.draw", f"plan {plan.id}", seed=seed, stages=list(range(first, drawn)), units=len(made)
    )
    return sample_out(session, plan)


def _draw_stage(
    session: Session, plan: SamplingPlan, design: Design, tree: Tree, stage: int, units: Sequence[Unit]
) -> list[SampleUnit]:
    """Draw every group of a stage: each stratum at the first stage, each unit in the sample above later."""
    assert plan.seed is not None
    size = SizeOut.model_validate(plan.sizing) if plan.sizing else None
    allocation = size.allocation if size else None
    if stage == 0:
        strata: dict[str, list[Unit]] = defaultdict(list)
        for unit in units:
            strata[key_of(unit.stratum)].append(unit)
        drawn = [
            d
            for h in sorted(strata)
            for d in _run(design, 0, h, strata[h], group_size(design, 0, h, allocation, {}), 1.0, plan.seed)
        ]
        return _store(session, plan, tree, drawn)
    parents = tree.in_stage(stage - 1)
    children: dict[str, list[Unit]] = defaultdict(list)
    for unit in units:
        children[unit.parent_ref or ""].append(unit)
    if size is not None and design.stages[stage].n is None:
        shares = spread(size.allocation, [(tree.ref(p), p.stratum, len(children[tree.ref(p)])) for p in parents])
        plan.sizing = size.model_copy(update={"shares": shares}).model_dump(mode="json")
    return _draw_groups(session, plan, design, tree, stage, parents, children)


def _draw_groups(
    session: Session,
    plan: SamplingPlan,
    design: Design,
    tree: Tree,
    stage: int,
    parents: Sequence[SampleUnit],
    children: dict[str, list[Unit]],
) -> list[SampleUnit]:
    assert plan.seed is not None
    size = SizeOut.model_validate(plan.sizing) if plan.sizing else None
    allocation, shares = (size.allocation, size.shares) if size else (None, {})
    drawn: list[Drawn] = []
    for parent in parents:
        key = tree.ref(parent)
        n = group_size(design, stage, key, allocation, shares)
        drawn += _run(design, stage, key, children.get(key, []), n, parent.inclusion_probability, plan.seed)
    return _store(session, plan, tree, drawn)


def draw_below(
    session: Session, plan: SamplingPlan, design: Design, tree: Tree, parents: Sequence[SampleUnit]
) -> list[SampleUnit]:
    """Draw, under units just put in the sample, every drawn stage below them (from their listed children)."""
    made: list[SampleUnit] = []
    drawn = set(tree.drawn_stages)
    while parents and parents[0].stage + 1 in drawn:
        stage = parents[0].stage + 1
        children: dict[str, list[Unit]] = defaultdict(list)
        wanted = {tree.ref(p) for p in parents}
        for unit in stage_units(session, plan, design, stage):
            if unit.parent_ref in wanted:
                children[unit.parent_ref or ""].append(unit)
        new = _draw_groups(session, plan, design, tree, stage, parents, children)
        made += new
        parents = [u for u in new if u.role == "selected"]
    return made


def _run(
    design: Design, stage: int, key: str, members: Sequence[Unit], n: int, parent_pi: float, seed: int
) -> list[Drawn]:
    try:
        return draw_group(design, stage, key, members, n, parent_pi, seed)
    except SamplingError as exc:
        raise InvalidInput(f"the sample cannot be drawn: {exc}") from None


def _store(session: Session, plan: SamplingPlan, tree: Tree, drawn: Sequence[Drawn]) -> list[SampleUnit]:
    rows = [
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
    ]
    session.add_all(rows)
    session.flush()
    tree.add(rows)
    return rows


def drawn_seed(plan: SamplingPlan) -> int:
    """The plan's seed; 409 while nothing is drawn."""
    if plan.status == DRAFT or plan.seed is None:
        raise Conflict(f"sampling plan {plan.id} is not drawn yet")
    return plan.seed


def sample_out(session: Session, plan: SamplingPlan) -> SampleOut:
    """Every drawn unit with its stage and overall inclusion probabilities."""
    seed = drawn_seed(plan)
    found = repository.sample(session, plan.id)
    frame_units = repository.frame_units_by_id(session, plan.id)
    return SampleOut(plan=plan.id, seed=seed, units=units_out(found, found, frame_units))


def units_out(
    shown: Sequence[SampleUnit], found: Sequence[SampleUnit], frame_units: dict[int, FrameUnit]
) -> list[SampleUnitOut]:
    """The public view of ``shown`` (``found``: the plan's sample, which names the replaced units)."""
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
                certainty=_certainty(s),
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
    """Draw every stored group again from the stored frames, design and seed and compare with the sample."""
    plan = get_plan(session, actor, plan_id)
    seed = drawn_seed(plan)
    design = design_of(plan)
    tree = tree_of(session, plan)
    units = [stage_units(session, plan, design, stage) for stage in range(len(design.stages))]
    size = SizeOut.model_validate(plan.sizing) if plan.sizing else None
    try:
        differences = check.differences(design, seed, units, tree, size)
    except SamplingError as exc:
        differences = [f"the sample cannot be drawn again: {exc}"]
    return RedrawCheck(seed=seed, identical=not differences, units=len(tree.units), differences=differences[:20])


# --- assignment ----------------------------------------------------------------------------------


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


# --- progress ------------------------------------------------------------------------------------


def plan_progress(session: Session, actor: User, plan_id: int) -> PlanProgress:
    """Progress by stratum and by assignment: sampled, contacted, completed, quota, outcomes, RR1, RR3, late."""
    plan = get_plan(session, actor, plan_id)
    drawn_seed(plan)
    last = len(design_of(plan).stages) - 1
    frame_units = repository.frame_units_by_id(session, plan.id)
    field = [s for s in repository.sample(session, plan.id) if in_field(s, last)]
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
        late = is_late(a.ends_on, a.quota, counted.completed, counted.not_contacted, today)
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


def is_late(ends_on: date | None, quota: int | None, completed: int, not_contacted: int, today: date) -> bool:
    """Past its end date with work left: the quota not met, or (without a quota) entries not contacted."""
    if ends_on is None or ends_on >= today:
        return False
    return completed < quota if quota is not None else not_contacted > 0
