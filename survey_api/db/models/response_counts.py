"""How many responses each instrument version has received, kept by database triggers on every insert."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from survey_api.db.base import Base


class ResponseCount(Base):
    """The number of responses stored for one instrument version.

    Responses are append-only, so this number changes exactly when the responses of the version do; an
    in-memory read of them is current while it is unchanged (``survey_api.estimates.cache``). Triggers
    created by migration 0008 keep it, so every insert path (the API, imports, COPY) counts.
    """

    __tablename__ = "response_counts"

    instrument_version_id: Mapped[int] = mapped_column(ForeignKey("instrument_versions.id"), primary_key=True)
    responses: Mapped[int] = mapped_column(BigInteger)
