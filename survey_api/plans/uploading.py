"""A stage's frame file uploaded into a plan, and the sample size a plan's sizing gives."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.orm import Session

from survey_api import audit
from survey_api.db.models import (
    FrameUnit,
    User,
)
from survey_api.errors import Conflict, InvalidInput
from survey_api.plans import frames, repository
from survey_api.plans.drawing import draw_below
from survey_api.plans.schemas import (
    FrameOut,
)
from survey_api.plans.service import (
    awaiting_listing,
    design_of,
    locked_plan,
    tree_of,
)
from survey_api.tabular import read_table


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
        waiting = set(awaiting_listing(session, plan, tree, stage))
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
    header, records = read_table(data, filename).padded()
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
