"""How feedback is handled, per unit and period: received, answered on time or late, overdue, still open.

Ready for the periodic reports and the public results page; the staff list shows it for its filters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_api.db.models import Feedback, OrgUnit, User
from survey_api.feedback.repository import Filters, conditions
from survey_api.feedback.rules import OPEN_STATUSES, is_overdue, local_day, today
from survey_api.units.scope import visible_units


@dataclass
class UnitCounts:
    """The counts of one unit (``code`` None: feedback routed to no unit)."""

    code: str | None
    name: str | None
    received: int = 0
    answered_on_time: int = 0
    answered_late: int = 0
    overdue: int = 0
    open: int = 0


@dataclass
class Counts:
    """Counts per unit, by unit name, and their total."""

    units: list[UnitCounts] = field(default_factory=list)
    total: UnitCounts = field(default_factory=lambda: UnitCounts(None, None))


def counts_by_unit(
    session: Session,
    viewer: User | None,
    *,
    received_from: date | None = None,
    received_to: date | None = None,
    kind: str | None = None,
    on: date | None = None,
) -> Counts:
    """Feedback received in the period (days in Viet Nam, both included) per unit the viewer may see
    (``viewer`` None: all, for reports); answered on time means replied or rejected by the due day, overdue
    means still open after it (as of ``on``, default today)."""
    on = on or today()
    units = visible_units(session, viewer) if viewer is not None else None
    f = Filters(units=units, kind=kind, received_from=received_from, received_to=received_to)
    query = (
        select(Feedback.unit_id, OrgUnit.code, OrgUnit.name, Feedback.status, Feedback.due_on, Feedback.replied_at)
        .add_columns(Feedback.closed_at)
        .outerjoin(OrgUnit, OrgUnit.id == Feedback.unit_id)
        .where(*conditions(f, on))
    )
    per_unit: dict[int | None, UnitCounts] = {}
    result = Counts()
    for unit_id, code, name, status, due_on, replied_at, closed_at in session.execute(query):
        row = per_unit.setdefault(unit_id, UnitCounts(code, name))
        for target in (row, result.total):
            _count(target, status, due_on, replied_at or (closed_at if status == "rejected" else None), on)
    result.units = sorted(per_unit.values(), key=lambda u: (u.name is None, u.name or ""))
    return result


def _count(target: UnitCounts, status: str, due_on: date | None, handled_at: datetime | None, on: date) -> None:
    target.received += 1
    if status in OPEN_STATUSES:
        target.open += 1
        target.overdue += is_overdue(status, due_on, on)
    elif handled_at is not None:
        handled = local_day(handled_at)
        if due_on is None or handled <= due_on:
            target.answered_on_time += 1
        else:
            target.answered_late += 1
