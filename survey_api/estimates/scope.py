"""A request's selection resolved once: the instrument version, the units a viewer may see, the service point."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from survey_api.collection.lookups import point_ids
from survey_api.db.models import InstrumentVersion, User
from survey_api.errors import InvalidInput, NotFound
from survey_api.estimates.params import SelectionParams
from survey_api.estimates.selection import Selection
from survey_api.instruments import service as instruments
from survey_api.instruments.document import InstrumentDocument
from survey_api.units.service import require_visible, subtree, unit_by_code, visible_units


@dataclass(frozen=True)
class Scope:
    """What a request selects (:class:`Selection`), with the version's document, the unit whose margins apply
    and the codes it named."""

    selection: Selection
    version: InstrumentVersion
    document: InstrumentDocument
    margin_unit_id: int | None
    unit: str | None
    service_point: str | None

    def filters(self, selection: Selection | None = None) -> dict[str, str | None]:
        """The filters as a result names them (over ``selection``'s period, by default the scope's)."""
        chosen = selection or self.selection
        return {
            "unit": self.unit,
            "service_point": self.service_point,
            "from": _iso(chosen.date_from),
            "to": _iso(chosen.date_to),
        }


def resolve(session: Session, params: SelectionParams, viewer: User, *, service_point: str | None = None) -> Scope:
    """The instrument version and responses a request names, checked (404 unknown, 403 out of the viewer's
    units, 422 a period that ends before it starts)."""
    chosen = instruments.version_for(session, params.instrument, params.version)
    if params.date_from and params.date_to and params.date_from > params.date_to:
        raise InvalidInput(f"from ({params.date_from}) is after to ({params.date_to})")
    unit_ids = visible_units(session, viewer)
    margin_unit_id = viewer.unit_id if unit_ids is not None else None
    if params.unit is not None:
        found = unit_by_code(session, params.unit)
        if found is None:
            raise NotFound(f"no unit {params.unit!r}")
        require_visible(session, viewer, found.id, f"unit {params.unit}")
        unit_ids = subtree(session, found.id)
        margin_unit_id = found.id
    point_id = None
    if service_point is not None:
        point = point_ids(session, service_point)
        if point is None:
            raise NotFound(f"no service point {service_point!r}")
        point_id = point.id
    selection = Selection(
        version_id=chosen.id,
        unit_ids=None if unit_ids is None else frozenset(unit_ids),
        service_point_id=point_id,
        date_from=params.date_from,
        date_to=params.date_to,
    )
    return Scope(selection, chosen, instruments.document_of(chosen), margin_unit_id, params.unit, service_point)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
