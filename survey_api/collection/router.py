"""HTTP endpoints for submitting responses."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from survey_api.collection import repository, service
from survey_api.collection.schemas import FlaggedOut, ResponseIn, ResponseOut
from survey_api.db.models import User
from survey_api.deps import AdminUser, SessionDep, require_roles
from survey_api.routing import CommittingRoute

router = APIRouter(prefix="/api/v1/responses", tags=["responses"], route_class=CommittingRoute)

# Who may post answers through the API: the roles that collect. Citizens answer through signed QR links.
Collector = Annotated[User, Depends(require_roles("admin", "volunteer"))]
# The channel follows from how the answer came in, never from the body: a volunteer's interview, or an
# admin keying in a paper questionnaire.
CHANNEL_OF_ROLE = {"volunteer": "tablet", "admin": "paper"}


@router.post(
    "",
    response_model=ResponseOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "An identical replay"}, 409: {"description": "Same id, other content"}},
)
def submit_response(payload: ResponseIn, session: SessionDep, response: Response, user: Collector) -> ResponseOut:
    """Submit a completed questionnaire (a volunteer's interview, or an admin keying in a paper form);
    retries with the same id are stored once. The server sets ``channel``."""
    payload = payload.model_copy(update={"channel": CHANNEL_OF_ROLE[user.role]})
    outcome = service.submit(session, payload, interviewer_id=user.id)
    if not outcome.created:
        response.status_code = status.HTTP_200_OK
    return outcome.response


@router.get("/flagged", response_model=list[FlaggedOut])
def flagged_responses(
    session: SessionDep, user: AdminUser, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> list[FlaggedOut]:
    """Responses kept but excluded from indices (repeated device, burst on a link), newest first."""
    return [
        FlaggedOut(
            id=r.id,
            instrument_version=r.instrument_version_id,
            service_point=code,
            channel=r.channel,
            received_at=r.received_at,
            flags=list(r.flags),
        )
        for r, code in repository.flagged(session, limit)
    ]
