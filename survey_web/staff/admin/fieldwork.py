"""Admin pages for volunteers and assignments: create a volunteer (edited and disabled on their account's
page), create an assignment with its sample list, and per assignment edit or extend it, end it today or hand it
to another volunteer. Through ``survey_api.fieldwork`` (service, editing) and ``users.service``."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from survey_api.db.models import User
from survey_api.deps import SessionDep, SettingsDep
from survey_api.errors import DomainError
from survey_api.fieldwork import editing
from survey_api.fieldwork import service as fieldwork
from survey_api.fieldwork.schemas import AssignmentChange, AssignmentIn, SampleEntry, VolunteerIn
from survey_api.instruments.service import list_published
from survey_api.params import IdPath
from survey_api.qr.points import listing
from survey_api.settings import Settings
from survey_web.pages import Form
from survey_web.staff.admin.common import (
    ADMIN,
    Shown,
    admin,
    changed,
    day_of,
    done,
    lang_of,
    message,
    number_of,
    page,
    shown,
    text,
    texts,
    unit_choices,
)
from survey_web.staff.csrf import SameOriginRoute

router = APIRouter(include_in_schema=False, route_class=SameOriginRoute)
FIELDWORK = ADMIN + "/fieldwork"
ASSIGNMENT_FIELDS = ("volunteer", "instrument_version", "service_point", "quota", "starts_on", "ends_on", "note")


def _points(request: Request, session: Session, settings: Settings, user: User) -> list[tuple[str, str]]:
    rows = listing(session, settings, str(request.base_url), user)
    return sorted({(r.code, r.name) for r in rows}, key=lambda pair: pair[1])


def _fieldwork_page(
    request: Request,
    session: Session,
    settings: Settings,
    user: User,
    status: int = 200,
    error: str | None = None,
    given: dict[str, str] | None = None,
) -> HTMLResponse:
    volunteers = fieldwork.list_volunteers(session, user)
    return page(
        request,
        "fieldwork.html",
        user,
        status,
        volunteers=volunteers,
        assignments=fieldwork.list_assignments(session, user),
        versions=list_published(session),
        points=_points(request, session, settings, user),
        units=unit_choices(session, lang_of(request)),
        error=error,
        given=given or {},
    )


@router.get(FIELDWORK, response_class=HTMLResponse)
def fieldwork_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Volunteers and assignments, with the forms to create them."""
    return shown(request, session, lambda user, _s, _e: _fieldwork_page(request, session, settings, user))


def _failed(
    request: Request, session: Session, settings: Settings, user: User, exc: Exception, given: dict[str, str]
) -> HTMLResponse:
    session.rollback()
    status = exc.status_code if isinstance(exc, DomainError) else 422
    error = texts(request)["err_date"] if type(exc) is ValueError else message(exc, texts(request))  # type: ignore[arg-type]
    return _fieldwork_page(request, session, settings, user, status, error, given)


@router.post(FIELDWORK + "/volunteers", response_class=HTMLResponse)
def create_volunteer(request: Request, session: SessionDep, settings: SettingsDep, form: Form) -> Response:
    """Create a volunteer account in a unit."""
    user = admin(request, session)
    if isinstance(user, Response):
        return user
    given = {key: text(form, key) for key in ("username", "display_name", "organisation", "unit")}
    try:
        payload = VolunteerIn(
            username=given["username"],
            password=str(form.get("password") or "")[:200],
            display_name=given["display_name"] or None,
            organisation=given["organisation"] or None,
            unit=given["unit"],
        )
        fieldwork.create_volunteer(session, user, payload)
    except (ValidationError, DomainError) as exc:
        return _failed(request, session, settings, user, exc, given)
    return done(request, FIELDWORK, "created")


def _sample(raw: str) -> list[SampleEntry] | None:
    """A sample list typed one entry a line: ``ref`` or ``ref; label``."""
    lines = [line.strip() for line in raw.splitlines() if line.strip()]
    if not lines:
        return None
    entries = []
    for line in lines:
        ref, _sep, label = line.partition(";")
        entries.append(SampleEntry(ref=ref.strip(), label=label.strip() or None))
    return entries


@router.post(FIELDWORK + "/assignments", response_class=HTMLResponse)
def create_assignment(request: Request, session: SessionDep, settings: SettingsDep, form: Form) -> Response:
    """Create an assignment (a volunteer, a questionnaire, a place, a quota, dates, a sample list)."""
    user = admin(request, session)
    if isinstance(user, Response):
        return user
    given = {key: text(form, key, 1000) for key in ASSIGNMENT_FIELDS}
    try:
        payload = AssignmentIn(
            volunteer=given["volunteer"],
            instrument_version=number_of(given["instrument_version"], "instrument_version") or 0,
            service_point=given["service_point"] or None,
            quota=number_of(given["quota"], "quota"),
            starts_on=day_of(given["starts_on"]),
            ends_on=day_of(given["ends_on"]),
            note=given["note"] or None,
            sample=_sample(str(form.get("sample") or "")[:200_000]),
        )
        assignment = fieldwork.create_assignment(session, user, payload)
    except (ValidationError, DomainError, ValueError) as exc:
        return _failed(request, session, settings, user, exc, given)
    return done(request, f"{FIELDWORK}/assignments/{assignment.id}", "created")


def _assignment_page(
    request: Request, session: Session, user: User, assignment_id: int, status: int = 200, error: str | None = None
) -> HTMLResponse:
    found = fieldwork.assignments_out(session, [editing.managed_assignment(session, user, assignment_id)])[0]
    volunteers = [v for v in fieldwork.list_volunteers(session, user) if v.active]
    return page(request, "assignment.html", user, status, a=found, volunteers=volunteers, error=error)


@router.get(FIELDWORK + "/assignments/{assignment_id}", response_class=HTMLResponse)
def assignment_page(request: Request, assignment_id: IdPath, session: SessionDep) -> Response:
    """One assignment: edit or extend it, end it, deactivate or reactivate it, hand it to another volunteer."""
    return shown(request, session, _shown(request, session, assignment_id))


def _shown(request: Request, session: Session, assignment_id: int) -> Shown:
    return lambda user, status, error: _assignment_page(request, session, user, assignment_id, status, error)


def _change(
    request: Request, session: Session, assignment_id: int, act: Callable[[User], object], what: str
) -> Response:
    back = f"{FIELDWORK}/assignments/{assignment_id}"
    return changed(request, session, act, _shown(request, session, assignment_id), back, what)


@router.post(FIELDWORK + "/assignments/{assignment_id}/edit", response_class=HTMLResponse)
def edit_assignment(request: Request, assignment_id: IdPath, session: SessionDep, form: Form) -> Response:
    """Change the quota, dates or note (a later end date extends it)."""

    def act(user: User) -> None:
        change = AssignmentChange(
            quota=number_of(text(form, "quota", 10), "quota"),
            starts_on=day_of(text(form, "starts_on", 10)),
            ends_on=day_of(text(form, "ends_on", 10)),
            note=text(form, "note", 1000) or None,
        )
        editing.update_assignment(session, user, assignment_id, change)

    return _change(request, session, assignment_id, act, "saved")


@router.post(FIELDWORK + "/assignments/{assignment_id}/end", response_class=HTMLResponse)
def end_assignment(request: Request, assignment_id: IdPath, session: SessionDep) -> Response:
    """End the assignment today."""
    return _change(
        request, session, assignment_id, lambda user: editing.end_assignment(session, user, assignment_id), "ended"
    )


@router.post(FIELDWORK + "/assignments/{assignment_id}/deactivate", response_class=HTMLResponse)
def deactivate_assignment(request: Request, assignment_id: IdPath, session: SessionDep) -> Response:
    """Deactivate the assignment: off the tablet, no more submissions for it."""
    return _change(
        request,
        session,
        assignment_id,
        lambda user: editing.deactivate_assignment(session, user, assignment_id),
        "deactivated",
    )


@router.post(FIELDWORK + "/assignments/{assignment_id}/reactivate", response_class=HTMLResponse)
def reactivate_assignment(request: Request, assignment_id: IdPath, session: SessionDep) -> Response:
    """Reactivate a deactivated assignment."""
    return _change(
        request,
        session,
        assignment_id,
        lambda user: editing.reactivate_assignment(session, user, assignment_id),
        "reactivated",
    )


@router.post(FIELDWORK + "/assignments/{assignment_id}/reassign", response_class=HTMLResponse)
def reassign(request: Request, assignment_id: IdPath, session: SessionDep, form: Form) -> Response:
    """Hand the assignment and its sample list to another volunteer."""
    volunteer = text(form, "volunteer", 100)
    return _change(
        request,
        session,
        assignment_id,
        lambda user: editing.reassign(session, user, assignment_id, volunteer),
        "reassigned",
    )
