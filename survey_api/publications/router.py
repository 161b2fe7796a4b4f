"""HTTP endpoints of publications: admins publish and withdraw; the public pages read them (survey_web)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from survey_api.deps import AdminUser, AnalystUser, SessionDep, SettingsDep
from survey_api.errors import InvalidInput
from survey_api.params import IdPath
from survey_api.publications import service
from survey_api.publications.schemas import PublicationOut, PublishIn
from survey_api.reports.periods import parse_period
from survey_api.routing import CommittingRoute

router = APIRouter(prefix="/api/v1/publications", tags=["publications"], route_class=CommittingRoute)


@router.post("", response_model=PublicationOut, status_code=status.HTTP_201_CREATED)
def publish(body: PublishIn, session: SessionDep, user: AdminUser, settings: SettingsDep) -> PublicationOut:
    """Publish an instrument's index and unit ranking for a period (a frozen snapshot, audited); a result
    published before for the same instrument and period is withdrawn."""
    try:
        period = parse_period(body.period)
    except ValueError as exc:
        raise InvalidInput(str(exc), errors=[{"item": "period", "problem": str(exc)}]) from None
    return service.publish(session, instrument=body.instrument, period=period, user=user, settings=settings)


@router.get("", response_model=list[PublicationOut])
def list_publications(session: SessionDep, _user: AnalystUser) -> list[PublicationOut]:
    """What the public sees now (withdrawn results are not listed), newest period first."""
    return service.published(session)


@router.delete("/{publication_id}", status_code=status.HTTP_204_NO_CONTENT)
def withdraw(publication_id: IdPath, session: SessionDep, user: AdminUser) -> Response:
    """Stop showing a published result (it stays on record; audited)."""
    service.withdraw(session, publication_id, user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
