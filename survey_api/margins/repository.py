"""Queries on population margins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from survey_api.db.models import OrgUnit, PopulationMargin


def _unit_is(unit_id: int | None) -> ColumnElement[bool]:
    return PopulationMargin.unit_id.is_(None) if unit_id is None else PopulationMargin.unit_id == unit_id


def margin_set(session: Session, unit_id: int | None, start: date, end: date) -> Sequence[PopulationMargin]:
    """The margins stored for exactly this unit and period."""
    return session.scalars(
        select(PopulationMargin)
        .where(_unit_is(unit_id), PopulationMargin.period_start == start, PopulationMargin.period_end == end)
        .order_by(PopulationMargin.variable, PopulationMargin.id)
    ).all()


def delete_set(session: Session, unit_id: int | None, start: date, end: date) -> None:
    """Remove the margins of this unit and period."""
    session.execute(
        delete(PopulationMargin).where(
            _unit_is(unit_id), PopulationMargin.period_start == start, PopulationMargin.period_end == end
        )
    )


def overlapping(
    session: Session, unit_ids: set[int] | None, date_from: date | None, date_to: date | None
) -> Sequence[tuple[PopulationMargin, str | None]]:
    """Margins (with their unit code) of the given units whose period overlaps [date_from, date_to]."""
    query = select(PopulationMargin, OrgUnit.code).outerjoin(OrgUnit, OrgUnit.id == PopulationMargin.unit_id)
    if unit_ids is not None:
        query = query.where(PopulationMargin.unit_id.in_(unit_ids))
    if date_from is not None:
        query = query.where(PopulationMargin.period_end >= date_from)
    if date_to is not None:
        query = query.where(PopulationMargin.period_start <= date_to)
    query = query.order_by(PopulationMargin.period_start, PopulationMargin.unit_id, PopulationMargin.id)
    return [(margin, code) for margin, code in session.execute(query)]


def covering_period(
    session: Session, unit_id: int | None, date_from: date | None, date_to: date | None
) -> tuple[date, date] | None:
    """The latest-starting period with margins for this unit that covers [date_from, date_to]."""
    query = select(PopulationMargin.period_start, PopulationMargin.period_end).where(_unit_is(unit_id))
    if date_from is not None:
        query = query.where(PopulationMargin.period_start <= date_from)
    if date_to is not None:
        query = query.where(PopulationMargin.period_end >= date_to)
    row = session.execute(
        query.order_by(PopulationMargin.period_start.desc(), PopulationMargin.period_end).limit(1)
    ).first()
    return (row[0], row[1]) if row is not None else None
