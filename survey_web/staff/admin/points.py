"""Admin pages for service points and their QR codes: create a point, rotate or switch off a link, open its
poster, and print every poster of a unit as one PDF. Through ``survey_api.qr`` (points, poster_pdf)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from survey_api.db.models import User
from survey_api.deps import SessionDep, SettingsDep
from survey_api.errors import DomainError
from survey_api.instruments.service import list_published
from survey_api.qr import points, poster_pdf
from survey_api.qr.forms import DEFAULT_INSTRUMENTS
from survey_api.qr.schemas import ServicePointIn
from survey_api.settings import Settings
from survey_web.pages import Form
from survey_web.staff.admin.common import ADMIN, admin, done, lang_of, message, page, shown, text, texts, unit_choices
from survey_web.staff.csrf import SameOriginRoute

router = APIRouter(include_in_schema=False, route_class=SameOriginRoute)
POINTS = ADMIN + "/points"
KINDS = tuple(DEFAULT_INSTRUMENTS)


def _points_page(
    request: Request,
    session: Session,
    settings: Settings,
    user: User,
    status: int = 200,
    error: str | None = None,
    given: dict[str, str] | None = None,
) -> HTMLResponse:
    lang = lang_of(request)
    units = unit_choices(session, lang)
    names = {u.code: u.name for u in units}
    rows = points.listing(session, settings, str(request.base_url), user)
    return page(
        request,
        "points.html",
        user,
        status,
        rows=rows,
        unit_names=names,
        titles={v.instrument.code: v.title for v in list_published(session)},
        units=units,
        kinds=KINDS,
        error=error,
        given=given or {},
    )


@router.get(POINTS, response_class=HTMLResponse)
def points_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Every service point with its QR links, a form for a new point and the bulk poster print."""
    return shown(request, session, lambda user, _s, _e: _points_page(request, session, settings, user))


@router.post(POINTS, response_class=HTMLResponse)
def create_point(request: Request, session: SessionDep, settings: SettingsDep, form: Form) -> Response:
    """Create a point with the QR links of its kind."""
    user = admin(request, session)
    if isinstance(user, Response):
        return user
    given = {key: text(form, key, 64 if key != "name" else 255) for key in ("code", "name", "unit", "kind")}
    try:
        body = ServicePointIn(
            code=given["code"],
            name=given["name"],
            unit=given["unit"],
            kind=given["kind"],
            requires_receipt=form.get("requires_receipt") == "yes",
        )
        points.create(session, body, user=user)
    except (ValidationError, DomainError) as exc:
        session.rollback()
        status = 422 if isinstance(exc, ValidationError) else exc.status_code
        field = "code" if isinstance(exc, DomainError) and "service point" in exc.detail else None
        return _points_page(request, session, settings, user, status, message(exc, texts(request), field), given)
    return done(request, POINTS, "created")


@router.post(POINTS + "/{code}/{instrument}/{action}", response_class=HTMLResponse)
def change_link(
    request: Request, code: str, instrument: str, action: str, session: SessionDep, settings: SettingsDep
) -> Response:
    """Rotate (a new code; printed ones stop working) or switch off a point's link."""
    user = admin(request, session)
    if isinstance(user, Response):
        return user
    act = {"rotate": points.rotate_link, "revoke": points.revoke_link}.get(action)
    if act is None:
        return page(request, "problem.html", user, 404, message=texts(request)["err_not_found"])
    try:
        act(session, code, instrument, user=user)
    except DomainError as exc:
        session.rollback()
        return _points_page(request, session, settings, user, exc.status_code, message(exc, texts(request)))
    return done(request, POINTS, "rotated" if action == "rotate" else "revoked")


@router.get(POINTS + "/posters.pdf", response_class=Response)
def bulk_posters(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Every poster of a unit's points (and of the units below it) in one PDF, A4 or A5."""
    user = admin(request, session)
    if isinstance(user, Response):
        return user
    unit = (request.query_params.get("unit") or "")[:64]
    size: poster_pdf.PosterSize = "A5" if request.query_params.get("size") == "A5" else "A4"
    try:
        found = poster_pdf.unit_posters(session, settings, str(request.base_url), user, unit)
    except DomainError as exc:
        return _points_page(request, session, settings, user, exc.status_code, message(exc, texts(request), "unit"))
    if not found:
        return _points_page(request, session, settings, user, 404, texts(request)["err_no_posters"])
    return Response(
        poster_pdf.posters_pdf(found, size),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="posters-{unit}-{size}.pdf"',
            "Cache-Control": "no-store",
        },
    )
