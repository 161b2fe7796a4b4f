"""Publish an index and its ranking for a period, withdraw it, and read what is published.

A publication is a snapshot: the numbers the public sees do not move when late answers arrive, and the
page needs no estimation to show them. Levels resting on fewer respondents than ``min_answers`` are stored
without numbers, so no public page, file or embed can show them.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_api import audit
from survey_api.db.base import utcnow
from survey_api.db.models import Publication, User
from survey_api.errors import NotFound
from survey_api.estimates.params import IndexParams
from survey_api.estimates.schemas import LevelOut
from survey_api.estimates.service import indices
from survey_api.feedback.counts import counts_by_unit
from survey_api.instruments.service import list_published
from survey_api.publications.schemas import PublicationOut, PublicFeedback, PublicLevel, PublicResult, PublicUnit
from survey_api.rankings.schemas import RankedUnit, RankingParams
from survey_api.rankings.service import ranking
from survey_api.reports.periods import Period
from survey_api.settings import Settings


def publish(
    session: Session,
    *,
    instrument: str,
    period: Period,
    user: User,
    settings: Settings,
) -> PublicationOut:
    """Publish ``instrument``'s index and ranking for ``period``; a publication of the same instrument and
    period before it is withdrawn."""
    selection = {"instrument": instrument, "from": period.first, "to": period.last}
    index = indices(session, IndexParams.model_validate(selection), viewer=user, settings=settings)
    ranked = ranking(session, RankingParams.model_validate(selection), viewer=user, settings=settings)
    version = next(v for v in list_published(session) if (v.instrument.code, v.version) == (instrument, index.version))
    enough = (index.overall.respondents or index.responses) >= settings.min_answers
    result = PublicResult(
        instrument=instrument,
        title=version.title,
        sector=version.instrument.sector,
        version=index.version,
        period=period.code,
        period_label=period.label_vi,
        period_label_en=period.label_en,
        date_from=period.first,
        date_to=period.last,
        respondents=index.overall.respondents or index.responses,
        enough=enough,
        overall=_level(index.overall) if enough else None,
        target=index.target.value if index.target else None,
        met=index.target.met if index.target and enough else None,
        elements=[_level(element) for element in index.elements] if enough else [],
        units=[_unit(u, True) for u in ranked.ranked] + [_unit(u, False) for u in ranked.not_ranked],
        weighted=index.weighted,
        min_answers=settings.min_answers,
        feedback=_feedback(session, period, {u.unit for u in ranked.ranked + ranked.not_ranked}),
    )
    for earlier in _active(session, instrument, period.code):
        _withdraw(session, earlier, user)
    publication = Publication(
        instrument_code=instrument,
        version=index.version,
        period=period.code,
        date_from=period.first,
        date_to=period.last,
        content=result.model_dump(mode="json"),
        published_by=user.id,
    )
    session.add(publication)
    session.flush()
    audit.record(session, user, "publication.publish", f"{instrument} {period.code}", publication=publication.id)
    return _out(publication)


def withdraw(session: Session, publication_id: int, user: User) -> None:
    """Stop showing a publication (it stays on record); 404 when there is none or it was withdrawn."""
    publication = session.get(Publication, publication_id)
    if publication is None or publication.withdrawn_at is not None:
        raise NotFound(f"no published result {publication_id}")
    _withdraw(session, publication, user)


def published(session: Session) -> list[PublicationOut]:
    """What the public sees now, newest period first."""
    found = session.scalars(
        select(Publication)
        .where(Publication.withdrawn_at.is_(None))
        .order_by(Publication.date_to.desc(), Publication.instrument_code)
    )
    return [_out(p) for p in found]


def published_one(session: Session, publication_id: int) -> PublicationOut:
    """One publication the public may see, or 404."""
    publication = session.get(Publication, publication_id)
    if publication is None or publication.withdrawn_at is not None:
        raise NotFound(f"no published result {publication_id}")
    return _out(publication)


def _active(session: Session, instrument: str, period: str) -> Sequence[Publication]:
    return session.scalars(
        select(Publication).where(
            Publication.instrument_code == instrument,
            Publication.period == period,
            Publication.withdrawn_at.is_(None),
        )
    ).all()


def _withdraw(session: Session, publication: Publication, user: User) -> None:
    publication.withdrawn_at = utcnow()
    publication.withdrawn_by = user.id
    session.flush()
    audit.record(
        session,
        user,
        "publication.withdraw",
        f"{publication.instrument_code} {publication.period}",
        publication=publication.id,
    )


def _feedback(session: Session, period: Period, units: set[str]) -> list[PublicFeedback]:
    counts = counts_by_unit(session, None, received_from=period.first, received_to=period.last)
    return [
        PublicFeedback(
            unit=c.code,
            name=c.name or c.code,
            received=c.received,
            answered_on_time=c.answered_on_time,
            overdue=c.overdue,
        )
        for c in counts.units
        if c.code in units and c.received
    ]


def _level(level: LevelOut) -> PublicLevel:
    return PublicLevel(
        code=level.code,
        label=level.label,
        label_en=level.label_en,
        satisfied=level.satisfied,
        satisfied_ci=level.satisfied_ci,
    )


def _unit(unit: RankedUnit, enough: bool) -> PublicUnit:
    shown = unit.model_dump(include={"unit", "name", "name_en", "level", "respondents"})
    if not enough:
        return PublicUnit(**shown, enough=False)
    numbers = unit.model_dump(include={"satisfied", "satisfied_ci", "rank", "rank_low", "rank_high", "tier"})
    return PublicUnit(**shown, **numbers, enough=True)


def _out(publication: Publication) -> PublicationOut:
    return PublicationOut(
        id=publication.id,
        published_at=publication.published_at,
        withdrawn_at=publication.withdrawn_at,
        result=PublicResult.model_validate(publication.content),
    )
