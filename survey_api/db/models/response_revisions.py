"""How many times stored responses of an instrument version were changed or deleted, kept by database triggers."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from survey_api.db.base import Base


class ResponseRevision(Base):
    """Statements that updated or deleted ``responses`` rows of one instrument version (or truncated them).

    Responses are append-only, so this stays unchanged in normal operation; any change made outside that rule
    (a backfill of cells, a deletion, a flag lifted) counts here, and readers that kept rows in memory read them
    again (``survey_api.estimates.increments``). Triggers of migration 0015 keep it, on every path.
    """

    __tablename__ = "response_revisions"

    instrument_version_id: Mapped[int] = mapped_column(ForeignKey("instrument_versions.id"), primary_key=True)
    revisions: Mapped[int] = mapped_column(BigInteger)
