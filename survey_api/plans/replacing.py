"""Replacing a drawn unit at any stage by the next reserve unit of its group.

The replaced unit's descendants are dropped (and leave their assignments' sample lists); the replacement
takes the replaced unit's stage probability (see ``draw.py``) and the stages below it that are drawn are
drawn under it at once, from its listed children (those not listed yet wait for their listing). A unit
whose descendants (or itself, at the last stage) have a completed interview cannot be replaced.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from survey_api import audit
from survey_api.db.models import Assignment, SampleUnit, SamplingPlan, User
from survey_api.errors import Conflict, InvalidInput, NotFound
from survey_api.fieldwork import records as fieldwork_records
from survey_api.plans import repository
from survey_api.plans.assigning import entry
from survey_api.plans.drawing import draw_below, units_out
from survey_api.plans.schemas import Design, ReplaceIn, SampleUnitOut, SizeOut
from survey_api.plans.service import design_of, drawn_seed, locked_plan, tree_of
from survey_api.plans.tree import DROPPED, REPLACED, Tree


def replace(session: Session, actor: User, plan_id: int, payload: ReplaceIn) -> SampleUnitOut:
    """Mark a unit replaced (with its reason), release the next reserve unit of its group, redraw below it.

    At the last stage the replacement joins the replaced unit's assignment. 409: the unit is replaced or
    dropped already, has completed interviews, or its group has no reserve unit left.
    """
    plan = locked_plan(session, actor, plan_id)
    drawn_seed(plan)
    design = design_of(plan)
    tree = tree_of(session, plan)
    unit = _find(tree, payload)
    if unit.status == REPLACED:
        raise Conflict(f"{payload.ref!r} is replaced already")
    if unit.status == DROPPED:
        raise Conflict(f"{payload.ref!r} was dropped with a replaced unit above it; it cannot be replaced")
    _refuse_completed(session, tree, design, unit)
    reserve = sorted(
        (u for u in tree.group(unit) if u.role == "replacement" and u.replaces_id is None and u.status != DROPPED),
        key=lambda u: u.selection_order,
    )
    if not reserve:
        parent = tree.parent_ref(unit)
        where = f"parent {parent!r}" if parent is not None else f"stratum {unit.stratum!r}"
        raise Conflict(f"no replacement is left for {payload.ref!r} in its group ({where})")
    chosen = reserve[0]
    unit.status, unit.replaced_reason = REPLACED, payload.reason
    chosen.replaces_id = unit.id
    chosen.stage_probability, chosen.inclusion_probability = unit.stage_probability, unit.inclusion_probability
    dropped = _drop(session, tree, unit)
    if unit.assignment_id is not None:
        assignment = session.get(Assignment, unit.assignment_id)
        assert assignment is not None
        assignment.sample = [*(assignment.sample or []), entry(tree.frame_units[chosen.frame_unit_id]).model_dump()]
        chosen.status, chosen.assignment_id = "assigned", assignment.id
    _inherit_share(plan, design, replaced=tree.ref(unit), replacement=tree.ref(chosen))
    session.flush()
    redrawn = draw_below(session, plan, design, tree, [chosen])
    audit.record(
        session,
        actor,
        "plan.replace",
        f"plan {plan.id}",
        stage=unit.stage,
        ref=payload.ref,
        reason=payload.reason,
        note=payload.note,
        replacement=tree.ref(chosen),
        dropped=len(dropped),
        redrawn=len(redrawn),
    )
    return units_out([chosen], tree.units, tree.frame_units)[0]


def _find(tree: Tree, payload: ReplaceIn) -> SampleUnit:
    named = [u for u in tree.units if tree.ref(u) == payload.ref and payload.stage in (None, u.stage)]
    stages = sorted({u.stage for u in named})
    if len(stages) > 1:
        raise InvalidInput(
            f"{payload.ref!r} is drawn at stages {', '.join(map(str, stages))}: say which with stage",
            errors=[{"item": "stage", "problem": "needed: the ref is drawn at several stages"}],
        )
    released = [u for u in named if u.role == "selected" or u.replaces_id is not None]
    if not released:
        raise NotFound(f"{payload.ref!r} is not a unit of the sample in the field")
    return released[0]


def _refuse_completed(session: Session, tree: Tree, design: Design, unit: SampleUnit) -> None:
    last = len(design.stages) - 1
    finals = [u for u in [unit, *tree.descendants(unit)] if u.stage == last and u.assignment_id is not None]
    if not finals:
        return
    refs = {tree.ref(u) for u in finals}
    attempts = fieldwork_records.attempts_of(session, {u.assignment_id for u in finals if u.assignment_id})
    done = sorted({a.case_ref for a in attempts if a.outcome == "completed" and a.case_ref in refs})
    if done:
        shown = ", ".join(repr(r) for r in done[:10]) + (" …" if len(done) > 10 else "")
        raise Conflict(
            f"{tree.ref(unit)!r} cannot be replaced: {len(done)} completed interviews are recorded for it ({shown})"
        )


def _drop(session: Session, tree: Tree, unit: SampleUnit) -> Sequence[SampleUnit]:
    """Drop every unit below ``unit`` and take the dropped ones off their assignments' sample lists."""
    below = tree.descendants(unit)
    by_assignment: dict[int, set[str]] = {}
    for u in below:
        if u.status != REPLACED:
            u.status = DROPPED
        if u.assignment_id is not None:
            by_assignment.setdefault(u.assignment_id, set()).add(tree.ref(u))
    for assignment in repository.assignments_by_id(session, list(by_assignment)).values():
        gone = by_assignment[assignment.id]
        assignment.sample = [e for e in assignment.sample or [] if e["ref"] not in gone]
    return below


def _inherit_share(plan: SamplingPlan, design: Design, replaced: str, replacement: str) -> None:
    """With a target, a replacement parent of the last stage gets the share of the unit it replaces."""
    if not plan.sizing or design.stages[-1].n is not None:
        return
    size = SizeOut.model_validate(plan.sizing)
    if replaced in size.shares:
        shares = {**size.shares, replacement: size.shares[replaced]}
        plan.sizing = size.model_copy(update={"shares": shares}).model_dump(mode="json")
