"""Organisation units (a dated hierarchy) and the service points that belong to them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey_api.db.base import Base, utcnow
from survey_api.db.types import UTCDateTime


class OrgUnit(Base):
    """A province, district, commune, agency, hospital or school, valid over a date range."""

    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))
    sector: Mapped[str | None] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class ServicePoint(Base):
    """A place where people are served and asked: a one-stop counter, a ward, a clinic, a school."""

    __tablename__ = "service_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    requires_receipt: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OrgUnitVersion(Base):
    """An earlier state of a unit (its name and parent), in force until ``valid_to``.

    The ``org_units`` row holds the current state; a rename or a move keeps the state it replaces here, so
    the map of an earlier day shows the names and parents of that day.
    """

    __tablename__ = "org_unit_versions"
    __table_args__ = (UniqueConstraint("unit_id", "valid_to"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    valid_to: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str | None] = mapped_column(String(255))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))


class UnitSuccessor(Base):
    """The crosswalk: a closed unit's successor and the share of the closed unit that went to it.

    A unit merged into another has one successor with share 1; a split unit has several whose shares sum
    to 1 (e.g. population shares). Results of the closed unit are re-aggregated onto the successors with
    these shares.
    """

    __tablename__ = "unit_successors"
    __table_args__ = (
        UniqueConstraint("unit_id", "successor_id"),
        CheckConstraint("share > 0 AND share <= 1", name="share_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    successor_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    share: Mapped[float] = mapped_column(Float)
