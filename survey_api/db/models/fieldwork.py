"""Fieldwork: volunteers' assignments and the outcome of every contact attempt."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from survey_api.db.base import Base, utcnow
from survey_api.db.types import JSONDocument, UTCDateTime

# What happened when a volunteer tried to interview someone; response rates are computed from these.
OUTCOMES = ("completed", "refused", "not_at_home", "not_eligible", "language_barrier", "other")


class Assignment(Base):
    """A volunteer is to interview with one instrument version at one place, optionally up to a quota."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    instrument_version_id: Mapped[int] = mapped_column(ForeignKey("instrument_versions.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    service_point_id: Mapped[int | None] = mapped_column(ForeignKey("service_points.id"))
    quota: Mapped[int | None] = mapped_column(Integer)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(1000))
    # The sample list to contact, when a fieldwork plan drew one: [{"ref": …, "label": …}, …]; the tablet
    # offers these refs as contact attempts' case_ref.
    sample: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONDocument)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when a manager switched the assignment off: it leaves the tablet and new submissions are refused.
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ContactAttempt(Base):
    """One attempt to interview someone, recorded on the tablet; its ``id`` is the tablet's UUID.

    ``response_id`` names the response a completed attempt produced; it is not a foreign key because
    the tablet may sync the attempt before the response (both are stored once, in any order).
    """

    __tablename__ = "contact_attempts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    interviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"), index=True)
    # Who or what was contacted (a household or sample-list entry); repeated attempts share it, so that a
    # response rate counts cases, not attempts. None: the attempt is a case of its own.
    case_ref: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(32))
    response_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    note: Mapped[str | None] = mapped_column(String(1000))
    content_hash: Mapped[str] = mapped_column(String(64))
    # The tablet's clock (may be wrong) and the server's.
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
