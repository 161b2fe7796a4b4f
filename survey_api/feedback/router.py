"""HTTP endpoints for reading feedback and handling its contact details."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, status
from pydantic import BaseModel

from survey_api.deps import ManagerUser, SessionDep
from survey_api.feedback import service
from survey_api.params import IdPath
from survey_api.routing import CommittingRoute

router = APIRouter(prefix="/api/v1/feedback", tags=["feedback"], route_class=CommittingRoute)


class FeedbackOut(BaseModel):
    id: int
    kind: str
    text: str
    status: str
    created_at: datetime
    has_contact: bool


class ContactOut(BaseModel):
    name: str | None
    phone: str | None
    email: str | None
    consented_at: datetime


@router.get("", response_model=list[FeedbackOut])
def list_feedback(session: SessionDep, user: ManagerUser) -> list[FeedbackOut]:
    """Feedback and petitions for your units, newest first (no answers, no contact details)."""
    return [
        FeedbackOut(
            id=f.id,
            kind=f.kind,
            text=f.text,
            status=f.status,
            created_at=f.created_at,
            has_contact=has_contact,
        )
        for f, has_contact in service.listing(session, user)
    ]


@router.get("/{feedback_id}/contact", response_model=ContactOut)
def read_contact(feedback_id: IdPath, session: SessionDep, user: ManagerUser) -> ContactOut:
    """The contact details a respondent left for a follow-up (the read is audit-logged)."""
    contact = service.contact_of(session, user, feedback_id)
    return ContactOut(name=contact.name, phone=contact.phone, email=contact.email, consented_at=contact.consented_at)


@router.delete("/{feedback_id}/contact", status_code=status.HTTP_204_NO_CONTENT)
def purge_contact(feedback_id: IdPath, session: SessionDep, user: ManagerUser) -> None:
    """Delete the contact details for good."""
    service.purge_contact(session, user, feedback_id)
