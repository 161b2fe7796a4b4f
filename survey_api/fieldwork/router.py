"""HTTP endpoints for volunteers, assignments and the tablet's batch sync."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from sqlalchemy.orm import Session, sessionmaker

from survey_api.db.models import User
from survey_api.deps import CurrentUser, SessionDep, require_roles
from survey_api.fieldwork import editing, service
from survey_api.fieldwork.schemas import (
    MAX_BATCH,
    AssignmentChange,
    AssignmentIn,
    AssignmentOut,
    AttemptBatch,
    BatchResult,
    MyAssignments,
    ReassignIn,
    ResponseBatch,
    VolunteerIn,
    VolunteerOut,
)
from survey_api.params import IdPath
from survey_api.routing import CommittingRoute

router = APIRouter(prefix="/api/v1", tags=["fieldwork"], route_class=CommittingRoute)

Manager = Annotated[User, Depends(require_roles("admin", "unit_manager"))]
Volunteer = Annotated[User, Depends(require_roles("volunteer"))]


def _sessionmaker(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    return factory


Sessions = Annotated[sessionmaker[Session], Depends(_sessionmaker)]

# The batches' item lists, by path: the request limits leave their items to the service, which answers a bad
# one as `invalid` without failing the rest (survey_api/limits.py).
BATCH_ITEM_LISTS = {"/api/v1/responses/batch": "responses", "/api/v1/contact-attempts/batch": "attempts"}

_BATCH_RESPONSES: dict[int | str, dict[str, str]] = {
    401: {"description": "No valid token"},
    403: {"description": "Not a volunteer"},
    413: {"description": f"More than {MAX_BATCH} items"},
    422: {"description": "The body is not JSON or has no list of items"},
}


@router.post("/volunteers", response_model=VolunteerOut, status_code=status.HTTP_201_CREATED)
def create_volunteer(payload: VolunteerIn, session: SessionDep, actor: Manager) -> VolunteerOut:
    """Create a volunteer account (admin, or a unit manager within their unit)."""
    user = service.create_volunteer(session, actor, payload)
    return service.volunteers_out(session, [user])[0]


@router.get("/volunteers", response_model=list[VolunteerOut])
def list_volunteers(
    session: SessionDep,
    actor: Manager,
    unit: Annotated[str | None, Query(description="Only this area (org unit code) and below")] = None,
    organisation: Annotated[str | None, Query(description="Only this organisation")] = None,
) -> list[VolunteerOut]:
    """The volunteers you manage, by organisation."""
    return service.list_volunteers(session, actor, unit=unit, organisation=organisation)


@router.post("/assignments", response_model=AssignmentOut, status_code=status.HTTP_201_CREATED)
def create_assignment(payload: AssignmentIn, session: SessionDep, actor: Manager) -> AssignmentOut:
    """Assign a volunteer to an instrument version at a place, with an optional quota and dates."""
    assignment = service.create_assignment(session, actor, payload)
    return service.assignments_out(session, [assignment])[0]


@router.get("/assignments", response_model=list[AssignmentOut])
def list_assignments(
    session: SessionDep,
    actor: Manager,
    volunteer: Annotated[str | None, Query(description="Only this volunteer's (username)")] = None,
) -> list[AssignmentOut]:
    """The assignments of the volunteers you manage, with contact outcomes and response rates."""
    return service.list_assignments(session, actor, volunteer)


@router.patch("/assignments/{assignment_id}", response_model=AssignmentOut)
def update_assignment(
    assignment_id: IdPath, change: AssignmentChange, session: SessionDep, actor: Manager
) -> AssignmentOut:
    """Edit an assignment's quota, dates or note (extend it with a later `ends_on`); fields left out stay."""
    assignment = editing.update_assignment(session, actor, assignment_id, change)
    return service.assignments_out(session, [assignment])[0]


@router.post("/assignments/{assignment_id}/end", response_model=AssignmentOut)
def end_assignment(assignment_id: IdPath, session: SessionDep, actor: Manager) -> AssignmentOut:
    """End an assignment today; its contacts and interviews stay."""
    assignment = editing.end_assignment(session, actor, assignment_id)
    return service.assignments_out(session, [assignment])[0]


@router.post("/assignments/{assignment_id}/deactivate", response_model=AssignmentOut)
def deactivate_assignment(assignment_id: IdPath, session: SessionDep, actor: Manager) -> AssignmentOut:
    """Deactivate an assignment: it leaves the volunteer's tablet and new responses or contact attempts for it
    are refused (422); what was stored stays. Idempotent."""
    assignment = editing.deactivate_assignment(session, actor, assignment_id)
    return service.assignments_out(session, [assignment])[0]


@router.post("/assignments/{assignment_id}/reactivate", response_model=AssignmentOut)
def reactivate_assignment(assignment_id: IdPath, session: SessionDep, actor: Manager) -> AssignmentOut:
    """Reactivate a deactivated assignment. Idempotent."""
    assignment = editing.reactivate_assignment(session, actor, assignment_id)
    return service.assignments_out(session, [assignment])[0]


@router.post("/assignments/{assignment_id}/reassign", response_model=AssignmentOut)
def reassign(assignment_id: IdPath, body: ReassignIn, session: SessionDep, actor: Manager) -> AssignmentOut:
    """Give an assignment and its sample list to another volunteer you manage."""
    assignment = editing.reassign(session, actor, assignment_id, body.volunteer)
    return service.assignments_out(session, [assignment])[0]


@router.get("/me/assignments", response_model=MyAssignments)
def my_assignments(session: SessionDep, user: CurrentUser) -> MyAssignments:
    """The signed-in volunteer's current assignments and the instruments they need, for offline use."""
    return service.my_assignments(session, user)


@router.post("/responses/batch", response_model=BatchResult, responses=_BATCH_RESPONSES)
def sync_responses(batch: ResponseBatch, factory: Sessions, user: Volunteer) -> BatchResult:
    """Sync a tablet's queued responses: one result per item, in order, each stored exactly once.

    `created`: stored now; `duplicate`: already stored with the same content (acknowledged);
    `conflict`: the id is stored with other content (nothing overwritten); `invalid`: not stored, see
    `detail`. One bad item never blocks the others.
    """
    return BatchResult(results=service.sync_responses(factory, user, batch.responses))


@router.post("/contact-attempts/batch", response_model=BatchResult, responses=_BATCH_RESPONSES)
def sync_contact_attempts(batch: AttemptBatch, factory: Sessions, user: Volunteer) -> BatchResult:
    """Sync a tablet's contact attempts (completed, refused, not at home, …), each stored once."""
    return BatchResult(results=service.sync_attempts(factory, user, batch.attempts))
