"""Queries on org units and service points."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from survey_api.db.models import OrgUnit


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
