"""HTTP endpoints for submitting responses."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from survey_api.collection import service
from survey_api.collection.schemas import ResponseIn, ResponseOut
from survey_api.deps import SessionDep

router = APIRouter(prefix="/api/v1/responses", tags=["responses"])


@router.post(
    "",
    response_model=ResponseOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "An identical replay"}, 409: {"description": "Same id, other content"}},
)
def submit_response(payload: ResponseIn, session: SessionDep, response: Response) -> ResponseOut:
    """Submit a completed questionnaire; retries with the same id are stored once."""
    outcome = service.submit(session, payload)
    if not outcome.created:
        response.status_code = status.HTTP_200_OK
    return outcome.response
