"""QR links of service points, and the dossier numbers already used to answer."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey_api.db.base import Base, utcnow
from survey_api.db.types import UTCDateTime


class QrLink(Base):
    """The signed link a service point's QR code encodes for one instrument.

    Rotating the link raises ``generation``, so every older printed code stops working; revoking it
    turns it off until an admin rotates it again.
    """

    __tablename__ = "qr_links"
    __table_args__ = (UniqueConstraint("service_point_id", "instrument_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_point_id: Mapped[int] = mapped_column(ForeignKey("service_points.id"), index=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"))
    generation: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReceiptClaim(Base):
    """A dossier (receipt) number used to answer at a service point; only its keyed hash is kept."""

    __tablename__ = "receipt_claims"
    __table_args__ = (UniqueConstraint("service_point_id", "receipt_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_point_id: Mapped[int] = mapped_column(ForeignKey("service_points.id"))
    receipt_hash: Mapped[str] = mapped_column(String(64))
    response_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("responses.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
