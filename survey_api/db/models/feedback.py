"""Feedback and petitions left after answering, and contact details kept apart from the answers."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from survey_api.db.base import Base, utcnow
from survey_api.db.types import UTCDateTime

FEEDBACK_KINDS = ("feedback", "petition")


class Feedback(Base):
    """A comment or petition (phản ánh, kiến nghị) for the unit that runs the service point."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The response it follows, so that one answer gets at most one feedback; not shown with the answers.
    response_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)
    service_point_id: Mapped[int | None] = mapped_column(ForeignKey("service_points.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="new")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FeedbackContact(Base):
    """Contact details a respondent chose to leave for a follow-up; purgeable, never joined to answers."""

    __tablename__ = "feedback_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
