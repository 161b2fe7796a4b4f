"""What other features may read of fieldwork: contact attempts of assignments, and the people, units and
service points assignments name (kept apart from ``fieldwork.service``, which submits through collection)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy.orm import Session

from survey_api.db.models import ContactAttempt, OrgUnit, ServicePoint, User
from survey_api.fieldwork import repository


def attempts_of(session: Session, assignment_ids: Collection[int]) -> Sequence[ContactAttempt]:
    """Every contact attempt recorded for these assignments."""
    return repository.attempts_of(session, assignment_ids)


def units_by_id(session: Session, ids: Collection[int]) -> dict[int, OrgUnit]:
    """These org units by id."""
    return repository.units_by_id(session, ids)


def service_points_by_id(session: Session, ids: Collection[int]) -> dict[int, ServicePoint]:
    """These service points by id."""
    return repository.service_points_by_id(session, ids)


def users_by_id(session: Session, ids: Collection[int]) -> dict[int, User]:
    """These accounts by id."""
    return repository.users_by_id(session, ids)
