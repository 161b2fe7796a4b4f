"""Queries on responses and service points used while collecting."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_api.db.inserts import insert_all_once, insert_once
from survey_api.db.models import Response, ServicePoint


def service_point_by_code(session: Session, code: str) -> ServicePoint | None:
    """The service point with this code, if any."""
    return session.scalars(select(ServicePoint).where(ServicePoint.code == code)).first()


def service_point_code(session: Session, service_point_id: int | None) -> str | None:
    """The code of a service point id (None for None)."""
    if service_point_id is None:
        return None
    return session.scalar(select(ServicePoint.code).where(ServicePoint.id == service_point_id))


def response_by_id(session: Session, response_id: uuid.UUID) -> Response | None:
    """A stored response, read from the database (not from the session's cache)."""
    return session.scalars(
        select(Response).where(Response.id == response_id).execution_options(populate_existing=True)
    ).first()


def insert_response_once(session: Session, values: dict[str, Any]) -> bool:
    """Insert a response unless one with its id exists; True when this call stored it."""
    return insert_once(session, Response, values)


def insert_responses_once(session: Session, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
    """Insert responses, skipping ids already stored; the ids this call stored."""
    return insert_all_once(session, Response, rows)


def flagged(session: Session, limit: int) -> list[tuple[Response, str | None]]:
    """Excluded responses with their service point code, newest first."""
    rows = session.execute(
        select(Response, ServicePoint.code)
        .outerjoin(ServicePoint, ServicePoint.id == Response.service_point_id)
        .where(Response.excluded.is_(True))
        .order_by(Response.received_at.desc())
        .limit(limit)
    )
    return [(response, code) for response, code in rows]
