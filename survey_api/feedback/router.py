"""HTTP endpoints for feedback: the scoped list, an item, its handling, its contact details, publication."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query, Request, status

from survey_api.deps import AdminUser, ManagerUser, SessionDep, SettingsDep
from survey_api.feedback import handling, publication, service, views
from survey_api.feedback.api_out import counts_out, detail_out, feedback_out
from survey_api.feedback.counts import counts_by_unit
from survey_api.feedback.notify import Notice, notifier_for
from survey_api.feedback.purge import purge_lifespan
from survey_api.feedback.rules import FeedbackRules
from survey_api.feedback.schemas import (
    ContactOut,
    CountsOut,
    FeedbackDetail,
    FeedbackOut,
    Kind,
    PublishIn,
    ReassignIn,
    ReplyIn,
    Status,
    StatusIn,
)
from survey_api.params import FromQuery, IdPath, ToQuery
from survey_api.routing import CommittingRoute
from survey_api.settings import Settings

router = APIRouter(prefix="/api/v1/feedback", tags=["feedback"], route_class=CommittingRoute, lifespan=purge_lifespan)

UnitQuery = Annotated[str | None, Query(max_length=64, description="A unit's code: it and the units below it")]
TextQuery = Annotated[str | None, Query(max_length=200, description="Words in the text, or a reference")]


@router.get("", response_model=list[FeedbackOut])
def list_feedback(
    session: SessionDep,
    user: ManagerUser,
    unit: UnitQuery = None,
    kind: Kind | None = None,
    status: Status | None = None,
    overdue: bool | None = None,
    received_from: FromQuery = None,
    received_to: ToQuery = None,
    q: TextQuery = None,
    limit: Annotated[int, Query(ge=1, le=views.MAX_LIST)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[FeedbackOut]:
    """Feedback and petitions for your units (admins: all), newest first; no contact details."""
    filters = views.scope_filters(
        session,
        user,
        unit=unit,
        kind=kind,
        status=status,
        overdue=overdue,
        received_from=received_from,
        received_to=received_to,
        text=q,
    )
    return [feedback_out(item) for item in views.listing(session, filters, limit=limit, offset=offset)]


@router.get("/counts", response_model=CountsOut)
def feedback_counts(
    session: SessionDep,
    user: ManagerUser,
    received_from: FromQuery = None,
    received_to: ToQuery = None,
    kind: Kind | None = None,
) -> CountsOut:
    """Received, answered on time or late, overdue and open, per unit, for feedback received in the period."""
    return counts_out(counts_by_unit(session, user, received_from=received_from, received_to=received_to, kind=kind))


@router.get("/{feedback_id}", response_model=FeedbackDetail)
def read_feedback(feedback_id: IdPath, session: SessionDep, settings: SettingsDep, user: ManagerUser) -> FeedbackDetail:
    """One feedback with its answer's element scores and its history (no contact details)."""
    return detail_out(views.detail(session, user, feedback_id, FeedbackRules.from_settings(settings)))


@router.post("/{feedback_id}/status", response_model=FeedbackDetail)
def change_status(
    feedback_id: IdPath,
    body: StatusIn,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
    user: ManagerUser,
) -> FeedbackDetail:
    """Acknowledge, start, close or reject (with a reason) a feedback; recorded with who and when."""
    notice = handling.set_status(session, user, feedback_id, body.status, body.reason, link=_link(request, settings))
    _send_later(background, settings, notice)
    return detail_out(views.detail(session, user, feedback_id, FeedbackRules.from_settings(settings)))


@router.post("/{feedback_id}/reply", response_model=FeedbackDetail)
def reply(
    feedback_id: IdPath,
    body: ReplyIn,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
    user: ManagerUser,
) -> FeedbackDetail:
    """Answer a feedback: shown at /phan-anh/<reference>, and e-mailed to a citizen who consented."""
    notice = handling.reply(session, user, feedback_id, body.text, link=_link(request, settings))
    _send_later(background, settings, notice)
    return detail_out(views.detail(session, user, feedback_id, FeedbackRules.from_settings(settings)))


@router.post("/{feedback_id}/reassign", response_model=FeedbackDetail)
def reassign(
    feedback_id: IdPath, body: ReassignIn, session: SessionDep, settings: SettingsDep, user: ManagerUser
) -> FeedbackDetail:
    """Route a feedback to another unit (by its code); recorded."""
    feedback = handling.reassign(session, user, feedback_id, body.unit, body.note)
    # Shown once more even when it went to a unit outside the caller's: they had it a moment ago.
    return detail_out(views.detail_of(session, feedback, FeedbackRules.from_settings(settings)))


@router.get("/{feedback_id}/contact", response_model=ContactOut)
def read_contact(feedback_id: IdPath, session: SessionDep, user: ManagerUser) -> ContactOut:
    """The contact details a respondent left, for the managers of the handling unit only (each read audited)."""
    contact = service.contact_of(session, user, feedback_id)
    return ContactOut(name=contact.name, phone=contact.phone, email=contact.email, consented_at=contact.consented_at)


@router.delete("/{feedback_id}/contact", status_code=status.HTTP_204_NO_CONTENT)
def purge_contact(feedback_id: IdPath, session: SessionDep, user: ManagerUser) -> None:
    """Delete the contact details for good (e.g. on the citizen's request)."""
    service.purge_contact(session, user, feedback_id)


@router.post("/{feedback_id}/publish", response_model=FeedbackDetail)
def publish(
    feedback_id: IdPath, body: PublishIn, session: SessionDep, settings: SettingsDep, user: AdminUser
) -> FeedbackDetail:
    """Publish an answered item anonymised (no name, contact or dossier number) on the public page."""
    publication.publish(session, user, feedback_id, body.text, body.reply)
    return detail_out(views.detail(session, user, feedback_id, FeedbackRules.from_settings(settings)))


@router.delete("/{feedback_id}/publish", response_model=FeedbackDetail)
def unpublish(feedback_id: IdPath, session: SessionDep, settings: SettingsDep, user: AdminUser) -> FeedbackDetail:
    """Take a published item off the public page."""
    publication.unpublish(session, user, feedback_id)
    return detail_out(views.detail(session, user, feedback_id, FeedbackRules.from_settings(settings)))


def _link(request: Request, settings: Settings) -> str:
    """The public address of the reference pages (a reference is appended)."""
    return (settings.public_url or str(request.base_url)).rstrip("/") + "/phan-anh/"


def _send_later(background: BackgroundTasks, settings: Settings, notice: Notice | None) -> None:
    """Send after the response, so the transaction is committed and no SMTP wait holds a connection."""
    if notice is not None:
        background.add_task(notifier_for(settings).deliver, notice)
