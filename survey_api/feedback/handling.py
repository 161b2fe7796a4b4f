"""The handling of a feedback: status changes, replies and reassignment, each recorded with who and when."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_api import audit
from survey_api.db.base import utcnow
from survey_api.db.models import Feedback, FeedbackContact, FeedbackEvent, OrgUnit, User
from survey_api.errors import Conflict, Forbidden, InvalidInput, NotFound
from survey_api.feedback.notify import Notice
from survey_api.feedback.service import visible
from survey_api.units.scope import visible_units

MAX_NOTE = 5000
# The statuses a status change may lead to from each status; "answered" is reached by a reply only.
NEXT = {
    "new": ("acknowledged", "in_progress", "rejected"),
    "acknowledged": ("in_progress", "rejected"),
    "in_progress": ("rejected",),
    "answered": ("closed", "in_progress"),
    "closed": (),
    "rejected": (),
}
REPLYABLE = ("new", "acknowledged", "in_progress")
FINAL = ("closed", "rejected")


def next_statuses(feedback: Feedback) -> tuple[str, ...]:
    """The statuses a status change may set now."""
    return NEXT.get(feedback.status, ())


def set_status(
    session: Session, viewer: User, feedback_id: int, status: str, reason: str | None = None, *, link: str = ""
) -> Notice | None:
    """Move a feedback on (``rejected`` needs a reason); a rejection is told to a citizen who consented."""
    feedback = visible(session, viewer, feedback_id)
    reason = (reason or "").strip() or None
    if status == "answered":
        raise InvalidInput("a feedback is answered by writing a reply", errors=[{"item": "status", "problem": "reply"}])
    if status not in next_statuses(feedback):
        allowed = ", ".join(next_statuses(feedback)) or "none (it is final)"
        raise Conflict(f"feedback {feedback_id} is {feedback.status}; it can move to: {allowed}")
    if status == "rejected" and not reason:
        raise InvalidInput("say why it is rejected", errors=[{"item": "reason", "problem": "required"}])
    if reason is not None and len(reason) > MAX_NOTE:
        raise InvalidInput(f"shorten the reason to {MAX_NOTE} characters", errors=[{"item": "reason"}])
    _move(session, viewer, feedback, status, note=reason)
    if status == "rejected":
        feedback.rejection_reason = reason
        session.flush()
        return _notice(session, feedback, reason or "", link)
    return None


def reply(session: Session, viewer: User, feedback_id: int, text: str, *, link: str = "") -> Notice | None:
    """Answer a feedback: the reply is shown on the citizen's reference page and sent to them when they consented.

    Returns what to tell the citizen (None when they left no contact details), to be sent after the commit.
    """
    feedback = visible(session, viewer, feedback_id)
    text = text.strip()
    if not text:
        raise InvalidInput("write the reply", errors=[{"item": "text", "problem": "required"}])
    if len(text) > MAX_NOTE:
        raise InvalidInput(f"shorten the reply to {MAX_NOTE} characters", errors=[{"item": "text"}])
    if feedback.status not in REPLYABLE:
        raise Conflict(f"feedback {feedback_id} is {feedback.status}; only an open feedback can be answered")
    feedback.reply = text
    feedback.replied_at = utcnow()
    _move(session, viewer, feedback, "answered", action="replied", note=text)
    return _notice(session, feedback, text, link)


def reassign(session: Session, viewer: User, feedback_id: int, unit_code: str, note: str | None = None) -> Feedback:
    """Route a feedback to another unit (recorded); a unit manager may hand it to any unit, even outside theirs."""
    feedback = visible(session, viewer, feedback_id)
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == unit_code))
    if unit is None:
        raise NotFound(f"no unit {unit_code!r}", errors=[{"item": "unit", "problem": "unknown unit"}])
    if feedback.status in FINAL:
        raise Conflict(f"feedback {feedback_id} is {feedback.status}; it can no longer be reassigned")
    if unit.id == feedback.unit_id:
        raise Conflict(f"feedback {feedback_id} is already with {unit.name}", errors=[{"item": "unit"}])
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        raise InvalidInput(f"shorten the note to {MAX_NOTE} characters", errors=[{"item": "note"}])
    session.add(
        FeedbackEvent(
            feedback_id=feedback.id,
            user_id=viewer.id,
            action="reassigned",
            from_unit_id=feedback.unit_id,
            to_unit_id=unit.id,
            note=note,
        )
    )
    feedback.unit_id = unit.id
    session.flush()
    audit.record(session, viewer, "feedback.reassign", f"feedback {feedback_id}", unit=unit.code)
    return feedback


def may_handle(session: Session, viewer: User, feedback: Feedback) -> bool:
    """Whether the viewer may act on the feedback (admins: all; unit managers: their units)."""
    units = visible_units(session, viewer)
    return units is None or feedback.unit_id in units


def _move(
    session: Session, viewer: User, feedback: Feedback, status: str, *, action: str = "status", note: str | None = None
) -> None:
    if viewer.role not in ("admin", "unit_manager"):
        raise Forbidden("only the province office and unit managers handle feedback")
    session.add(
        FeedbackEvent(
            feedback_id=feedback.id,
            user_id=viewer.id,
            action=action,
            from_status=feedback.status,
            to_status=status,
            note=note,
        )
    )
    feedback.status = status
    if status in FINAL:
        feedback.closed_at = utcnow()
    elif feedback.closed_at is not None:
        feedback.closed_at = None
    session.flush()


def _notice(session: Session, feedback: Feedback, text: str, link: str) -> Notice | None:
    contact = session.scalar(select(FeedbackContact).where(FeedbackContact.feedback_id == feedback.id))
    if contact is None or not (contact.email or contact.phone):
        return None
    session.add(FeedbackEvent(feedback_id=feedback.id, action="notified"))
    session.flush()
    return Notice(
        feedback_id=feedback.id,
        reference=feedback.reference,
        status=feedback.status,
        reply=text,
        email=contact.email,
        phone=contact.phone,
        link=f"{link}{feedback.reference}",
    )
