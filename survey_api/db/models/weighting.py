"""Population margins for post-stratification and raking, and the weighting runs every weighted index cites."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from survey_api.db.base import Base, utcnow
from survey_api.db.types import JSONDocument, UTCDateTime

# Respondent columns of ``responses`` that margins may be given for (``unit``: the response's org unit code);
# a joint variable names several, e.g. ``sex*age_group``, with levels such as ``2|25-34``.
MARGIN_VARIABLES = ("sex", "age_group", "unit")


class PopulationMargin(Base):
    """One population total (e.g. census count of women) of a unit (None: the whole area) over a period."""

    __tablename__ = "population_margins"
    __table_args__ = (Index("ix_population_margins_set", "unit_id", "period_start", "period_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    variable: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(64))
    total: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class WeightingRun(Base):
    """Weights computed for one set of responses: method, margins, parameters and diagnostics.

    Weights are not stored per response: they are recomputed deterministically from the design columns
    and the margins; ``inputs_digest`` identifies the inputs, so the same inputs reuse the same run.
    """

    __tablename__ = "weighting_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_version_id: Mapped[int] = mapped_column(ForeignKey("instrument_versions.id"), index=True)
    filters: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    method: Mapped[str] = mapped_column(String(64))
    margins: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    params: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    diagnostics: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    response_count: Mapped[int] = mapped_column(Integer)
    inputs_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
