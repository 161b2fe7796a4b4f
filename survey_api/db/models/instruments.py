"""Survey instruments and their versions; a published version is immutable."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from survey_api.db.base import Base, utcnow
from survey_api.db.types import JSONDocument, UTCDateTime

DRAFT, PUBLISHED, RETIRED = "draft", "published", "retired"


class Instrument(Base):
    """A questionnaire family (e.g. ``sipas``), whose content lives in its versions."""

    __tablename__ = "instruments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    sector: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[InstrumentVersion]] = relationship(
        back_populates="instrument", order_by="InstrumentVersion.version"
    )


class InstrumentVersion(Base):
    """One version of an instrument: sections, items and index definition as a validated document."""

    __tablename__ = "instrument_versions"
    __table_args__ = (UniqueConstraint("instrument_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=DRAFT)
    title: Mapped[str] = mapped_column(String(500))
    confidence: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(2000))
    content: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    content_hash: Mapped[str] = mapped_column(String(64))
    # Codes of the numeric items, in the order their answers are packed into Response.scores.
    score_items: Mapped[list[str]] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    instrument: Mapped[Instrument] = relationship(back_populates="versions")


class PublishedVersionImmutable(Exception):
    """Raised when a flush would change the content of a published instrument version."""


_FROZEN_WHEN_PUBLISHED = ("content", "content_hash", "score_items", "version", "instrument_id", "title")


@event.listens_for(Session, "before_flush")
def _guard_published_versions(session: Session, _context: object, _instances: object) -> None:
    for obj in session.dirty:
        if not isinstance(obj, InstrumentVersion):
            continue
        state = inspect(obj)
        previous_status = (state.attrs.status.history.deleted or [obj.status])[0]
        if previous_status == DRAFT:
            continue
        changed = [name for name in _FROZEN_WHEN_PUBLISHED if state.attrs[name].history.has_changes()]
        if changed:
            raise PublishedVersionImmutable(
                f"instrument version {obj.id} is {obj.status}; its {', '.join(changed)} cannot change "
                "(create a new version instead)"
            )
    for obj in session.deleted:
        if isinstance(obj, InstrumentVersion) and obj.status != DRAFT:
            raise PublishedVersionImmutable(f"instrument version {obj.id} is {obj.status}; it cannot be deleted")
