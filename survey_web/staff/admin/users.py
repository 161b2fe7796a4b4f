"""Admin pages for accounts: the list and a form to create one (role and unit); per account, its details,
a new password, disabling it, and its tokens to revoke. Everything goes through ``survey_api.users.service``."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from survey_api.db.models import User
from survey_api.deps import SessionDep
from survey_api.errors import DomainError
from survey_api.params import IdPath
from survey_api.units.service import units_by_id
from survey_api.users import service as users
from survey_api.users.schemas import UserChange, UserIn
from survey_web.pages import Form
from survey_web.staff.admin.common import (
    ADMIN,
    Shown,
    admin,
    changed,
    done,
    lang_of,
    message,
    page,
    shown,
    text,
    texts,
    unit_choices,
)
from survey_web.staff.csrf import SameOriginRoute

router = APIRouter(include_in_schema=False, route_class=SameOriginRoute)
USERS = ADMIN + "/users"
ROLES = ("unit_manager", "analyst", "volunteer", "admin")  # the most powerful last, never the default


def _list_page(
    request: Request, session: Session, user: User, status: int = 200, error: str | None = None, **given: str
) -> HTMLResponse:
    found = users.list_users(session, user)
    units = units_by_id(session, {u.unit_id for u in found if u.unit_id is not None})
    rows = [(u, units[u.unit_id].name if u.unit_id in units else None) for u in found]
    return page(
        request,
        "users.html",
        user,
        status,
        rows=rows,
        roles=ROLES,
        units=unit_choices(session, lang_of(request)),
        error=error,
        given=given,
    )


@router.get(USERS, response_class=HTMLResponse)
def users_page(request: Request, session: SessionDep) -> Response:
    """Every account, with the form to create one."""
    return shown(request, session, lambda user, _s, _e: _list_page(request, session, user))


@router.post(USERS, response_class=HTMLResponse)
def create_user(request: Request, session: SessionDep, form: Form) -> Response:
    """Create an account; what is wrong comes back on the same page, nothing stored."""
    user = admin(request, session)
    if isinstance(user, Response):
        return user
    given = {key: text(form, key) for key in ("username", "display_name", "role", "unit", "organisation")}
    try:
        payload = UserIn(
            username=given["username"],
            role=given["role"],  # validated as a Role by the model
            password=str(form.get("password") or "")[:200],
            unit=given["unit"] or None,
            display_name=given["display_name"] or None,
            organisation=given["organisation"] or None,
        )
        created = users.create(session, user, payload)
    except (ValidationError, DomainError) as exc:
        session.rollback()
        return _list_page(
            request,
            session,
            user,
            422 if isinstance(exc, ValidationError) else exc.status_code,
            message(exc, texts(request)),
            **given,
        )
    return done(request, f"{USERS}/{created.username}", "created")


def _user_page(
    request: Request, session: Session, actor: User, username: str, status: int = 200, error: str | None = None
) -> HTMLResponse:
    account = users.managed_user(session, actor, username)
    unit = units_by_id(session, {account.unit_id}).get(account.unit_id) if account.unit_id else None
    return page(
        request,
        "user.html",
        actor,
        status,
        account=account,
        unit=unit,
        tokens=users.tokens(session, actor, username),
        units=unit_choices(session, lang_of(request)),
        error=error,
    )


@router.get(USERS + "/{username}", response_class=HTMLResponse)
def user_page(request: Request, username: str, session: SessionDep) -> Response:
    """One account: details, password, disabling, tokens."""
    return shown(request, session, _shown(request, session, username))


def _shown(request: Request, session: Session, username: str) -> Shown:
    return lambda actor, status, error: _user_page(request, session, actor, username, status, error)


def _change(request: Request, session: Session, username: str, act: Callable[[User], object], what: str) -> Response:
    """Run one change of an account and go back to its page, or show the page with what went wrong."""
    return changed(request, session, act, _shown(request, session, username), f"{USERS}/{username}", what)


@router.post(USERS + "/{username}/edit", response_class=HTMLResponse)
def edit_user(request: Request, username: str, session: SessionDep, form: Form) -> Response:
    """Change the account's name, organisation or unit."""

    def act(actor: User) -> None:
        change = UserChange(
            display_name=text(form, "display_name") or None,
            organisation=text(form, "organisation") or None,
            unit=text(form, "unit", 64) or None,
        )
        users.update(session, actor, username, change)

    return _change(request, session, username, act, "saved")


@router.post(USERS + "/{username}/password", response_class=HTMLResponse)
def reset_password(request: Request, username: str, session: SessionDep, form: Form) -> Response:
    """Set a new password; the account's tokens are revoked."""
    password = str(form.get("password") or "")[:200]
    return _change(
        request, session, username, lambda actor: users.change_password(session, actor, username, password), "password"
    )


@router.post(USERS + "/{username}/disable", response_class=HTMLResponse)
def disable_user(request: Request, username: str, session: SessionDep) -> Response:
    """Disable the account and revoke its tokens."""
    return _change(request, session, username, lambda actor: users.disable(session, actor, username), "disabled")


@router.post(USERS + "/{username}/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(request: Request, username: str, token_id: IdPath, session: SessionDep) -> Response:
    """Revoke one token of the account."""
    return _change(
        request, session, username, lambda actor: users.revoke(session, actor, username, token_id), "revoked"
    )
