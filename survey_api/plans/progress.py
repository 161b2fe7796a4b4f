"""A plan's fieldwork progress: per assignment, per stratum and for the plan (AAPOR RR1/RR3)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy.orm import Session

from survey_api.collection.service import LOCAL_TIME
from survey_api.db.base import utcnow
from survey_api.db.models import (
    ContactAttempt,
    SampleUnit,
    User,
)
from survey_api.fieldwork import records as fieldwork_records
from survey_api.fieldwork import service as fieldwork
from survey_api.fieldwork.lateness import is_late
from survey_api.fieldwork.schemas import Progress
from survey_api.plans import repository
from survey_api.plans.assigning import in_field
from survey_api.plans.schemas import (
    AssignmentProgress,
    GroupProgress,
    PlanProgress,
)
from survey_api.plans.service import (
    design_of,
    drawn_seed,
    get_plan,
)


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
    for attempt in fieldwork_records.attempts_of(session, ids):
        assert attempt.assignment_id is not None
        attempts[attempt.assignment_id].append(attempt)
    people = fieldwork_records.users_by_id(session, {a.volunteer_id for a in assignments.values()})
    points = fieldwork_records.service_points_by_id(
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
