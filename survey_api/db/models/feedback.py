"""Feedback and petitions left after answering, their handling, and contact details kept apart from the answers."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from survey_api.db.base import Base, utcnow
from survey_api.db.types import JSONDocument, UTCDateTime

FEEDBACK_KINDS = ("feedback", "petition")
# new → acknowledged → in_progress → answered → closed; rejected (with a reason) from any open status.
FEEDBACK_STATUSES = ("new", "acknowledged", "in_progress", "answered", "closed", "rejected")


class Feedback(Base):
    """A comment or petition (phản ánh, kiến nghị) for the unit that runs the service point."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the citizen follows it by (/phan-anh/<reference>): random, so that it cannot be guessed.
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    # The response it follows, so that one answer gets at most one feedback; not shown with the answers.
    response_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)
    service_point_id: Mapped[int | None] = mapped_column(ForeignKey("service_points.id"), index=True)
    # The unit that must act: the service point's unit, until someone reassigns it.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The last working day to answer (settings per kind, weekends and holidays skipped); None for old rows.
    due_on: Mapped[date | None] = mapped_column(Date)
    # Codes of the index elements the answer scored low, so the unit sees what it is about.
    low_elements: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    # When it was closed or rejected: contact details are purged a set time after.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The anonymised text and reply an admin published (None: not published).
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    public_text: Mapped[str | None] = mapped_column(Text)
    public_reply: Mapped[str | None] = mapped_column(Text)


class FeedbackEvent(Base):
    """One step of the handling: a status change, a reassignment, a reply, a publication; who and when."""

    __tablename__ = "feedback_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None: the system (e.g. the purge) or the citizen.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    from_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    to_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    note: Mapped[str | None] = mapped_column(Text)


class FeedbackContact(Base):
    """Contact details a respondent chose to leave for a follow-up; purgeable, never joined to answers."""

    __tablename__ = "feedback_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
