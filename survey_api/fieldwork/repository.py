"""Queries on volunteers, assignments and contact attempts."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from survey_api.db.models import Assignment, ContactAttempt, OrgUnit, ServicePoint, User


def volunteers(session: Session, unit_ids: Collection[int] | None, organisation: str | None = None) -> Sequence[User]:
    """Volunteer accounts (only those in ``unit_ids`` / of ``organisation`` when given), by username."""
    query = select(User).where(User.role == "volunteer").order_by(User.organisation, User.username)
    if unit_ids is not None:
        query = query.where(User.unit_id.in_(unit_ids))
    if organisation is not None:
        query = query.where(User.organisation == organisation)
    return session.scalars(query).all()


def assignments(
    session: Session,
    *,
    volunteer_id: int | None = None,
    unit_ids: Collection[int] | None = None,
    current_on: date | None = None,
) -> Sequence[Assignment]:
    """Assignments, optionally of one volunteer, within some units, or not yet ended on a day."""
    query = select(Assignment).order_by(Assignment.id)
    if volunteer_id is not None:
        query = query.where(Assignment.volunteer_id == volunteer_id)
    if unit_ids is not None:
        query = query.join(User, User.id == Assignment.volunteer_id).where(User.unit_id.in_(unit_ids))
    if current_on is not None:
        query = query.where(or_(Assignment.ends_on.is_(None), Assignment.ends_on >= current_on))
    return session.scalars(query).all()


def attempts_of(session: Session, assignment_ids: Collection[int]) -> Sequence[ContactAttempt]:
    """The contact attempts recorded against these assignments."""
    if not assignment_ids:
        return []
    return session.scalars(select(ContactAttempt).where(ContactAttempt.assignment_id.in_(assignment_ids))).all()


def attempt_by_id(session: Session, attempt_id: uuid.UUID) -> ContactAttempt | None:
    """A stored contact attempt, read from the database (not from the session's cache)."""
    return session.scalars(
        select(ContactAttempt).where(ContactAttempt.id == attempt_id).execution_options(populate_existing=True)
    ).first()


def units_by_id(session: Session, ids: Collection[int]) -> dict[int, OrgUnit]:
    """Org units by id."""
    return {u.id: u for u in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))} if ids else {}


def service_points_by_id(session: Session, ids: Collection[int]) -> dict[int, ServicePoint]:
    """Service points by id."""
    if not ids:
        return {}
    return {p.id: p for p in session.scalars(select(ServicePoint).where(ServicePoint.id.in_(ids)))}


def users_by_id(session: Session, ids: Collection[int]) -> dict[int, User]:
    """Users by id."""
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
