"""Changing assignments after they are made: edit or extend the dates, quota and note, end one today,
deactivate or reactivate one, and hand one with its sample list to another volunteer. The same unit scope as
creating them (``service.managed_units``); every change is audit-logged with what it was before."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from survey_api import audit
from survey_api.auth import service as users
from survey_api.collection.service import LOCAL_TIME
from survey_api.db.base import utcnow
from survey_api.db.models import Assignment, User
from survey_api.errors import Conflict, InvalidInput, NotFound
from survey_api.fieldwork.schemas import AssignmentChange
from survey_api.fieldwork.service import VOLUNTEER, managed_units, require_within


def managed_assignment(session: Session, actor: User, assignment_id: int) -> Assignment:
    """Assignment ``assignment_id`` when ``actor`` manages its volunteer (404, 403)."""
    scope = managed_units(session, actor)
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound(f"no assignment {assignment_id}")
    volunteer = session.get(User, assignment.volunteer_id)
    require_within(scope, volunteer.unit_id if volunteer else None, f"assignment {assignment_id}")
    return assignment


def _dated(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def update_assignment(session: Session, actor: User, assignment_id: int, change: AssignmentChange) -> Assignment:
    """Change the fields given (quota, dates, note); 422 when the end would come before the start."""
    assignment = managed_assignment(session, actor, assignment_id)
    given = change.model_dump(include=change.model_fields_set)
    starts_on = given.get("starts_on", assignment.starts_on)
    ends_on = given.get("ends_on", assignment.ends_on)
    if starts_on and ends_on and ends_on < starts_on:
        raise InvalidInput(
            "the assignment would end before it starts",
            errors=[{"item": "ends_on", "problem": "before starts_on", "reason": "end_before_start"}],
        )
    before = {field: _dated(getattr(assignment, field)) for field in given}
    for field, value in given.items():
        setattr(assignment, field, value)
    session.flush()
    after = {field: _dated(value) for field, value in given.items()}
    audit.record(session, actor, "assignment.update", f"assignment {assignment.id}", before=before, after=after)
    return assignment


def end_assignment(session: Session, actor: User, assignment_id: int) -> Assignment:
    """End an assignment today (local day): it leaves the tablet's current list after today."""
    assignment = managed_assignment(session, actor, assignment_id)
    today = utcnow().astimezone(LOCAL_TIME).date()
    if assignment.ends_on is not None and assignment.ends_on <= today:
        return assignment  # ended already
    if assignment.starts_on is not None and assignment.starts_on > today:
        raise Conflict(
            f"assignment {assignment_id} has not started yet; change its dates instead",
            errors=[{"item": "ends_on", "problem": "not started", "reason": "not_started"}],
        )
    before = _dated(assignment.ends_on)
    assignment.ends_on = today
    session.flush()
    audit.record(session, actor, "assignment.end", f"assignment {assignment.id}", before=before, after=_dated(today))
    return assignment


def deactivate_assignment(session: Session, actor: User, assignment_id: int) -> Assignment:
    """Switch an assignment off: it leaves the volunteer's tablet and new submissions for it are refused; what
    was stored stays, and staff pages show it as deactivated. Deactivating it again changes nothing."""
    assignment = managed_assignment(session, actor, assignment_id)
    if assignment.deactivated_at is None:
        assignment.deactivated_at = utcnow()
        session.flush()
        audit.record(session, actor, "assignment.deactivate", f"assignment {assignment.id}")
    return assignment


def reactivate_assignment(session: Session, actor: User, assignment_id: int) -> Assignment:
    """Switch a deactivated assignment back on (its dates, quota and sample list as they were)."""
    assignment = managed_assignment(session, actor, assignment_id)
    if assignment.deactivated_at is not None:
        before = _dated(assignment.deactivated_at)
        assignment.deactivated_at = None
        session.flush()
        audit.record(session, actor, "assignment.reactivate", f"assignment {assignment.id}", before=before)
    return assignment


def reassign(session: Session, actor: User, assignment_id: int, volunteer: str) -> Assignment:
    """Give an assignment and its sample list to another volunteer of the units ``actor`` manages.

    The attempts and interviews already stored stay the first volunteer's; from now on only the new one can
    record against the assignment (its sample's design links keep pointing at the same assignment)."""
    assignment = managed_assignment(session, actor, assignment_id)
    scope = managed_units(session, actor)
    new = users.user_by_username(session, volunteer)
    if new is None or new.role != VOLUNTEER or not new.active:
        raise InvalidInput(
            f"no active volunteer {volunteer!r}",
            errors=[{"item": "volunteer", "problem": "not an active volunteer", "reason": "no_active_volunteer"}],
        )
    require_within(scope, new.unit_id, f"volunteer {new.username}")
    if new.id == assignment.volunteer_id:
        return assignment
    previous = session.get(User, assignment.volunteer_id)
    assignment.volunteer_id = new.id
    session.flush()
    audit.record(
        session,
        actor,
        "assignment.reassign",
        f"assignment {assignment.id}",
        before=previous.username if previous else None,
        after=new.username,
    )
    return assignment
