"""Queries on feedback: the filtered list with unit and service point names, an item's history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import Session, aliased

from survey_api.collection.service import LOCAL_TIME
from survey_api.db.models import Feedback, FeedbackContact, FeedbackEvent, OrgUnit, ServicePoint, User
from survey_api.feedback.rules import OPEN_STATUSES


@dataclass(frozen=True)
class Filters:
    """What a list asks for; every field is optional. ``units`` is already resolved to ids (a subtree)."""

    units: set[int] | None = None
    kind: str | None = None
    status: str | None = None
    overdue: bool | None = None
    received_from: date | None = None
    received_to: date | None = None
    text: str | None = None


@dataclass(frozen=True)
class Row:
    """A listed feedback with the names a person reads."""

    feedback: Feedback
    unit_code: str | None
    unit_name: str | None
    point_code: str | None
    point_name: str | None
    has_contact: bool


@dataclass(frozen=True)
class Event:
    """A step of an item's history with the names a person reads."""

    event: FeedbackEvent
    by: str | None
    from_unit: str | None
    to_unit: str | None


def start_of(day: date) -> datetime:
    """The first moment of a day in Viet Nam."""
    return datetime.combine(day, time.min, tzinfo=LOCAL_TIME)


def conditions(f: Filters, today: date) -> list[ColumnElement[bool]]:
    """The WHERE conditions on ``Feedback`` of the filters."""
    found: list[ColumnElement[bool]] = []
    if f.units is not None:
        found.append(Feedback.unit_id.in_(f.units) if f.units else false())
    if f.kind:
        found.append(Feedback.kind == f.kind)
    if f.status:
        found.append(Feedback.status == f.status)
    late = and_(Feedback.status.in_(OPEN_STATUSES), Feedback.due_on < today)
    if f.overdue is True:
        found.append(late)
    elif f.overdue is False:
        found.append(or_(~late, Feedback.due_on.is_(None)))
    if f.received_from:
        found.append(Feedback.created_at >= start_of(f.received_from))
    if f.received_to:
        found.append(Feedback.created_at < start_of(f.received_to + timedelta(days=1)))
    if f.text:
        pattern = "%" + f.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        found.append(or_(Feedback.text.ilike(pattern, escape="\\"), Feedback.reference.ilike(pattern, escape="\\")))
    return found


def listing(session: Session, f: Filters, today: date, *, limit: int, offset: int = 0) -> list[Row]:
    """Feedback matching the filters, newest first."""
    query = (
        select(Feedback, OrgUnit.code, OrgUnit.name, ServicePoint.code, ServicePoint.name, FeedbackContact.id)
        .outerjoin(OrgUnit, OrgUnit.id == Feedback.unit_id)
        .outerjoin(ServicePoint, ServicePoint.id == Feedback.service_point_id)
        .outerjoin(FeedbackContact, FeedbackContact.feedback_id == Feedback.id)
    )
    query = query.where(*conditions(f, today)).order_by(Feedback.created_at.desc(), Feedback.id.desc())
    return [
        Row(feedback, unit_code, unit_name, point_code, point_name, contact is not None)
        for feedback, unit_code, unit_name, point_code, point_name, contact in session.execute(
            query.limit(limit).offset(offset)
        )
    ]


def row_of(session: Session, feedback: Feedback) -> Row:
    """One feedback as a list row."""
    unit = session.get(OrgUnit, feedback.unit_id) if feedback.unit_id is not None else None
    point = session.get(ServicePoint, feedback.service_point_id) if feedback.service_point_id is not None else None
    contact = session.scalar(select(FeedbackContact.id).where(FeedbackContact.feedback_id == feedback.id))
    return Row(
        feedback,
        unit.code if unit else None,
        unit.name if unit else None,
        point.code if point else None,
        point.name if point else None,
        contact is not None,
    )


def history(session: Session, feedback_id: int) -> list[Event]:
    """Every step of a feedback's handling, oldest first."""
    before, after = aliased(OrgUnit), aliased(OrgUnit)
    rows = session.execute(
        select(FeedbackEvent, User.display_name, before.name, after.name)
        .outerjoin(User, User.id == FeedbackEvent.user_id)
        .outerjoin(before, before.id == FeedbackEvent.from_unit_id)
        .outerjoin(after, after.id == FeedbackEvent.to_unit_id)
        .where(FeedbackEvent.feedback_id == feedback_id)
        .order_by(FeedbackEvent.at, FeedbackEvent.id)
    )
    return [Event(event, by, from_unit, to_unit) for event, by, from_unit, to_unit in rows]


def by_reference(session: Session, reference: str) -> Feedback | None:
    """The feedback with this (normalised) reference."""
    return session.scalar(select(Feedback).where(Feedback.reference == reference))


def units_named(session: Session, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """(code, name) of units by id."""
    if not ids:
        return {}
    return {u.id: (u.code, u.name) for u in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))}
