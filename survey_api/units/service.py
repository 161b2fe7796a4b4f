"""Org units for other features: lookups by code, which units a user may see, the dated changes of the map,
the map of a day, the crosswalk and results on a period's map."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy.orm import Session

from survey_api.db.models import OrgUnit
from survey_api.units import repository
from survey_api.units.changes import NewUnit, close, create, merge, move, rename, split, valid_on
from survey_api.units.closures import PointClosed, UnitClosed, refuse_closed, refuse_closed_point
from survey_api.units.demo_map import load_demo_map
from survey_api.units.importer import ImportSummary, import_csv
from survey_api.units.maps import (
    Closure,
    CrosswalkRow,
    PointClosure,
    UnitNode,
    closure_of,
    crosswalk,
    onto_map,
    point_closure,
    tree_on,
)
from survey_api.units.period_map import Source, breakdown_on_map, comparison_sources, map_day
from survey_api.units.reaggregate import combine_levels
from survey_api.units.scope import descendants, require_visible, subtree, unit_tree, visible_units

__all__ = [
    "Closure",
    "CrosswalkRow",
    "ImportSummary",
    "NewUnit",
    "PointClosed",
    "PointClosure",
    "Source",
    "UnitClosed",
    "UnitNode",
    "breakdown_on_map",
    "close",
    "closure_of",
    "combine_levels",
    "comparison_sources",
    "create",
    "crosswalk",
    "descendants",
    "import_csv",
    "load_demo_map",
    "map_day",
    "merge",
    "move",
    "onto_map",
    "point_closure",
    "refuse_closed",
    "refuse_closed_point",
    "rename",
    "require_visible",
    "split",
    "subtree",
    "tree_on",
    "unit_by_code",
    "unit_tree",
    "units_by_id",
    "units_valid_on",
    "valid_on",
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
