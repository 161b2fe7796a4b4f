"""Dated changes of the map: create, rename, move, close, merge and split units, each audit-logged.

A unit is valid from ``valid_from`` to ``valid_to`` (both included; None: still valid). Closing a unit may
name its successors with the share of the unit each received; that is the crosswalk (``unit_successors``)
through which results of the old map are re-aggregated onto the new one. Functions flush, never commit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from survey_api import audit
from survey_api.db.models import OrgUnit, OrgUnitVersion, UnitSuccessor, User
from survey_api.errors import Conflict, DomainError, InvalidInput, NotFound
from survey_api.units import repository
from survey_api.units.scope import subtree

CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
KIND = re.compile(r"[a-z][a-z_]{1,31}")
SECTORS = ("administrative", "health", "education")
# Shares of a closed unit must add up to 1 within this tolerance (shares are usually typed with 2-4 digits).
SHARE_TOLERANCE = 1e-3


@dataclass(frozen=True)
class NewUnit:
    """A unit to create: its code, name, kind (province, district, commune, ward, hospital, school, …),
    parent code, sector and English name."""

    code: str
    name: str
    kind: str
    parent: str | None = None
    sector: str | None = None
    name_en: str | None = None


def problem(error: type[DomainError], reason: str, item: str, message: str) -> DomainError:
    """A domain error whose one problem carries a stable ``reason`` key (pages translate by it)."""
    return error(message, errors=[{"item": item, "problem": message, "reason": reason}])


def valid_on(unit: OrgUnit, day: date) -> bool:
    """Whether ``unit`` exists on ``day``."""
    return unit.valid_from <= day and (unit.valid_to is None or unit.valid_to >= day)


def get_unit(session: Session, code: str, item: str = "code") -> OrgUnit:
    """The unit with ``code``: 404 when missing (422 when ``item`` is a field of a body)."""
    unit = repository.unit_by_code(session, code)
    if unit is None:
        # The unit an address names is missing (404); one a body names makes the body wrong (422).
        raise problem(NotFound if item == "code" else InvalidInput, "unknown_unit", item, f"no unit {code!r}")
    return unit


def create(
    session: Session, actor: User | None, unit: NewUnit, *, valid_from: date, valid_to: date | None = None
) -> OrgUnit:
    """Create a unit valid from ``valid_from`` (to ``valid_to``); its parent must exist over those days."""
    created = insert_unit(session, unit, valid_from, valid_to)
    audit.record(session, actor, "unit.create", f"unit:{created.code}", **_described(created))
    return created


def rename(
    session: Session, actor: User | None, code: str, *, name: str, name_en: str | None = None, valid_from: date
) -> OrgUnit:
    """Give a unit a new name from ``valid_from``; the map of earlier days keeps the old one."""
    unit = get_unit(session, code)
    old = unit.name
    _begin_state(session, unit, valid_from)
    unit.name, unit.name_en = _name(name), name_en.strip() if name_en and name_en.strip() else None
    session.flush()
    audit.record(session, actor, "unit.rename", f"unit:{code}", old=old, new=unit.name, valid_from=str(valid_from))
    return unit


def move(session: Session, actor: User | None, code: str, *, parent: str | None, valid_from: date) -> OrgUnit:
    """Put a unit under another parent from ``valid_from``; the map of earlier days keeps the old parent."""
    unit = get_unit(session, code)
    new_parent = _parent(session, parent, valid_from, unit.valid_to) if parent else None
    if new_parent is not None and new_parent.id in subtree(session, unit.id):
        raise problem(InvalidInput, "parent_below", "parent", "a unit cannot be put under itself or a unit below it")
    old = unit.parent_id
    _begin_state(session, unit, valid_from)
    unit.parent_id = new_parent.id if new_parent else None
    session.flush()
    audit.record(session, actor, "unit.move", f"unit:{code}", old_parent=old, parent=parent, valid_from=str(valid_from))
    return unit


def close(
    session: Session,
    actor: User | None,
    code: str,
    *,
    valid_to: date,
    successors: Sequence[tuple[str, float]] = (),
) -> OrgUnit:
    """Close a unit after ``valid_to``, naming its successors with the share each received (sum 1)."""
    unit = get_unit(session, code)
    close_unit(session, unit, valid_to, successors)
    audit.record(
        session,
        actor,
        "unit.close",
        f"unit:{code}",
        valid_to=str(valid_to),
        successors=[[c, s] for c, s in successors],
    )
    return unit


def merge(
    session: Session, actor: User | None, codes: Sequence[str], into: NewUnit | str, *, valid_from: date
) -> OrgUnit:
    """Merge units into one from ``valid_from``: each closes the day before, wholly succeeded by ``into``
    (created when it is a :class:`NewUnit`, else an existing unit valid that day)."""
    if not codes or len(set(codes)) != len(codes):
        raise problem(InvalidInput, "unknown_unit", "units", "name each unit to merge once")
    olds = [get_unit(session, code, "units") for code in codes]
    target = _target(session, into, valid_from)
    if target.code in codes:
        raise problem(InvalidInput, "unknown_unit", "into", "a unit cannot be merged into itself")
    for old in olds:
        close_unit(session, old, valid_from - timedelta(days=1), [(target.code, 1.0)])
    audit.record(session, actor, "unit.merge", f"unit:{target.code}", units=list(codes), valid_from=str(valid_from))
    return target


def split(
    session: Session,
    actor: User | None,
    code: str,
    parts: Sequence[tuple[NewUnit | str, float]],
    *,
    valid_from: date,
) -> list[OrgUnit]:
    """Split a unit from ``valid_from`` into parts (created or existing), each with its share (sum 1)."""
    unit = get_unit(session, code)
    if not parts:
        raise problem(InvalidInput, "shares_not_one", "parts", "name at least one part")
    targets = [_target(session, part, valid_from) for part, _share in parts]
    successors = [(target.code, share) for target, (_part, share) in zip(targets, parts, strict=True)]
    close_unit(session, unit, valid_from - timedelta(days=1), successors)
    audit.record(
        session,
        actor,
        "unit.split",
        f"unit:{code}",
        parts=[[c, s] for c, s in successors],
        valid_from=str(valid_from),
    )
    return targets


def _target(session: Session, into: NewUnit | str, valid_from: date) -> OrgUnit:
    if isinstance(into, NewUnit):
        return insert_unit(session, into, valid_from, None)
    target = get_unit(session, into, "into")
    if not valid_on(target, valid_from):
        raise problem(InvalidInput, "successor_not_valid", "into", f"unit {into!r} is not valid on {valid_from}")
    return target


def insert_unit(session: Session, unit: NewUnit, valid_from: date, valid_to: date | None) -> OrgUnit:
    """Create a unit, checked, without an audit entry (the caller records one)."""
    if not CODE.fullmatch(unit.code):
        raise problem(
            InvalidInput, "bad_code", "code", f"code {unit.code!r}: use 1-64 lowercase letters, digits, - or _"
        )
    if not KIND.fullmatch(unit.kind):
        raise problem(InvalidInput, "bad_kind", "kind", f"kind {unit.kind!r}: use lowercase letters and _")
    if unit.name_en is not None and len(unit.name_en) > 255:
        raise problem(InvalidInput, "bad_name", "name_en", "an English name has at most 255 characters")
    if unit.sector is not None and unit.sector not in SECTORS:
        raise problem(InvalidInput, "bad_kind", "sector", f"sector must be one of {', '.join(SECTORS)}")
    if valid_to is not None and valid_to < valid_from:
        raise problem(InvalidInput, "bad_dates", "valid_to", f"valid_to ({valid_to}) is before valid_from")
    if repository.unit_by_code(session, unit.code) is not None:
        raise problem(Conflict, "unit_exists", "code", f"unit {unit.code!r} exists already")
    parent = _parent(session, unit.parent, valid_from, valid_to) if unit.parent else None
    created = OrgUnit(
        code=unit.code,
        name=_name(unit.name),
        name_en=unit.name_en.strip() if unit.name_en and unit.name_en.strip() else None,
        kind=unit.kind,
        sector=unit.sector,
        parent_id=parent.id if parent else None,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    session.add(created)
    session.flush()
    return created


def _name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > 255:
        raise problem(InvalidInput, "bad_name", "name", "a name needs 1-255 characters")
    return cleaned


def _parent(session: Session, code: str, valid_from: date, valid_to: date | None) -> OrgUnit:
    """The parent ``code``, which must be valid over [valid_from, valid_to]."""
    parent = repository.unit_by_code(session, code)
    if parent is None:
        raise problem(InvalidInput, "unknown_parent", "parent", f"no parent unit {code!r}")
    ends_in_time = parent.valid_to is None or (valid_to is not None and valid_to <= parent.valid_to)
    if parent.valid_from > valid_from or not ends_in_time:
        raise problem(
            InvalidInput,
            "parent_not_valid",
            "parent",
            f"parent {code!r} is valid {parent.valid_from} to {parent.valid_to or '…'}, not over the unit's days",
        )
    return parent


def _begin_state(session: Session, unit: OrgUnit, valid_from: date) -> None:
    """Keep the unit's current name and parent as its state until ``valid_from`` - 1."""
    if not valid_on(unit, valid_from):
        raise problem(
            InvalidInput, "not_valid_on_day", "valid_from", f"unit {unit.code!r} is not valid on {valid_from}"
        )
    versions = repository.versions_of(session, unit.id)
    if any(v.valid_to >= valid_from for v in versions):
        raise problem(Conflict, "bad_dates", "valid_from", f"unit {unit.code!r} already changed after {valid_from}")
    # A second change on the same day keeps the state before the first one.
    if valid_from > unit.valid_from and not any(v.valid_to == valid_from - timedelta(days=1) for v in versions):
        session.add(
            OrgUnitVersion(
                unit_id=unit.id,
                valid_to=valid_from - timedelta(days=1),
                name=unit.name,
                name_en=unit.name_en,
                parent_id=unit.parent_id,
            )
        )


def close_unit(session: Session, unit: OrgUnit, valid_to: date, successors: Sequence[tuple[str, float]]) -> None:
    """Close a unit with its crosswalk rows, checked, without an audit entry (the caller records one)."""
    if unit.valid_to is not None:
        raise problem(Conflict, "already_closed", "code", f"unit {unit.code!r} is closed already ({unit.valid_to})")
    if valid_to < unit.valid_from:
        raise problem(InvalidInput, "bad_dates", "valid_to", f"unit {unit.code!r} starts after {valid_to}")
    still_open = repository.children_open_after(session, unit.id, valid_to)
    if still_open:
        names = ", ".join(child.code for child in still_open)
        raise problem(
            Conflict,
            "open_children",
            "code",
            f"unit {unit.code!r} has units valid after {valid_to}: {names}; close or move them first",
        )
    for linked in crosswalk_rows(session, unit, valid_to, successors):
        session.add(linked)
    unit.valid_to = valid_to
    session.flush()


def crosswalk_rows(
    session: Session, unit: OrgUnit, valid_to: date, successors: Sequence[tuple[str, float]]
) -> list[UnitSuccessor]:
    """The crosswalk rows of ``unit`` closing after ``valid_to``, checked."""
    first_day = valid_to + timedelta(days=1)
    rows: list[UnitSuccessor] = []
    seen: set[str] = set()
    for code, share in successors:
        if not (isinstance(share, int | float) and math.isfinite(share) and 0 < share <= 1):
            raise problem(InvalidInput, "bad_share", "successors", f"share of {code!r} must be above 0 and at most 1")
        if code in seen or code == unit.code:
            raise problem(InvalidInput, "unknown_unit", "successors", f"successor {code!r} named twice or is the unit")
        seen.add(code)
        successor = get_unit(session, code, "successors")
        if not valid_on(successor, first_day):
            raise problem(
                InvalidInput, "successor_not_valid", "successors", f"successor {code!r} is not valid on {first_day}"
            )
        rows.append(UnitSuccessor(unit_id=unit.id, successor_id=successor.id, share=float(share)))
    if rows and abs(sum(row.share for row in rows) - 1) > SHARE_TOLERANCE:
        raise problem(InvalidInput, "shares_not_one", "successors", "the successors' shares must add up to 1")
    return rows


def _described(unit: OrgUnit) -> dict[str, Any]:
    return {
        "name": unit.name,
        "kind": unit.kind,
        "sector": unit.sector,
        "parent_id": unit.parent_id,
        "valid_from": str(unit.valid_from),
        "valid_to": str(unit.valid_to) if unit.valid_to else None,
    }
