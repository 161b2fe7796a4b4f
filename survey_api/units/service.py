"""Org units for other features: lookups by code and which units a user may see."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy.orm import Session

from survey_api.db.models import OrgUnit
from survey_api.units import repository
from survey_api.units.scope import descendants, require_visible, subtree, unit_tree, visible_units

__all__ = [
    "descendants",
    "require_visible",
    "subtree",
    "unit_by_code",
    "unit_tree",
    "units_by_id",
    "units_valid_on",
    "visible_units",
]


def units_by_id(session: Session, ids: Collection[int]) -> dict[int, OrgUnit]:
    """Org units by id."""
    return repository.units_by_id(session, ids)


def units_valid_on(session: Session, day: date | None) -> Sequence[OrgUnit]:
    """The units that exist on ``day`` (every unit for None), by code."""
    return repository.units_valid_on(session, day)


def unit_by_code(session: Session, code: str) -> OrgUnit | None:
    """The unit with this code, if any."""
    return repository.unit_by_code(session, code)
