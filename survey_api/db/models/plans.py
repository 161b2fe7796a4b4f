"""Sampling plans: the frame of every stage, and the drawn sample with every unit's inclusion probability."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from survey_api.db.base import Base, utcnow
from survey_api.db.types import JSONDocument, UTCDateTime

PLAN_STATUSES = ("draft", "listing", "drawn")  # listing: some stages drawn, the next awaits its frame
SAMPLE_ROLES = ("selected", "replacement")
SAMPLE_STATUSES = ("pending", "assigned", "replaced", "dropped")  # dropped: under a replaced unit


class SamplingPlan(Base):
    """A design (strata, stages, target, allocation, replacements) and, once drawn, the seed it was drawn with.

    Drawn units never change but by replacement: the sample is reproducible from ``seed``, the stored frames
    and the replacements made (see ``survey_api.plans.draw``).
    """

    __tablename__ = "sampling_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    design: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    # Sample size and allocation as computed at the draw (n, n0, method, per-stratum n_h, per-parent shares).
    sizing: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    seed: Mapped[int | None] = mapped_column(BigInteger)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FrameUnit(Base):
    """One row of a stage's frame file (a commune, a village, a household, a dossier, a patient, a class)."""

    __tablename__ = "frame_units"
    __table_args__ = (Index("ix_frame_units_plan_stage", "plan_id", "stage", "row_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("sampling_plans.id"))
    stage: Mapped[int] = mapped_column(Integer)
    row_number: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str] = mapped_column(String(100))
    label: Mapped[str | None] = mapped_column(String(255))
    stratum: Mapped[str | None] = mapped_column(String(64))
    parent_ref: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[float | None] = mapped_column(Float)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)


class SampleUnit(Base):
    """A drawn unit of one stage: its probability given its parent and its overall inclusion probability."""

    __tablename__ = "sample_units"
    __table_args__ = (Index("ix_sample_units_plan_stage", "plan_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("sampling_plans.id"))
    frame_unit_id: Mapped[int] = mapped_column(ForeignKey("frame_units.id"))
    stage: Mapped[int] = mapped_column(Integer)
    stratum: Mapped[str | None] = mapped_column(String(64))
    stage_probability: Mapped[float] = mapped_column(Float)
    inclusion_probability: Mapped[float] = mapped_column(Float)
    selection_order: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("sample_units.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    replaced_reason: Mapped[str | None] = mapped_column(String(32))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"), index=True)
