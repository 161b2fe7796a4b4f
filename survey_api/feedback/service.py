"""Rules for feedback: one per answer, routed to the service point's unit, contact details only with consent."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_api import audit
from survey_api.collection.service import stored_response
from survey_api.db.base import utcnow
from survey_api.db.models import Feedback, FeedbackContact, FeedbackEvent, InstrumentVersion, ServicePoint, User
from survey_api.db.models.feedback import FEEDBACK_KINDS
from survey_api.errors import Conflict, Forbidden, InvalidInput, NotFound
from survey_api.feedback.references import new_reference
from survey_api.feedback.rules import FeedbackRules
from survey_api.feedback.scores import low_element_codes
from survey_api.instruments.service import document_of
from survey_api.units.scope import require_visible

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
    rules: FeedbackRules | None = None,
) -> Feedback:
    """Store feedback after an answer, routed to the unit of its service point, with its due day and the
    answer's low-scored elements; contact details are stored only with explicit consent."""
    rules = rules or FeedbackRules()
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
    received = utcnow()
    feedback = Feedback(
        reference=new_reference(),
        response_id=response_id,
        service_point_id=service_point.id,
        unit_id=service_point.unit_id,
        kind=kind,
        text=text,
        status="new",
        created_at=received,
        due_on=rules.due_on(kind, received),
        low_elements=_low_elements(session, response_id, rules),
    )
    session.add(feedback)
    session.flush()
    session.add(FeedbackEvent(feedback_id=feedback.id, at=received, action="received", to_status="new"))
    if contact:
        session.add(FeedbackContact(feedback_id=feedback.id, **contact))
    session.flush()
    return feedback


def _low_elements(session: Session, response_id: uuid.UUID, rules: FeedbackRules) -> list[str]:
    response = stored_response(session, response_id)
    if response is None:
        return []
    version = session.get(InstrumentVersion, response.instrument_version_id)
    if version is None:
        return []
    return low_element_codes(document_of(version), response.answers, rules.low_below)


def visible(session: Session, viewer: User, feedback_id: int) -> Feedback:
    """A feedback the viewer may handle: 404 when there is none, 403 when it is another unit's."""
    feedback = session.get(Feedback, feedback_id)
    if feedback is None:
        raise NotFound(f"no feedback {feedback_id}")
    if feedback.unit_id is not None:
        require_visible(session, viewer, feedback.unit_id, f"feedback {feedback_id}")
    elif viewer.role != "admin":
        raise Forbidden(f"feedback {feedback_id} is routed to no unit; the province office handles it")
    return feedback


def contact_of(session: Session, viewer: User, feedback_id: int) -> FeedbackContact:
    """The contact details behind a feedback, for the managers of the unit that handles it (audited)."""
    feedback = visible(session, viewer, feedback_id)
    if viewer.role != "unit_manager" or viewer.unit_id != feedback.unit_id:
        raise Forbidden("only the managers of the unit handling it may read the contact details")
    contact = _contact(session, feedback)
    if contact is None:
        raise NotFound(f"feedback {feedback_id} has no contact details (none given, or purged)")
    audit.record(session, viewer, "feedback.contact.read", f"feedback {feedback_id}")
    return contact


def has_contact(session: Session, feedback: Feedback) -> bool:
    """Whether contact details are kept for this feedback (without reading them)."""
    return session.scalar(select(FeedbackContact.id).where(FeedbackContact.feedback_id == feedback.id)) is not None


def purge_contact(session: Session, viewer: User, feedback_id: int) -> None:
    """Delete the contact details of a feedback for good (on the citizen's request, or once handled)."""
    feedback = visible(session, viewer, feedback_id)
    contact = _contact(session, feedback)
    if contact is None:
        raise NotFound(f"feedback {feedback_id} has no contact details (none given, or purged)")
    session.delete(contact)
    session.add(FeedbackEvent(feedback_id=feedback.id, user_id=viewer.id, action="contact_purged"))
    session.flush()
    audit.record(session, viewer, "feedback.contact.purge", f"feedback {feedback_id}")


def _contact(session: Session, feedback: Feedback) -> FeedbackContact | None:
    return session.scalar(select(FeedbackContact).where(FeedbackContact.feedback_id == feedback.id))
