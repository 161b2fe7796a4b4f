"""The map of a day: the tree of units valid that day, the crosswalk, and how a closed unit's results
land on the units of a later map."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.orm import Session

from survey_api.db.models import OrgUnit
from survey_api.units import repository
from survey_api.units.changes import valid_on

# A chain of successors longer than this is a loop in the data.
_MAX_CHAIN = 50


@dataclass
class UnitNode:
    """A unit as the map of one day shows it (its name and parent of that day), with its children."""

    code: str
    name: str
    name_en: str | None
    kind: str
    sector: str | None
    parent: str | None
    valid_from: date
    valid_to: date | None
    successors: list[tuple[str, float]] = field(default_factory=list)
    children: list[UnitNode] = field(default_factory=list)


@dataclass(frozen=True)
class CrosswalkRow:
    """A closed unit, one successor and the share of the closed unit it received, from ``valid_from``."""

    unit: str
    unit_name: str
    successor: str
    successor_name: str
    share: float
    valid_from: date


def tree_on(session: Session, day: date) -> list[UnitNode]:
    """The roots of the map valid on ``day``, children nested and ordered by name.

    A unit whose parent of that day is not itself valid that day hangs under the nearest ancestor that is
    (or becomes a root)."""
    units = {u.id: u for u in repository.all_units(session)}
    states: dict[int, tuple[str, str | None, int | None]] = {
        u.id: (u.name, u.name_en, u.parent_id) for u in units.values()
    }
    # The earliest earlier state that still covers the day wins (versions come ordered by end day).
    for version in reversed(repository.earlier_versions(session)):
        if version.valid_to >= day:
            states[version.unit_id] = (version.name, version.name_en, version.parent_id)
    successors = _successor_codes(session, units)
    nodes = {
        unit_id: UnitNode(
            code=u.code,
            name=states[unit_id][0],
            name_en=states[unit_id][1],
            kind=u.kind,
            sector=u.sector,
            parent=None,
            valid_from=u.valid_from,
            valid_to=u.valid_to,
            successors=successors.get(unit_id, []),
        )
        for unit_id, u in units.items()
        if valid_on(u, day)
    }
    roots: list[UnitNode] = []
    for unit_id, node in nodes.items():
        parent_id, steps = states[unit_id][2], 0
        while parent_id is not None and parent_id not in nodes and steps < _MAX_CHAIN:
            parent_id, steps = states[parent_id][2] if parent_id in states else None, steps + 1
        if parent_id is not None and parent_id in nodes:
            node.parent = nodes[parent_id].code
            nodes[parent_id].children.append(node)
        else:
            roots.append(node)
    for node in nodes.values():
        node.children.sort(key=_by_name)
    return sorted(roots, key=_by_name)


def _by_name(node: UnitNode) -> tuple[str, str]:
    """Vietnamese alphabetical order, near enough: Đ with D, accents after the bare letters."""
    bare = unicodedata.normalize("NFD", node.name.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in bare if not unicodedata.combining(c)).casefold(), node.name


def crosswalk(session: Session) -> list[CrosswalkRow]:
    """Every closed unit with its successors and shares, by unit code."""
    units = {u.id: u for u in repository.all_units(session)}
    rows = []
    for link in repository.successor_links(session):
        old, new = units[link.unit_id], units[link.successor_id]
        assert old.valid_to is not None  # only closed units have successors
        rows.append(CrosswalkRow(old.code, old.name, new.code, new.name, link.share, old.valid_to + timedelta(days=1)))
    return sorted(rows, key=lambda r: (r.unit, r.successor))


def onto_map(session: Session, unit_ids: Collection[int], day: date) -> dict[int, list[tuple[int, float]]]:
    """Where each unit lands on the map of ``day``: itself (share 1) when valid that day, else the units
    valid that day reached through the crosswalk, with the products of the shares along the way (empty
    when the unit closed without successors, or starts after ``day``)."""
    units = {u.id: u for u in repository.all_units(session)}
    links: dict[int, list[tuple[int, float]]] = {}
    for link in repository.successor_links(session):
        links.setdefault(link.unit_id, []).append((link.successor_id, link.share))
    landed: dict[int, list[tuple[int, float]]] = {}
    for unit_id in unit_ids:
        shares: dict[int, float] = {}
        frontier = [(unit_id, 1.0, 0)]
        while frontier:
            current, share, depth = frontier.pop()
            unit = units.get(current)
            if unit is None or depth > _MAX_CHAIN:
                continue
            if valid_on(unit, day):
                shares[current] = shares.get(current, 0.0) + share
            elif unit.valid_to is not None and unit.valid_to < day:
                frontier.extend((successor, share * part, depth + 1) for successor, part in links.get(current, []))
        landed[unit_id] = sorted(shares.items())
    return landed


def sources_on(session: Session, unit: OrgUnit, start: date, end: date, day: date) -> list[tuple[int, float]]:
    """The units whose results make up ``unit`` (valid on ``day``) over the earlier period [start, end]:
    each unit that existed in that period and lands on ``unit`` on the map of ``day``, with the share it
    brings. ``unit`` itself comes with share 1 when it existed then."""
    candidates = [
        u.id
        for u in repository.all_units(session)
        if u.valid_from <= end and (u.valid_to is None or u.valid_to >= start)
    ]
    sources = []
    for source_id, landed in onto_map(session, candidates, day).items():
        share = sum(part for target, part in landed if target == unit.id)
        if share > 0:
            sources.append((source_id, share))
    return sorted(sources)


def _successor_codes(session: Session, units: dict[int, OrgUnit]) -> dict[int, list[tuple[str, float]]]:
    found: dict[int, list[tuple[str, float]]] = {}
    for link in repository.successor_links(session):
        found.setdefault(link.unit_id, []).append((units[link.successor_id].code, link.share))
    return found


@dataclass(frozen=True)
class Closure:
    """A unit that no longer exists on ``day``: its name, last day, and the units of that day that took
    it over (names, with the share each received)."""

    unit_name: str
    last_day: date
    successors: list[tuple[str, float]]


def closure_of(session: Session, unit: OrgUnit, day: date) -> Closure | None:
    """How ``unit`` ended, when it is closed on ``day`` (None while it is valid or not yet started)."""
    if unit.valid_to is None or unit.valid_to >= day:
        return None
    landed = onto_map(session, [unit.id], day)[unit.id]
    names = {u.id: u.name for u in repository.all_units(session)}
    successors = sorted(((names[uid], share) for uid, share in landed), key=lambda s: (-s[1], s[0]))
    return Closure(unit.name, unit.valid_to, successors)


@dataclass(frozen=True)
class PointClosure:
    """A switched-off service point: its name and where to answer instead (the other open points of its
    unit, or, when the unit itself has closed, the units that took it over)."""

    point_name: str
    instead: list[str]


def point_closure(session: Session, code: str, day: date) -> PointClosure | None:
    """How the service point ``code`` ended, when it is switched off (None while it is active)."""
    point = repository.point_by_code(session, code)
    if point is None or point.active:
        return None
    unit = repository.units_by_id(session, [point.unit_id]).get(point.unit_id)
    ended = closure_of(session, unit, day) if unit is not None else None
    if ended is not None:
        return PointClosure(point.name, [name for name, _share in ended.successors])
    others = repository.open_points_of(session, point.unit_id)
    return PointClosure(point.name, [p.name for p in others if p.id != point.id])
