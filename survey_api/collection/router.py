"""HTTP endpoints for submitting responses."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from survey_api.collection import intake, repository
from survey_api.collection.schemas import FlaggedOut, ResponseIn, ResponseOut
from survey_api.deps import AdminUser, BearerCredentials, SessionDep, bearer_token
from survey_api.routing import CommittingRoute

router = APIRouter(prefix="/api/v1/responses", tags=["responses"], route_class=CommittingRoute)


@router.post(
    "",
    response_model=ResponseOut,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"description": "An identical replay"},
        409: {"description": "Same id, other content"},
        410: {"description": "The service point is switched off, or its unit closed before the answer's day"},
    },
)
async def submit_response(request: Request, payload: ResponseIn, credentials: BearerCredentials) -> Response:
    """Submit a completed questionnaire (a volunteer's interview, or an admin keying in a paper form);
    retries with the same id are stored once. The server sets ``channel``."""
    # The busiest write of the platform: written with the submissions arriving at the same time, in groups.
    grouped: intake.GroupedIntake = request.app.state.intake
    outcome = await grouped.submit(bearer_token(credentials), payload)
    return Response(
        outcome.response.model_dump_json(),
        status_code=status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK,
        media_type="application/json",
    )


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
