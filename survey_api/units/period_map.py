"""Results on the period's map: a breakdown by unit uses the units valid on the period's last day, and a
comparison with an earlier period on another map re-aggregates the earlier results through the crosswalk."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, Self, TypeVar

from sqlalchemy.orm import Session

from survey_api.units import repository
from survey_api.units.changes import valid_on
from survey_api.units.maps import onto_map, sources_on
from survey_api.units.reaggregate import combine_levels, combine_lists
from survey_api.units.scope import subtree


class BreakdownLike(Protocol):
    """The parts of a breakdown entry (``estimates.schemas.BreakdownOut``) that re-aggregation reads."""

    @property
    def group(self) -> dict[str, str]: ...
    @property
    def responses(self) -> int: ...
    @property
    def overall(self) -> Any: ...
    @property
    def groups(self) -> Sequence[Any]: ...
    @property
    def elements(self) -> Sequence[Any]: ...
    @property
    def items(self) -> Sequence[Any]: ...

    def model_dump(self, *, exclude_unset: bool = False) -> dict[str, Any]: ...

    @classmethod
    def model_validate(cls, obj: Any) -> Self: ...


B = TypeVar("B", bound=BreakdownLike)


@dataclass(frozen=True)
class Source:
    """A unit of an earlier map whose results go into a unit of a later one: its id, code, the share it
    brings, and the units its results cover (it and the units below it)."""

    unit_id: int
    code: str
    share: float
    unit_ids: frozenset[int]


def map_day(date_to: date | None) -> date:
    """The day whose map a period's results are reported on: its last day (today when it has none)."""
    return date_to or date.today()


def breakdown_on_map(session: Session, entries: Sequence[B], date_to: date | None) -> list[B]:
    """Breakdown entries by unit on the map of the period's last day.

    An entry of a unit closed before that day is re-aggregated onto the unit's successors of that day
    (with the crosswalk's shares, together with any entry of the successor itself), and the successor's
    entry lists where its numbers came from in ``reaggregated_from``. Entries of units on the map, or
    closed without successors, stay as they are.
    """
    day = map_day(date_to)
    codes = {entry.group.get("unit", "") for entry in entries}
    units = {u.code: u for u in repository.all_units(session) if u.code in codes}
    off_map = {code: u for code, u in units.items() if not valid_on(u, day)}
    if not off_map:
        return list(entries)
    landed = onto_map(session, [u.id for u in off_map.values()], day)
    code_of = {u.id: u.code for u in repository.all_units(session)}
    parts: dict[str, list[tuple[B, float]]] = {}
    kept: list[B] = []
    for entry in entries:
        code = entry.group.get("unit", "")
        targets = landed.get(off_map[code].id, []) if code in off_map else [(None, 1.0)]
        if not targets:
            kept.append(entry)
        for target_id, share in targets:
            parts.setdefault(code if target_id is None else code_of[target_id], []).append((entry, share))
    for code, sources in parts.items():
        if len(sources) == 1 and sources[0][0].group.get("unit") == code:
            kept.append(sources[0][0])
        else:
            kept.append(_combined(code, sources))
    return sorted(kept, key=lambda entry: entry.group.get("unit", ""))


def comparison_sources(
    session: Session, unit_code: str | None, start: date, end: date, date_to: date
) -> list[Source] | None:
    """The sources of ``unit_code`` (on the map of ``date_to``) over the earlier period [start, end], when
    the map changed for it in between; None when it did not (the unit then compares with itself)."""
    if unit_code is None:
        return None
    unit = repository.unit_by_code(session, unit_code)
    if unit is None or not valid_on(unit, date_to):
        return None
    found = sources_on(session, unit, start, end, date_to)
    if not found or found == [(unit.id, 1.0)]:
        return None
    codes = {u.id: u.code for u in repository.all_units(session)}
    return [Source(uid, codes[uid], share, frozenset(subtree(session, uid))) for uid, share in found]


def _combined(code: str, sources: Sequence[tuple[B, float]]) -> B:
    first = sources[0][0]
    origin = [
        {"unit": entry.group.get("unit", ""), "share": share}
        for entry, share in sources
        if entry.group.get("unit") != code
    ]
    # Validated again (not copied), so that ``reaggregated_from`` becomes the schema's own type.
    return type(first).model_validate(
        {
            **first.model_dump(exclude_unset=True),
            "group": {**first.group, "unit": code},
            "responses": round(sum(entry.responses * share for entry, share in sources)),
            "overall": combine_levels([(entry.overall, share) for entry, share in sources]),
            "groups": combine_lists([(entry.groups, share) for entry, share in sources]),
            "elements": combine_lists([(entry.elements, share) for entry, share in sources]),
            "items": combine_lists([(entry.items, share) for entry, share in sources]),
            "reaggregated_from": origin,
        }
    )
