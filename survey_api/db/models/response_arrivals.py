"""An append-only log of response inserts, written by database triggers on every insert path."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from survey_api.db.base import Base


class ResponseArrival(Base):
    """``responses`` rows of one instrument version inserted by one statement (or a compacted sum of them).

    Responses are append-only, so the sum of ``responses`` over a version changes exactly when the
    responses of the version do; an in-memory read of them is current while that sum is unchanged
    (``survey_api.estimates.cache``). Triggers created by migration 0009 append a row per insert statement
    (PostgreSQL) or per inserted row (SQLite), so no insert ever waits for another's counter: the log has no
    row that concurrent inserts update. Readers fold a long log into one row now and then.
    """

    __tablename__ = "response_arrivals"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    instrument_version_id: Mapped[int] = mapped_column(ForeignKey("instrument_versions.id"), index=True)
    responses: Mapped[int] = mapped_column(BigInteger)
