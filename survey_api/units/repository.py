"""Queries on org units and service points."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from survey_api.db.models import OrgUnit, OrgUnitVersion, ServicePoint, UnitSuccessor


def unit_by_code(session: Session, code: str) -> OrgUnit | None:
    """The unit with this code, if any."""
    return session.scalars(select(OrgUnit).where(OrgUnit.code == code)).first()


def units_valid_on(session: Session, day: date | None) -> Sequence[OrgUnit]:
    """Units valid on ``day`` (all units when None), ordered by code."""
    query = select(OrgUnit).order_by(OrgUnit.code)
    if day is not None:
        query = query.where(OrgUnit.valid_from <= day, or_(OrgUnit.valid_to.is_(None), OrgUnit.valid_to >= day))
    return session.scalars(query).all()


def units_by_id(session: Session, ids: Collection[int]) -> dict[int, OrgUnit]:
    """Org units by id."""
    return {u.id: u for u in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))} if ids else {}


def all_units(session: Session) -> Sequence[OrgUnit]:
    """Every unit, ordered by code."""
    return session.scalars(select(OrgUnit).order_by(OrgUnit.code)).all()


def children_open_after(session: Session, unit_id: int, day: date) -> Sequence[OrgUnit]:
    """Units whose current parent is ``unit_id`` and that are still valid after ``day``."""
    query = select(OrgUnit).where(OrgUnit.parent_id == unit_id, or_(OrgUnit.valid_to.is_(None), OrgUnit.valid_to > day))
    return session.scalars(query.order_by(OrgUnit.code)).all()


def earlier_versions(session: Session) -> Sequence[OrgUnitVersion]:
    """Every earlier state of every unit, by unit and end day."""
    return session.scalars(select(OrgUnitVersion).order_by(OrgUnitVersion.unit_id, OrgUnitVersion.valid_to)).all()


def successor_links(session: Session) -> Sequence[UnitSuccessor]:
    """The whole crosswalk."""
    return session.scalars(select(UnitSuccessor).order_by(UnitSuccessor.unit_id, UnitSuccessor.successor_id)).all()


def successors_of(session: Session, unit_id: int) -> Sequence[UnitSuccessor]:
    """The crosswalk rows of one closed unit."""
    return session.scalars(select(UnitSuccessor).where(UnitSuccessor.unit_id == unit_id)).all()


def versions_of(session: Session, unit_id: int) -> Sequence[OrgUnitVersion]:
    """The earlier states of one unit, by end day."""
    query = select(OrgUnitVersion).where(OrgUnitVersion.unit_id == unit_id).order_by(OrgUnitVersion.valid_to)
    return session.scalars(query).all()


def point_by_code(session: Session, code: str) -> ServicePoint | None:
    """The service point with this code, if any."""
    return session.scalars(select(ServicePoint).where(ServicePoint.code == code)).first()


def open_points_of(session: Session, unit_id: int) -> Sequence[ServicePoint]:
    """The active service points of a unit, by name."""
    query = select(ServicePoint).where(ServicePoint.unit_id == unit_id, ServicePoint.active.is_(True))
    return session.scalars(query.order_by(ServicePoint.name)).all()
