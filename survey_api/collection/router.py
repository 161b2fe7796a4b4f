"""HTTP endpoints for submitting responses."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from survey_api.auth.service import authenticate_token
from survey_api.collection import repository, service
from survey_api.collection.schemas import FlaggedOut, ResponseIn, ResponseOut
from survey_api.deps import AdminUser, SessionDep

router = APIRouter(prefix="/api/v1/responses", tags=["responses"])

# Answering needs no sign-in; an interview for an assignment is sent with the volunteer's token.
_volunteer_token = HTTPBearer(
    auto_error=False, description="The volunteer's token, for a response naming an assignment"
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_volunteer_token)]


@router.post(
    "",
    response_model=ResponseOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "An identical replay"}, 409: {"description": "Same id, other content"}},
)
def submit_response(
    payload: ResponseIn, session: SessionDep, response: Response, credentials: Credentials
) -> ResponseOut:
    """Submit a completed questionnaire; retries with the same id are stored once.

    A response for a fieldwork assignment (``assignment``, ``case_ref``) needs the volunteer's token.
    """
    volunteer = None
    if payload.assignment is not None and credentials is not None:
        volunteer = authenticate_token(session, credentials.credentials)
    outcome = service.submit(session, payload, interviewer_id=volunteer.id if volunteer else None)
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
