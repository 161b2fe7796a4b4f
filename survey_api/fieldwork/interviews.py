"""Which assignment an interview belongs to: the interviewer's own, and an entry of its sample list.

Kept apart from ``fieldwork.service`` (which submits through collection) so that collection may ask it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from survey_api.db.models import Assignment
from survey_api.errors import InvalidInput, Unauthorized


def interviewer_assignment(session: Session, assignment_id: int, interviewer_id: int | None) -> Assignment:
    """Assignment ``assignment_id`` when it is the interviewer's and active; raises :class:`InvalidInput` when
    it is not theirs or a manager deactivated it (reason ``assignment_deactivated``), :class:`Unauthorized`
    without an interviewer."""
    if interviewer_id is None:
        raise Unauthorized(
            "a response for an assignment needs the volunteer's API token: send `Authorization: Bearer <token>`"
        )
    assignment = session.get(Assignment, assignment_id)
    if assignment is None or assignment.volunteer_id != interviewer_id:
        raise InvalidInput(
            f"assignment {assignment_id} is not one of yours",
            errors=[{"item": "assignment", "problem": "not assigned to you"}],
        )
    if assignment.deactivated_at is not None:
        raise InvalidInput(
            f"assignment {assignment_id} was deactivated by its manager: nothing more is accepted for it; "
            "ask your manager to reactivate it or to give you another one",
            errors=[{"item": "assignment", "problem": "deactivated", "reason": "assignment_deactivated"}],
        )
    return assignment


def check_case(assignment: Assignment, case_ref: str) -> None:
    """Raise :class:`InvalidInput` unless ``case_ref`` is an entry of the assignment's sample list."""
    refs = {entry["ref"] for entry in assignment.sample or []}
    if case_ref not in refs:
        problem = (
            f"{case_ref!r} is not in the sample list of assignment {assignment.id}; pick an entry of the list"
            if refs
            else f"assignment {assignment.id} has no sample list; leave case_ref out"
        )
        raise InvalidInput(f"case_ref: {problem}", errors=[{"item": "case_ref", "problem": problem}])
