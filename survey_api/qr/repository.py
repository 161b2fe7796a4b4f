"""Queries on QR links, receipt claims and recent QR responses."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from survey_api.db.inserts import insert_once
from survey_api.db.models import Instrument, QrLink, ReceiptClaim, Response, ServicePoint


def link_of(session: Session, service_point_id: int, instrument_id: int) -> QrLink | None:
    """The link of a service point for an instrument."""
    return session.scalars(
        select(QrLink).where(QrLink.service_point_id == service_point_id, QrLink.instrument_id == instrument_id)
    ).first()


def links_of(session: Session, service_point_ids: Sequence[int]) -> list[tuple[QrLink, str]]:
    """Every link of these service points with its instrument code."""
    rows = session.execute(
        select(QrLink, Instrument.code)
        .join(Instrument, Instrument.id == QrLink.instrument_id)
        .where(QrLink.service_point_id.in_(service_point_ids))
        .order_by(QrLink.service_point_id, Instrument.code)
    )
    return [(link, code) for link, code in rows]


def service_points(session: Session, unit_ids: set[int] | None) -> Sequence[ServicePoint]:
    """Service points, all or within the given units, by code."""
    query = select(ServicePoint).order_by(ServicePoint.code)
    if unit_ids is not None:
        query = query.where(ServicePoint.unit_id.in_(unit_ids))
    return session.scalars(query).all()


def point_with_unit(session: Session, code: str) -> ServicePoint | None:
    """A service point by code."""
    return session.scalars(select(ServicePoint).where(ServicePoint.code == code).options(joinedload("*"))).first()


def receipt_claimed(session: Session, service_point_id: int, receipt_hash: str) -> bool:
    """Whether this dossier number has already been used to answer at this point."""
    return (
        session.scalar(
            select(ReceiptClaim.id).where(
                ReceiptClaim.service_point_id == service_point_id, ReceiptClaim.receipt_hash == receipt_hash
            )
        )
        is not None
    )


def claim_receipt(session: Session, service_point_id: int, receipt_hash: str, response_id: uuid.UUID) -> bool:
    """Record a dossier number's use; False when another answer claimed it first."""
    values = {"service_point_id": service_point_id, "receipt_hash": receipt_hash, "response_id": response_id}
    return insert_once(session, ReceiptClaim, values)


def answered_from_device_since(session: Session, service_point_id: int, device_hash: str, since: datetime) -> bool:
    """Whether this device answered at this point since ``since``."""
    return (
        session.scalar(
            select(Response.id)
            .where(
                Response.service_point_id == service_point_id,
                Response.device_hash == device_hash,
                Response.received_at >= since,
            )
            .limit(1)
        )
        is not None
    )


def answers_at_point_since(session: Session, service_point_id: int, since: datetime) -> int:
    """How many QR answers this point received since ``since``."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Response)
            .where(
                Response.service_point_id == service_point_id,
                Response.channel == "qr",
                Response.received_at >= since,
            )
        )
        or 0
    )
