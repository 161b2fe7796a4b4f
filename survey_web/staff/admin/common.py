"""What every admin page shares: only admins get in (others a 403 page, no one signed in the sign-in form),
pages rendered with the admin words, redirects after a change, and errors said in the page's language."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from survey_api.collection.service import LOCAL_TIME
from survey_api.db.base import utcnow
from survey_api.db.models import OrgUnit, User
from survey_api.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from survey_api.units.service import units_valid_on
from survey_web.pages import LANGUAGE_COOKIE
from survey_web.pages import page_language as lang_of
from survey_web.staff.admin.texts import ADMIN_TEXTS
from survey_web.staff.session import signed_in
from survey_web.staff.views import day
from survey_web.templating import templates

ADMIN = "/staff/admin"
PRIVATE = {"Cache-Control": "no-store"}

__all__ = ["ADMIN", "lang_of"]


def texts(request: Request) -> dict[str, str]:
    """The admin words in the page's language."""
    return ADMIN_TEXTS[lang_of(request)]


def role_name(user: User, t: Mapping[str, str]) -> str:
    """A role as people read it."""
    return t.get(f"role_{user.role}", user.role)


def page(request: Request, name: str, user: User | None, status: int = 200, **context: Any) -> HTMLResponse:
    """An admin page (``staff/admin/<name>``), with the notice of the change just made, if any."""
    lang = lang_of(request)
    t = ADMIN_TEXTS[lang]
    done = request.query_params.get("done")
    context.setdefault("notice", t.get(f"done_{done}") if done else None)
    response = templates.TemplateResponse(
        request,
        f"staff/admin/{name}",
        {
            "lang": lang,
            "t": t,
            "user": user,
            "role": role_name(user, t) if user else "",
            "moment": moment,
            "day": lambda d: day(d, lang),
            **context,
        },
        status_code=status,
        headers=PRIVATE,
    )
    if request.query_params.get("lang") in ADMIN_TEXTS:
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


def admin(request: Request, session: Session) -> User | Response:
    """The signed-in admin; anyone else gets the sign-in form (not signed in) or a 403 page saying why."""
    user = signed_in(request, session)
    if user is None:
        return RedirectResponse("/staff/", status_code=303, headers=PRIVATE)
    if user.role != "admin":
        t = texts(request)
        message = t["admin_only"].format(role=role_name(user, t))
        return templates.TemplateResponse(
            request,
            "staff/problem.html",
            {"lang": lang_of(request), "t": t, "user": user, "role": role_name(user, t), "message": message},
            status_code=403,
            headers=PRIVATE,
        )
    return user


def done(request: Request, url: str, what: str) -> RedirectResponse:
    """Back to ``url`` after a change, which then says ``done_<what>``."""
    path, hash_, fragment = url.partition("#")
    joiner = "&" if "?" in path else "?"
    return RedirectResponse(f"{path}{joiner}done={what}{hash_}{fragment}", status_code=303, headers=PRIVATE)


def moment(value: datetime | None) -> str:
    """A time as the province's clock shows it (day/month/year hour:minute); a dash for none."""
    return value.astimezone(LOCAL_TIME).strftime("%d/%m/%Y %H:%M") if value else "—"


def today() -> date:
    """Today in the province."""
    return utcnow().astimezone(LOCAL_TIME).date()


def unit_choices(session: Session, lang: str, day: date | None = None) -> list[OrgUnit]:
    """The units valid on ``day`` (default today), by name, for a form's list."""
    return sorted(
        units_valid_on(session, day or today()), key=lambda u: (u.name_en or u.name) if lang == "en" else u.name
    )


def field_of(exc: DomainError | ValidationError) -> str | None:
    """The form field an error names, if any."""
    if isinstance(exc, ValidationError):
        locations = [e["loc"] for e in exc.errors() if e["loc"]]
        return str(locations[0][0]) if locations else None
    items = [e.get("item") for e in exc.errors if e.get("item")]
    return str(items[0]) if items else None


def reason_message(exc: DomainError, t: Mapping[str, str], label: str = "") -> str | None:
    """The page's sentence for the first stable ``reason`` key the service gave (``err_<reason>``, or
    ``unit_err_<reason>`` for the units' own, with the file's row when there is one); None when it gave none
    the page knows."""
    for problem in exc.errors:
        reason = problem.get("reason")
        if not reason:
            continue
        if f"err_{reason}" in t:
            return t[f"err_{reason}"].format(field=label or t["field_code"].lower())
        if f"unit_err_{reason}" in t:
            row, sentence = problem.get("row"), t[f"unit_err_{reason}"]
            return t["unit_err_row"].format(row=row, problem=sentence) if row else sentence
    return None


def message(exc: DomainError | ValidationError, t: Mapping[str, str], field: str | None = None) -> str:
    """What went wrong, said in the page's language and naming the field to fix: by the service's ``reason``
    key when it gives one (:func:`reason_message`), else by the kind of error and the field."""
    field = field or field_of(exc)
    label = t.get(f"field_{field}", t["field_name"]).lower() if field else ""
    if isinstance(exc, DomainError) and (by_reason := reason_message(exc, t, label)):
        return by_reason
    if isinstance(exc, ValidationError) and field == "password":
        return t["err_password"]
    # Services that give no reason key yet (users, auth, qr points): their English details, matched.
    if isinstance(exc, ValidationError | InvalidInput):
        detail = exc.detail if isinstance(exc, InvalidInput) else ""
        if "password" in detail and "character" in detail:
            return t["err_password"]
        if "needs a unit" in detail:
            return t["err_needs_unit"]
        if "exists already" in detail:
            return t["err_exists"].format(field=label or t["field_code"].lower())
        return t["err_invalid"].format(field=label) if label else t["err_conflict"]
    if isinstance(exc, NotFound):
        return t["err_not_found"]
    if isinstance(exc, Forbidden):
        return t["err_forbidden"]
    if isinstance(exc, Conflict):
        if "exists already" in exc.detail:
            return t["err_exists"].format(field=label or t["field_code"].lower())
        if "own account" in exc.detail:
            return t["err_self"]
        return t["err_conflict"]
    return t["err_conflict"]


def day_of(value: str) -> date | None:
    """A YYYY-MM-DD form value; None when empty; ValueError when it is not a date."""
    value = value.strip()
    return date.fromisoformat(value) if value else None


def number_of(value: str, field: str) -> int | None:
    """A whole number typed in a form (None when empty); a 422 naming ``field`` when it is not one."""
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        raise InvalidInput(f"{field} is not a whole number", errors=[{"item": field, "problem": "not a number"}])
    return int(value)


def text(form: Mapping[str, Any], name: str, limit: int = 255) -> str:
    """A posted text field, trimmed and cut to ``limit``."""
    return str(form.get(name) or "").strip()[:limit]


Shown = Callable[[User, int, str | None], Response]


def problem_page(request: Request, user: User, exc: DomainError) -> HTMLResponse:
    """The admin page saying what went wrong (a missing or forbidden item), with the error's status."""
    return page(request, "problem.html", user, exc.status_code, message=message(exc, texts(request)))


def shown(request: Request, session: Session, show: Shown) -> Response:
    """An item's page for the signed-in admin (``show(admin, status, error)``), or why it cannot be shown."""
    user = admin(request, session)
    if isinstance(user, Response):
        return user
    try:
        return show(user, 200, None)
    except DomainError as exc:
        return problem_page(request, user, exc)


def changed(
    request: Request, session: Session, act: Callable[[User], object], show: Shown, back: str, what: str
) -> Response:
    """Make one change as the signed-in admin, then go back to ``back`` saying ``done_<what>``; when it fails,
    nothing is kept and the page (``show``) comes again saying what to fix."""
    user = admin(request, session)
    if isinstance(user, Response):
        return user
    t = texts(request)
    try:
        act(user)
    except (DomainError, ValueError) as exc:  # ValueError: also pydantic's ValidationError, and a bad date
        session.rollback()
        status = exc.status_code if isinstance(exc, DomainError) else 422
        error = message(exc, t) if isinstance(exc, DomainError | ValidationError) else t["err_date"]
        try:
            return show(user, status, error)
        except DomainError as missing:
            return problem_page(request, user, missing)
    return done(request, back, what)
