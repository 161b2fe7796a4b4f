"""Where an imported row belongs: its service point and unit (every response belongs to a unit)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from survey_api.collection.lookups import point_ids
from survey_api.units.service import unit_by_code


@dataclass
class Places:
    """Service points and units named by a file's rows, each looked up once."""

    session: Session
    _points: dict[str, tuple[int, int] | None] = field(default_factory=dict)
    _units: dict[str, int | None] = field(default_factory=dict)

    def place(self, point_code: str, unit_code: str) -> tuple[int | None, int | None, dict[str, str] | None]:
        """(service point id, unit id, problem) of a row's ``service_point`` and ``unit`` cells.

        The unit is the service point's; a row without a point needs a ``unit`` (an org unit code, as an
        export gives for interviews at no point); a unit that is not the point's is a problem.
        """
        point = None
        if point_code:
            if point_code not in self._points:
                found = point_ids(self.session, point_code)
                self._points[point_code] = (found.id, found.unit_id) if found is not None else None
            point = self._points[point_code]
            if point is None:
                return None, None, {"item": "service_point", "problem": f"no service point {point_code!r}"}
        unit_id = None
        if unit_code:
            if unit_code not in self._units:
                unit = unit_by_code(self.session, unit_code)
                self._units[unit_code] = unit.id if unit is not None else None
            unit_id = self._units[unit_code]
            if unit_id is None:
                return None, None, {"item": "unit", "problem": f"no unit {unit_code!r}"}
        if point is not None:
            if unit_id is not None and unit_id != point[1]:
                problem = f"{unit_code!r} is not the unit of service point {point_code!r}; leave unit blank"
                return None, None, {"item": "unit", "problem": problem}
            return point[0], point[1], None
        if unit_id is None:
            problem = "every response belongs to a unit: give the service point (or the unit) of this row"
            return None, None, {"item": "service_point", "problem": problem}
        return None, unit_id, None
