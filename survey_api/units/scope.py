"""Which units a user may see: unit managers see their unit and everything below it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_api.db.models import OrgUnit, User
from survey_api.errors import Forbidden


def descendants(tree: list[tuple[int, int | None]], root: int) -> set[int]:
    """``root`` and every unit below it, given (id, parent id) pairs."""
    children: dict[int | None, list[int]] = {}
    for unit_id, parent_id in tree:
        children.setdefault(parent_id, []).append(unit_id)
    found, frontier = {root}, [root]
    while frontier:
        for child in children.get(frontier.pop(), []):
            if child not in found:
                found.add(child)
                frontier.append(child)
    return found


def unit_tree(session: Session) -> list[tuple[int, int | None]]:
    """(id, parent id) of every org unit."""
    return [(row.id, row.parent_id) for row in session.execute(select(OrgUnit.id, OrgUnit.parent_id))]


def subtree(session: Session, unit_id: int) -> set[int]:
    """A unit and every unit below it."""
    return descendants(unit_tree(session), unit_id)


def visible_units(session: Session, viewer: User) -> set[int] | None:
    """The units ``viewer`` may see; None means all of them."""
    if viewer.role != "unit_manager":
        return None
    if viewer.unit_id is None:
        raise Forbidden("your account is not attached to a unit; ask an admin to set it")
    return subtree(session, viewer.unit_id)


def require_visible(session: Session, viewer: User, unit_id: int, what: str) -> None:
    """403 unless ``viewer`` may see the unit ``unit_id``."""
    allowed = visible_units(session, viewer)
    if allowed is not None and unit_id not in allowed:
        raise Forbidden(f"{what} belongs to another unit; you can see only your own units")
