"""What the public sees: a citizen's own item by its reference, and the petitions an admin published anonymised.

Neither ever shows contact details. A published item carries no reference, name, contact or dossier number:
the text and reply are anonymised again whatever an admin typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_api import audit
from survey_api.db.base import utcnow
from survey_api.db.models import Feedback, FeedbackContact, FeedbackEvent, OrgUnit, ServicePoint, User
from survey_api.errors import Conflict, Forbidden, InvalidInput
from survey_api.feedback.repository import by_reference
from survey_api.feedback.rules import local_day
from survey_api.feedback.service import visible

HIDDEN = "[…]"
MAX_TEXT = 5000
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Phone numbers: digits with spaces, dots, dashes or brackets between them, eight digits or more.
_PHONE = re.compile(r"\+?\d[\d .()-]{6,}\d")
# Dossier numbers (e.g. 000.00.12.H30-241203-0001) and other identifiers: a word holding five digits or more.
_IDENTIFIER = re.compile(r"[\w./-]+")
_DATE = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}")


@dataclass(frozen=True)
class Step:
    at: datetime
    status: str


@dataclass(frozen=True)
class CitizenView:
    """A citizen's own item, as /phan-anh/<reference> shows it."""

    reference: str
    kind: str
    text: str
    status: str
    received_at: datetime
    due_on: date | None
    unit_name: str | None
    point_name: str | None
    reply: str | None
    replied_at: datetime | None
    rejection_reason: str | None
    steps: list[Step]


@dataclass(frozen=True)
class PublishedItem:
    """A published petition: where, when, what and how it was answered; nothing that identifies anyone."""

    unit_name: str | None
    point_name: str | None
    kind: str
    received_on: date
    text: str
    reply: str
    published_at: datetime


def anonymise(text: str, names: list[str]) -> str:
    """``text`` without e-mail addresses, phone or dossier numbers, and the given names."""
    text = _EMAIL.sub(HIDDEN, text)
    text = _PHONE.sub(lambda m: HIDDEN if _digits(m.group(0)) >= 8 else m.group(0), text)
    text = _IDENTIFIER.sub(lambda m: m.group(0) if _kept(m.group(0)) else HIDDEN, text)
    for name in names:
        if name.strip():
            text = re.sub(re.escape(name.strip()), HIDDEN, text, flags=re.IGNORECASE)
    return re.sub(rf"(?:{re.escape(HIDDEN)}[\s.-]*)+{re.escape(HIDDEN)}", HIDDEN, text)


def citizen_view(session: Session, reference: str) -> CitizenView | None:
    """The item behind a (normalised) reference, without contact details; None when there is none."""
    feedback = by_reference(session, reference)
    if feedback is None:
        return None
    unit = session.get(OrgUnit, feedback.unit_id) if feedback.unit_id is not None else None
    point = session.get(ServicePoint, feedback.service_point_id) if feedback.service_point_id is not None else None
    events = session.scalars(
        select(FeedbackEvent)
        .where(FeedbackEvent.feedback_id == feedback.id, FeedbackEvent.to_status.is_not(None))
        .order_by(FeedbackEvent.at, FeedbackEvent.id)
    )
    return CitizenView(
        reference=feedback.reference,
        kind=feedback.kind,
        text=feedback.text,
        status=feedback.status,
        received_at=feedback.created_at,
        due_on=feedback.due_on,
        unit_name=unit.name if unit else None,
        point_name=point.name if point else None,
        reply=feedback.reply if feedback.status in ("answered", "closed") else None,
        replied_at=feedback.replied_at,
        rejection_reason=feedback.rejection_reason if feedback.status == "rejected" else None,
        steps=[Step(e.at, e.to_status or "") for e in events],
    )


def proposed(session: Session, feedback: Feedback) -> tuple[str, str]:
    """The anonymised text and reply an admin starts from."""
    names = _names(session, feedback)
    return anonymise(feedback.text, names), anonymise(feedback.reply or "", names)


def publish(
    session: Session, viewer: User, feedback_id: int, text: str | None = None, reply: str | None = None
) -> Feedback:
    """Publish an answered item, anonymised (admins only); ``text``/``reply`` replace the proposed wording."""
    if viewer.role != "admin":
        raise Forbidden("only the province office (an admin) publishes petitions")
    feedback = visible(session, viewer, feedback_id)
    if feedback.reply is None or feedback.status not in ("answered", "closed"):
        raise Conflict(f"feedback {feedback_id} is {feedback.status}; only an answered one can be published")
    auto_text, auto_reply = proposed(session, feedback)
    names = _names(session, feedback)
    public_text = anonymise(text.strip(), names) if text and text.strip() else auto_text
    public_reply = anonymise(reply.strip(), names) if reply and reply.strip() else auto_reply
    if len(public_text) > MAX_TEXT or len(public_reply) > MAX_TEXT:
        raise InvalidInput(f"shorten the text and the reply to {MAX_TEXT} characters", errors=[{"item": "text"}])
    feedback.public_text, feedback.public_reply, feedback.published_at = public_text, public_reply, utcnow()
    session.add(FeedbackEvent(feedback_id=feedback.id, user_id=viewer.id, action="published"))
    session.flush()
    audit.record(session, viewer, "feedback.publish", f"feedback {feedback_id}")
    return feedback


def unpublish(session: Session, viewer: User, feedback_id: int) -> Feedback:
    """Take a published item off the public page (admins only)."""
    if viewer.role != "admin":
        raise Forbidden("only the province office (an admin) publishes petitions")
    feedback = visible(session, viewer, feedback_id)
    if feedback.published_at is None:
        raise Conflict(f"feedback {feedback_id} is not published")
    feedback.public_text = feedback.public_reply = feedback.published_at = None
    session.add(FeedbackEvent(feedback_id=feedback.id, user_id=viewer.id, action="unpublished"))
    session.flush()
    audit.record(session, viewer, "feedback.unpublish", f"feedback {feedback_id}")
    return feedback


def published(session: Session, limit: int = 50) -> list[PublishedItem]:
    """The published items, newest first."""
    rows = session.execute(
        select(Feedback, OrgUnit.name, ServicePoint.name)
        .outerjoin(OrgUnit, OrgUnit.id == Feedback.unit_id)
        .outerjoin(ServicePoint, ServicePoint.id == Feedback.service_point_id)
        .where(Feedback.published_at.is_not(None))
        .order_by(Feedback.published_at.desc())
        .limit(limit)
    )
    return [
        PublishedItem(
            unit_name=unit,
            point_name=point,
            kind=f.kind,
            received_on=local_day(f.created_at),
            text=f.public_text or "",
            reply=f.public_reply or "",
            published_at=f.published_at or f.created_at,
        )
        for f, unit, point in rows
    ]


def _names(session: Session, feedback: Feedback) -> list[str]:
    contact = session.scalar(select(FeedbackContact).where(FeedbackContact.feedback_id == feedback.id))
    return [contact.name] if contact is not None and contact.name else []


def _kept(word: str) -> bool:
    """Words with fewer than five digits, and dates (12/3/2026), stay."""
    return _digits(word) < 5 or _DATE.fullmatch(word.strip(".")) is not None


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)
