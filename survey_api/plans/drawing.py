"""The draw of a plan stage by stage, its stored sample and the check that draws it again."""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from sampling import SamplingError
from survey_api import audit
from survey_api.db.base import utcnow
from survey_api.db.models import (
    FrameUnit,
    SampleUnit,
    SamplingPlan,
    User,
)
from survey_api.errors import Conflict, InvalidInput
from survey_api.plans import check, repository
from survey_api.plans.draw import Drawn, Unit, draw_group, group_size, is_certain, key_of, sizing, spread
from survey_api.plans.schemas import (
    Design,
    RedrawCheck,
    SampleOut,
    SampleUnitOut,
    SizeOut,
)
from survey_api.plans.service import (
    DRAWN,
    LISTING,
    design_of,
    drawn_seed,
    get_plan,
    is_certainty,
    locked_plan,
    tree_of,
)
from survey_api.plans.tree import Tree


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


def sample_out(session: Session, plan: SamplingPlan) -> SampleOut:
    """Every drawn unit with its stage and overall inclusion probabilities."""
    seed = drawn_seed(plan)
    found = repository.sample(session, plan.id)
    frame_units = repository.frame_units_by_id(session, plan.id)
    return SampleOut(plan=plan.id, seed=seed, units=units_out(found, found, frame_units))


@dataclass(frozen=True)
class _UnitView:
    """A drawn unit as :class:`SampleUnitOut` reads it: its sample row, its frame row, whom it replaces."""

    unit: SampleUnit
    frame: FrameUnit
    replaces: str | None

    def __getattr__(self, name: str) -> object:  # stage, stratum, probabilities, order, status, reason
        return getattr(self.unit, name)

    @property
    def ref(self) -> str:
        return self.frame.ref

    @property
    def label(self) -> str | None:
        return self.frame.label

    @property
    def parent(self) -> str | None:
        return self.frame.parent_ref

    @property
    def weight(self) -> float:
        return 1.0 / self.unit.inclusion_probability

    @property
    def certainty(self) -> bool:
        return is_certainty(self.unit)

    @property
    def role(self) -> str:
        return "selected" if self.unit.role == "selected" else "replacement"

    @property
    def assignment(self) -> int | None:
        return self.unit.assignment_id


def units_out(
    shown: Sequence[SampleUnit], found: Sequence[SampleUnit], frame_units: dict[int, FrameUnit]
) -> list[SampleUnitOut]:
    """The public view of ``shown`` (``found``: the plan's sample, which names the replaced units)."""
    refs = {s.id: frame_units[s.frame_unit_id].ref for s in found}
    return [
        SampleUnitOut.model_validate(
            _UnitView(s, frame_units[s.frame_unit_id], refs.get(s.replaces_id) if s.replaces_id is not None else None),
            from_attributes=True,
        )
        for s in shown
    ]


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
