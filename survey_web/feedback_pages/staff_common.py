"""What the staff feedback pages share: the signed-in manager, the merged words, rendering."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from survey_api.db.models import User
from survey_web.feedback_pages.texts import FEEDBACK_STAFF_TEXTS
from survey_web.i18n import STAFF_TEXTS, language
from survey_web.pages import LANGUAGE_COOKIE
from survey_web.staff.session import signed_in
from survey_web.templating import templates

LIST = "/staff/feedback"
HANDLERS = ("admin", "unit_manager")
# Personal data: never in a shared cache or the back/forward cache.
PRIVATE = {"Cache-Control": "no-store"}


def lang_of(request: Request) -> str:
    return language(request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE))


def texts(lang: str) -> dict[str, str]:
    """The staff area's words with the feedback pages' own on top."""
    return {**STAFF_TEXTS[lang], **FEEDBACK_STAFF_TEXTS[lang]}


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = lang_of(request)
    user = context.get("user")
    t = texts(lang)
    role = t.get(f"role_{user.role}", "") if isinstance(user, User) else ""
    response = templates_response(request, name, {"lang": lang, "t": t, "role": role, **context}, status)
    if request.query_params.get("lang") in FEEDBACK_STAFF_TEXTS:
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


def templates_response(request: Request, name: str, context: dict[str, Any], status: int) -> HTMLResponse:
    return templates.TemplateResponse(request, f"staff/{name}", context, status_code=status, headers=PRIVATE)


def problem(request: Request, user: User | None, status: int, message: str) -> HTMLResponse:
    """The staff area's problem page with ``message`` in the user's language."""
    return page(request, "feedback_problem.html", status, user=user, message=message)


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=PRIVATE)


def manager(request: Request, session: Session) -> User | Response:
    """The signed-in admin or unit manager; else the sign-in page (not signed in) or a 403 page."""
    user = signed_in(request, session)
    if user is None:
        return see_other("/staff/")
    if user.role not in HANDLERS:
        return problem(request, user, 403, texts(lang_of(request))["managers_only"])
    return user
