"""Rules for feedback: one per answer, contact details only with consent, purgeable."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_api import audit
from survey_api.db.models import Feedback, FeedbackContact, ServicePoint, User
from survey_api.db.models.feedback import FEEDBACK_KINDS
from survey_api.errors import Conflict, InvalidInput, NotFound
from survey_api.units.scope import require_visible, visible_units

MAX_TEXT = 5000
# The columns of feedback_contacts.
CONTACT_LENGTHS = {"name": 200, "phone": 40, "email": 200}


def leave(
    session: Session,
    *,
    response_id: uuid.UUID,
    service_point: ServicePoint,
    kind: str,
    text: str,
    name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    consent: bool = False,
) -> Feedback:
    """Store feedback after an answer; contact details are stored only with explicit consent."""
    text = text.strip()
    problems = []
    if kind not in FEEDBACK_KINDS:
        problems.append({"item": "kind", "problem": f"choose one of {', '.join(FEEDBACK_KINDS)}"})
    if not text:
        problems.append({"item": "text", "problem": "write your comment or petition"})
    elif len(text) > MAX_TEXT:
        problems.append({"item": "text", "problem": f"shorten it to {MAX_TEXT} characters"})
    contact = {k: v.strip() for k, v in {"name": name, "phone": phone, "email": email}.items() if v and v.strip()}
    problems.extend(
        {"item": key, "problem": f"shorten it to {CONTACT_LENGTHS[key]} characters"}
        for key, value in contact.items()
        if len(value) > CONTACT_LENGTHS[key]
    )
    if contact and not consent:
        problems.append(
            {"item": "consent", "problem": "tick the consent box to leave contact details, or leave them out"}
        )
    if problems:
        raise InvalidInput("; ".join(f"{p['item']}: {p['problem']}" for p in problems), errors=problems)
    if session.scalar(select(Feedback.id).where(Feedback.response_id == response_id)) is not None:
        raise Conflict("feedback for this answer has already been received; thank you")
    feedback = Feedback(
        response_id=response_id,
        service_point_id=service_point.id,
        unit_id=service_point.unit_id,
        kind=kind,
        text=text,
    )
    session.add(feedback)
    session.flush()
    if contact:
        session.add(FeedbackContact(feedback_id=feedback.id, **contact))
        session.flush()
    return feedback


def listing(session: Session, viewer: User) -> Sequence[tuple[Feedback, bool]]:
    """Feedback the viewer's units must act on, newest first, with whether contact details exist."""
    query = select(Feedback, FeedbackContact.id.is_not(None)).outerjoin(
        FeedbackContact, FeedbackContact.feedback_id == Feedback.id
    )
    units = visible_units(session, viewer)
    if units is not None:
        query = query.where(Feedback.unit_id.in_(units))
    return [(f, bool(has)) for f, has in session.execute(query.order_by(Feedback.created_at.desc()))]


def contact_of(session: Session, viewer: User, feedback_id: int) -> FeedbackContact:
    """The contact details behind a feedback, for the unit that must follow up."""
    feedback = _visible(session, viewer, feedback_id)
    contact = session.scalar(select(FeedbackContact).where(FeedbackContact.feedback_id == feedback.id))
    if contact is None:
        raise NotFound(f"feedback {feedback_id} has no contact details (none given, or purged)")
    audit.record(session, viewer, "feedback.contact.read", f"feedback {feedback_id}")
    return contact


def purge_contact(session: Session, viewer: User, feedback_id: int) -> None:
    """Delete the contact details of a feedback for good."""
    contact = contact_of(session, viewer, feedback_id)
    session.delete(contact)
    session.flush()
    audit.record(session, viewer, "feedback.contact.purge", f"feedback {feedback_id}")


def _visible(session: Session, viewer: User, feedback_id: int) -> Feedback:
    feedback = session.get(Feedback, feedback_id)
    if feedback is None:
        raise NotFound(f"no feedback {feedback_id}")
    if feedback.unit_id is not None:
        require_visible(session, viewer, feedback.unit_id, f"feedback {feedback_id}")
    return feedback
