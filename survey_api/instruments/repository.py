"""Queries on instruments and their versions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, defer, joinedload

from survey_api.db.models import Instrument, InstrumentVersion
from survey_api.db.models.instruments import PUBLISHED


def instrument_by_code(session: Session, code: str) -> Instrument | None:
    """The instrument with this code, if any."""
    return session.scalars(select(Instrument).where(Instrument.code == code)).first()


def version_of(session: Session, instrument_id: int, version: int) -> InstrumentVersion | None:
    """One version of an instrument."""
    return session.scalars(
        select(InstrumentVersion).where(
            InstrumentVersion.instrument_id == instrument_id, InstrumentVersion.version == version
        )
    ).first()


def version_by_id(session: Session, version_id: int) -> InstrumentVersion | None:
    """An instrument version by its id, with its instrument loaded; its content (a large JSON document, parsed
    once per process by ``service.document_of``) is read only when asked for."""
    return session.get(
        InstrumentVersion,
        version_id,
        options=[joinedload(InstrumentVersion.instrument), defer(InstrumentVersion.content)],
    )


def published_versions(session: Session) -> Sequence[InstrumentVersion]:
    """Every published version, by instrument code then version."""
    return session.scalars(
        select(InstrumentVersion)
        .join(Instrument)
        .options(joinedload(InstrumentVersion.instrument))
        .where(InstrumentVersion.status == PUBLISHED)
        .order_by(Instrument.code, InstrumentVersion.version)
    ).all()


def latest_published(session: Session, instrument_id: int) -> InstrumentVersion | None:
    """The highest published version of an instrument."""
    return session.scalars(
        select(InstrumentVersion)
        .where(InstrumentVersion.instrument_id == instrument_id, InstrumentVersion.status == PUBLISHED)
        .order_by(InstrumentVersion.version.desc())
    ).first()


def all_versions(session: Session) -> Sequence[InstrumentVersion]:
    """Every version whatever its status, by instrument code then version (content read when asked for)."""
    return session.scalars(
        select(InstrumentVersion)
        .join(Instrument)
        .options(joinedload(InstrumentVersion.instrument), defer(InstrumentVersion.content))
        .order_by(Instrument.code, InstrumentVersion.version)
    ).all()
