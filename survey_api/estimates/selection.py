"""What an estimate or an export is over: one value built per request, carried whole, and the cache key."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import ColumnElement

from survey_api.db.models import Response


@dataclass(frozen=True)
class Selection:
    """The non-excluded responses of one instrument version, within units, at a service point, in a period
    (first and last day, both included) and through a channel; None selects all."""

    version_id: int
    unit_ids: frozenset[int] | None = None
    service_point_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    channel: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """The selection as SQL conditions on ``responses``."""
        conditions: list[ColumnElement[bool]] = [
            Response.instrument_version_id == self.version_id,
            Response.excluded.is_(False),
        ]
        if self.unit_ids is not None:
            # Sorted, so that one selection always renders the same SQL.
            conditions.append(Response.unit_id.in_(sorted(self.unit_ids)))
        if self.service_point_id is not None:
            conditions.append(Response.service_point_id == self.service_point_id)
        if self.date_from is not None:
            conditions.append(Response.observed_on >= self.date_from)
        if self.date_to is not None:
            conditions.append(Response.observed_on <= self.date_to)
        if self.channel is not None:
            conditions.append(Response.channel == self.channel)
        return conditions

    def over(self, date_from: date | None, date_to: date | None) -> Selection:
        """The same selection over another period."""
        return replace(self, date_from=date_from, date_to=date_to)
