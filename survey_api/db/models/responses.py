"""Responses: append-only, one row per submission id, with answers packed for fast estimation."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, Float, ForeignKey, Index, LargeBinary, String, Uuid, event, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from survey_api.db.base import Base, utcnow
from survey_api.db.types import JSONDocument, UTCDateTime

CHANNELS = ("qr", "tablet", "import", "web", "paper")
RESPONDENT_TYPES = ("person", "organisation")
MISSING_SCORE = 255
# A response carries a sample design when any of these is set (the predicate of ix_responses_designed).
DESIGNED = "design_weight IS NOT NULL OR stratum IS NOT NULL OR psu IS NOT NULL OR fpc IS NOT NULL"
# A response is for an entry of a fieldwork assignment's sample list (the predicate of ix_responses_planned).
PLANNED = "assignment_id IS NOT NULL"


class Response(Base):
    """One completed questionnaire, exactly as the server acknowledged it.

    ``answers`` keeps every answer as submitted; ``scores`` packs the numeric answers as one byte per
    numeric item (in ``InstrumentVersion.score_items`` order, ``MISSING_SCORE`` when unanswered) so that
    an index over millions of responses reads one small column instead of tens of millions of rows.
    """

    __tablename__ = "responses"
    # Covers every column an index computation filters on and reads, so it never touches the wide rows;
    # on PostgreSQL it also carries the design columns a weighted index reads (an index-only scan).
    __table_args__ = (
        Index(
            "ix_responses_estimation",
            "instrument_version_id",
            "observed_on",
            "unit_id",
            "service_point_id",
            "excluded",
            "scores",
            postgresql_include=[
                "stratum",
                "psu",
                "design_weight",
                "fpc",
                "sex",
                "age_group",
                "channel",
                "arrival",
                "id",
            ],
        ),
        # The responses of a version that arrived after a given point (estimates.increments).
        Index("ix_responses_arrival", "instrument_version_id", "arrival"),
        # Finds quickly whether a selection has any response with sample-design columns.
        Index(
            "ix_responses_designed",
            "instrument_version_id",
            "observed_on",
            sqlite_where=text(DESIGNED),
            postgresql_where=text(DESIGNED),
        ),
        # Finds the few responses of a selection that are interviews of sample-list entries (non-response).
        Index(
            "ix_responses_planned",
            "instrument_version_id",
            "observed_on",
            sqlite_where=text(PLANNED),
            postgresql_where=text(PLANNED),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    instrument_version_id: Mapped[int] = mapped_column(ForeignKey("instrument_versions.id"))
    service_point_id: Mapped[int | None] = mapped_column(ForeignKey("service_points.id"), index=True)
    # Every response belongs to a unit: its service point's, else its assignment's (collection.service).
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    respondent_type: Mapped[str] = mapped_column(String(16), default="person")
    answers: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    scores: Mapped[bytes] = mapped_column(LargeBinary)
    content_hash: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The day the response belongs to for period filters: the client's completion day when plausible,
    # otherwise the day the server received it (a tablet with a wrong clock must not shift periods).
    observed_on: Mapped[date] = mapped_column(Date)
    # Keyed hash of the answering device (a cookie), to flag repeated answers; never shown.
    device_hash: Mapped[str | None] = mapped_column(String(64))
    flags: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    interviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    replaces_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("responses.id"))
    # Sample design and respondent cells, set at insert (imports, fieldwork): strata, PSU, design weight
    # (1/pi), fpc (population count or sampling fraction), and the cells margins are given for (given
    # explicitly, or from the items the instrument's ``cells`` declare: collection.cells).
    stratum: Mapped[str | None] = mapped_column(String(64))
    psu: Mapped[str | None] = mapped_column(String(64))
    design_weight: Mapped[float | None] = mapped_column(Float)
    fpc: Mapped[float | None] = mapped_column(Float)
    sex: Mapped[str | None] = mapped_column(String(16))
    age_group: Mapped[str | None] = mapped_column(String(16))
    # The fieldwork assignment and sample-list entry (``case_ref``) the interview was for, as the tablet sent them.
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    case_ref: Mapped[str | None] = mapped_column(String(100))
    # When the response arrived, set by a trigger on every insert (migration 0015): on PostgreSQL the
    # inserting transaction's id, on SQLite one more than the version's largest; 0 before that migration.
    arrival: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))


class ResponsesAreAppendOnly(Exception):
    """Raised when a flush would change or delete a stored response."""


@event.listens_for(Session, "before_flush")
def _guard_append_only(session: Session, _context: object, _instances: object) -> None:
    for obj in session.deleted:
        if isinstance(obj, Response):
            raise ResponsesAreAppendOnly(f"response {obj.id} cannot be deleted; responses are append-only")
    for obj in session.dirty:
        if isinstance(obj, Response) and session.is_modified(obj, include_collections=False):
            raise ResponsesAreAppendOnly(
                f"response {obj.id} cannot be changed; store a correction as a new response that replaces it"
            )
