"""The staff feedback pages' forms: status, reply, reassignment, contact details, publication.

Each calls the same service as the API; success goes back to the item (post/redirect/get) with a notice,
a refusal shows the item again with what to fix in the user's language and a 4xx status. A notice to the
citizen is sent after the response (the transaction is committed by then).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.datastructures import FormData

from survey_api.db.models import Feedback, User
from survey_api.deps import SessionDep, SettingsDep
from survey_api.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from survey_api.feedback import handling, publication, service
from survey_api.feedback.notify import Notice, notifier_for
from survey_api.feedback.rules import FeedbackRules
from survey_api.settings import Settings
from survey_web.feedback_pages.staff import parse_id, render_item
from survey_web.feedback_pages.staff_common import LIST, lang_of, manager, problem, see_other, texts
from survey_web.pages import form_data
from survey_web.staff.csrf import SameOriginRoute

router = APIRouter(include_in_schema=False, route_class=SameOriginRoute)
Form = Annotated[FormData, Depends(form_data)]
ITEM = LIST + "/{feedback_id}"


def _field(form: FormData, name: str) -> str:
    return str(form.get(name) or "")


def _message(exc: DomainError, t: dict[str, str]) -> str:
    items = {e.get("item") for e in exc.errors}
    if isinstance(exc, InvalidInput):
        if "reason" in items:
            return t["err_reason"] if "required" in exc.detail or "why" in exc.detail else t["err_too_long"]
        if "status" in items:
            return t["err_status"]
        if "text" in items:
            return t["err_reply"] if "write" in exc.detail else t["err_too_long"]
        return t["err_too_long"]
    if isinstance(exc, NotFound) and "unit" in items:
        return t["err_unit"]
    if isinstance(exc, Conflict):
        return t["err_same_unit"] if "unit" in items else t["err_state"]
    if isinstance(exc, Forbidden):
        return t["contact_only_unit"] if "contact" in exc.detail else t["forbidden"]
    return exc.detail


def _act(
    request: Request,
    session: Session,
    settings: Settings,
    feedback_id: str,
    done: str,
    action: Callable[[User, int], object],
    values: dict[str, str] | None = None,
) -> Response:
    user = manager(request, session)
    if isinstance(user, Response):
        return user
    t = texts(lang_of(request))
    number = parse_id(feedback_id)
    if number is None:
        return problem(request, user, 404, t["not_found"])
    try:
        result = action(user, number)
    except (NotFound, Forbidden) as exc:
        session.rollback()
        if "unit" in {e.get("item") for e in exc.errors}:
            return _again(request, session, settings, user, number, exc, values)
        return problem(request, user, exc.status_code, t["forbidden"] if isinstance(exc, Forbidden) else t["not_found"])
    except DomainError as exc:
        session.rollback()
        return _again(request, session, settings, user, number, exc, values)
    response = see_other(f"{LIST}/{number}?done={done}")
    if isinstance(result, Feedback) and not handling.may_handle(session, user, result):
        response = see_other(f"{LIST}?done={done}")  # handed to a unit outside the user's
    if isinstance(result, Notice):
        response.background = BackgroundTask(notifier_for(settings).deliver, result)
    return response


def _again(
    request: Request,
    session: Session,
    settings: Settings,
    user: User,
    number: int,
    exc: DomainError,
    values: dict[str, str] | None,
) -> Response:
    t = texts(lang_of(request))
    return render_item(
        request,
        session,
        user,
        number,
        FeedbackRules.from_settings(settings),
        exc.status_code,
        error=_message(exc, t),
        values=values or {},
    )


def _link(request: Request, settings: Settings) -> str:
    return (settings.public_url or str(request.base_url)).rstrip("/") + "/phan-anh/"


@router.post(ITEM + "/status", response_class=HTMLResponse)
def change_status(
    request: Request, feedback_id: str, form: Form, session: SessionDep, settings: SettingsDep
) -> Response:
    """Acknowledge, start, close or reject (with a reason)."""
    status, reason = _field(form, "status"), _field(form, "reason")
    link = _link(request, settings)
    return _act(
        request,
        session,
        settings,
        feedback_id,
        "status",
        lambda user, number: handling.set_status(session, user, number, status, reason, link=link),
        {"reason": reason},
    )


@router.post(ITEM + "/reply", response_class=HTMLResponse)
def reply(request: Request, feedback_id: str, form: Form, session: SessionDep, settings: SettingsDep) -> Response:
    """Answer the citizen."""
    text = _field(form, "text")
    link = _link(request, settings)
    return _act(
        request,
        session,
        settings,
        feedback_id,
        "reply",
        lambda user, number: handling.reply(session, user, number, text, link=link),
        {"reply": text},
    )


@router.post(ITEM + "/reassign", response_class=HTMLResponse)
def reassign(request: Request, feedback_id: str, form: Form, session: SessionDep, settings: SettingsDep) -> Response:
    """Hand the item to another unit; a unit manager handing it outside their units goes back to the list."""
    unit, note = _field(form, "unit"), _field(form, "note")
    return _act(
        request,
        session,
        settings,
        feedback_id,
        "reassign",
        lambda user, number: handling.reassign(session, user, number, unit, note),
        {"note": note},
    )


@router.post(ITEM + "/contact", response_class=HTMLResponse)
def show_contact(request: Request, feedback_id: str, session: SessionDep, settings: SettingsDep) -> Response:
    """The contact details, for the handling unit's managers (the read is audited)."""
    user = manager(request, session)
    if isinstance(user, Response):
        return user
    number = parse_id(feedback_id)
    t = texts(lang_of(request))
    if number is None:
        return problem(request, user, 404, t["not_found"])
    try:
        contact = service.contact_of(session, user, number)
    except DomainError as exc:
        session.rollback()
        return _again(request, session, settings, user, number, exc, None)
    return render_item(request, session, user, number, FeedbackRules.from_settings(settings), contact=contact)


@router.post(ITEM + "/contact/delete", response_class=HTMLResponse)
def purge_contact(request: Request, feedback_id: str, session: SessionDep, settings: SettingsDep) -> Response:
    """Delete the contact details for good."""
    return _act(
        request,
        session,
        settings,
        feedback_id,
        "purged",
        lambda user, number: service.purge_contact(session, user, number),
    )


@router.post(ITEM + "/publish", response_class=HTMLResponse)
def publish(request: Request, feedback_id: str, form: Form, session: SessionDep, settings: SettingsDep) -> Response:
    """Publish an answered item anonymised (admins)."""
    text, answer = _field(form, "public_text"), _field(form, "public_reply")
    return _act(
        request,
        session,
        settings,
        feedback_id,
        "published",
        lambda user, number: publication.publish(session, user, number, text, answer),
    )


@router.post(ITEM + "/unpublish", response_class=HTMLResponse)
def unpublish(request: Request, feedback_id: str, session: SessionDep, settings: SettingsDep) -> Response:
    """Take an item off the public page (admins)."""
    return _act(
        request,
        session,
        settings,
        feedback_id,
        "unpublished",
        lambda user, number: publication.unpublish(session, user, number),
    )
