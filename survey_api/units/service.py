"""Org units for other features: lookups by code and which units a user may see."""

from __future__ import annotations

from sqlalchemy.orm import Session

from survey_api.db.models import OrgUnit
from survey_api.units import repository
from survey_api.units.scope import descendants, require_visible, subtree, unit_tree, visible_units

__all__ = ["descendants", "require_visible", "subtree", "unit_by_code", "unit_tree", "visible_units"]


def unit_by_code(session: Session, code: str) -> OrgUnit | None:
    """The unit with this code, if any."""
    return repository.unit_by_code(session, code)
