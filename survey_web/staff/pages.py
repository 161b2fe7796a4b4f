"""The staff area: sign-in, the list of plans and assignments, and a plan's fieldwork progress.

Server-rendered; every page calls the same services as the API with the signed-in user, so the API's
roles and unit scope hold here unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from survey_api.auth.service import authenticate_token, sign_in
from survey_api.auth.throttle import throttle_for
from survey_api.collection.service import LOCAL_TIME
from survey_api.db.base import utcnow
from survey_api.db.models import User
from survey_api.deps import SessionDep
from survey_api.errors import Conflict, DomainError, Forbidden, NotFound, TooManyRequests, Unauthorized
from survey_api.fieldwork.service import list_assignments
from survey_api.params import IdPath
from survey_api.plans.progress import plan_progress
from survey_api.plans.service import get_plan, list_plans, plan_out
from survey_api.units.service import unit_by_code
from survey_web.feedback_pages.texts import FEEDBACK_STAFF_TEXTS
from survey_web.i18n import STAFF_TEXTS
from survey_web.pages import LANGUAGE_COOKIE, Form
from survey_web.pages import page_language as _language
from survey_web.staff.csrf import SameOriginRoute
from survey_web.staff.session import STAFF_ROLES, forget_token, keep_token, signed_in
from survey_web.staff.views import assignment_rows, day, plan_view
from survey_web.templating import templates

# Every route refuses unsafe methods (POST) from other sites (csrf.py).
router = APIRouter(include_in_schema=False, route_class=SameOriginRoute)
HOME, FIELDWORK = "/staff/", "/staff/fieldwork"
# The pages show personal and unpublished data: never keep them in a shared cache or the back/forward cache.
PRIVATE = {"Cache-Control": "no-store"}


def _page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = _language(request)
    response = templates.TemplateResponse(
        request,
        f"staff/{name}",
        {"lang": lang, "t": STAFF_TEXTS[lang], **context},
        status_code=status,
        headers=PRIVATE,
    )
    if request.query_params.get("lang") in STAFF_TEXTS:
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


def _sign_in_page(request: Request, status: int = 200, error: str | None = None, username: str = "") -> HTMLResponse:
    return _page(request, "sign_in.html", status, error=error, username=username)


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=PRIVATE)


def _role(user: User, lang: str) -> str:
    return STAFF_TEXTS[lang].get(f"role_{user.role}", user.role)


def _problem(request: Request, user: User, exc: DomainError, message: str | None = None) -> HTMLResponse:
    """A page that says what went wrong (``message``, else the error's own), with the error's status."""
    role = _role(user, _language(request))
    return _page(request, "problem.html", exc.status_code, user=user, role=role, message=message or exc.detail)


def _forbidden(user: User, t: Mapping[str, str]) -> str:
    """Why the unit scope refuses (``units.scope.visible_units``): no unit on the account, or another unit's plan."""
    return t["no_unit"] if user.role == "unit_manager" and user.unit_id is None else t["forbidden"]


@router.get("/staff")
def staff_redirect() -> RedirectResponse:
    """The staff area lives at /staff/ (the cookie's path)."""
    return RedirectResponse(HOME, status_code=308)


@router.get(HOME, response_class=HTMLResponse)
def sign_in_form(request: Request, session: SessionDep) -> Response:
    """The sign-in form; someone already signed in goes on to the fieldwork page."""
    user = signed_in(request, session)
    if user is not None and user.role in STAFF_ROLES:
        return _see_other(FIELDWORK)
    return _sign_in_page(request)


@router.post(HOME, response_class=HTMLResponse)
def sign_in_submit(request: Request, session: SessionDep, form: Form) -> Response:
    """Sign in with the API's sign-in (and its throttle); the token it issues goes into the staff cookie."""
    t = STAFF_TEXTS[_language(request)]
    username, password = str(form.get("username") or "").strip(), str(form.get("password") or "")
    if not username or not password:
        return _sign_in_page(request, 422, t["missing"], username)
    try:
        token = sign_in(
            session, username, password, settings=request.app.state.settings, throttle=throttle_for(request)
        )
    except Unauthorized:
        return _sign_in_page(request, 401, t["wrong_password"], username)
    except TooManyRequests as exc:
        page = _sign_in_page(request, 429, t["too_many"].format(minutes=-(-exc.retry_after // 60)), username)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    user = authenticate_token(session, token)
    if user.role not in STAFF_ROLES:
        session.rollback()  # keep no token for an account that cannot use these pages
        return _sign_in_page(request, 403, t["not_staff"].format(role=_role(user, _language(request))), username)
    response = _see_other(FIELDWORK)
    keep_token(request, response, token)
    return response


@router.post("/staff/sign-out")
def sign_out(request: Request, session: SessionDep) -> RedirectResponse:
    """Revoke the cookie's token, drop the cookie and go back to the sign-in form."""
    response = _see_other(HOME)
    forget_token(request, session, response)
    return response


def _staff(request: Request, session: Session) -> User | Response:
    """The signed-in staff member, or the sign-in form (or a 403 page for another role) to answer with."""
    user = signed_in(request, session)
    if user is None:
        return _see_other(HOME)
    if user.role not in STAFF_ROLES:
        t = STAFF_TEXTS[_language(request)]
        return _sign_in_page(request, 403, t["not_staff"].format(role=_role(user, _language(request))))
    return user


@router.get(FIELDWORK, response_class=HTMLResponse)
def fieldwork(request: Request, session: SessionDep) -> Response:
    """The plans the user may see and, for admins and unit managers, the assignments they manage."""
    user = _staff(request, session)
    if isinstance(user, Response):
        return user
    lang = _language(request)
    try:
        found = list_assignments(session, user)
    except Forbidden:  # analysts follow assignments through the plans
        assignments = None
    else:
        today = utcnow().astimezone(LOCAL_TIME).date()
        assignments = assignment_rows(found, STAFF_TEXTS[lang], lang, today)
    try:
        plans = [
            (plan, day(plan.drawn_at.astimezone(LOCAL_TIME).date() if plan.drawn_at else None, lang))
            for plan in list_plans(session, user)
        ]
    except Forbidden as exc:  # a unit manager whose account has no unit
        return _problem(request, user, exc, _forbidden(user, STAFF_TEXTS[lang]))
    # Admins and unit managers also handle feedback: the pages link each other.
    nav = FEEDBACK_STAFF_TEXTS[lang] if user.role in ("admin", "unit_manager") else None
    return _page(
        request, "fieldwork.html", user=user, role=_role(user, lang), plans=plans, assignments=assignments, nav_t=nav
    )


@router.get(FIELDWORK + "/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(request: Request, plan_id: IdPath, session: SessionDep) -> Response:
    """A plan's progress by stratum and by assignment, with what is late and why."""
    user = _staff(request, session)
    if isinstance(user, Response):
        return user
    lang = _language(request)
    t = STAFF_TEXTS[lang]
    try:
        plan = plan_out(session, get_plan(session, user, plan_id))
    except NotFound as exc:
        return _problem(request, user, exc, t["not_found"])
    except Forbidden as exc:
        return _problem(request, user, exc, _forbidden(user, t))
    try:
        view = plan_view(plan_progress(session, user, plan_id), t, lang)
    except Conflict:  # not drawn yet
        view = None
    unit = unit_by_code(session, plan.unit) if plan.unit is not None else None
    return _page(
        request, "plan.html", user=user, role=_role(user, lang), plan=plan, unit=unit.name if unit else None, view=view
    )
