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

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_api import audit
from survey_api.db.models import (
    Instrument,
    OrgUnit,
    SampleUnit,
    SamplingPlan,
    User,
)
from survey_api.errors import Conflict, Forbidden, InvalidInput, NotFound
from survey_api.fieldwork import records as fieldwork_records
from survey_api.instruments import service as instruments
from survey_api.plans import repository
from survey_api.plans.schemas import (
    Design,
    PlanIn,
    PlanListItem,
    PlanOut,
    SizeOut,
    StageStatus,
)
from survey_api.plans.tree import DROPPED, REPLACED, Tree
from survey_api.units.service import unit_by_code, visible_units

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


@dataclass(frozen=True)
class _PlanView:
    """A plan as :class:`PlanOut` reads it: the stored row, and what is worked out from its frames and sample."""

    plan: SamplingPlan
    instrument: str
    unit: str | None
    design: Design
    frames: dict[int, int]
    drawn_stages: list[int]
    stages: list[StageStatus]

    def __getattr__(self, name: str) -> object:  # id, name, status, seed, created_at, drawn_at
        return getattr(self.plan, name)

    @property
    def sizing(self) -> SizeOut | None:
        return SizeOut.model_validate(self.plan.sizing) if self.plan.sizing else None


def plan_out(session: Session, plan: SamplingPlan) -> PlanOut:
    """The public view of a plan, with where each stage stands."""
    unit = fieldwork_records.units_by_id(session, {plan.unit_id} if plan.unit_id is not None else set())
    found = session.get(Instrument, plan.instrument_id)
    design = design_of(plan)
    counts = repository.frame_counts(session, plan.id)
    tree = tree_of(session, plan)
    view = _PlanView(
        plan,
        instrument=found.code if found else "",
        unit=unit[plan.unit_id].code if plan.unit_id in unit else None,
        design=design,
        frames=counts,
        drawn_stages=tree.drawn_stages,
        stages=[
            _stage_status(session, plan, design, tree, stage, counts.get(stage, 0))
            for stage in range(len(design.stages))
        ],
    )
    return PlanOut.model_validate(view, from_attributes=True)


def _stage_status(
    session: Session, plan: SamplingPlan, design: Design, tree: Tree, stage: int, rows: int
) -> StageStatus:
    units = [u for u in tree.units if u.stage == stage]
    held = [u for u in units if Tree.in_sample(u)]
    certain = sum(1 for u in held if is_certainty(u))
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
        awaiting_listing=awaiting_listing(session, plan, tree, stage),
    )


def is_certainty(unit: SampleUnit) -> bool:
    """A unit selected with certainty (stage probability 1)."""
    return unit.role == "selected" and unit.stage_probability >= 1.0


def awaiting_listing(session: Session, plan: SamplingPlan, tree: Tree, stage: int) -> list[str]:
    """Refs of the stage above's units in the sample with no unit listed under them (when that stage is drawn)."""
    if stage == 0 or stage - 1 not in tree.drawn_stages:
        return []
    listed = repository.listed_parents(session, plan.id, stage)
    return [tree.ref(u) for u in tree.in_stage(stage - 1) if tree.ref(u) not in listed]


def drawn_seed(plan: SamplingPlan) -> int:
    """The plan's seed; 409 while nothing is drawn."""
    if plan.status == DRAFT or plan.seed is None:
        raise Conflict(f"sampling plan {plan.id} is not drawn yet")
    return plan.seed
