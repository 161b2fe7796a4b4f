"""Rules for managing accounts.

An admin manages every account; a unit manager only the volunteers of their unit and the units below it
(``fieldwork.service.managed_units``, the rule volunteers and assignments follow). ``actor=None`` is the
command line, which may do anything. Every change is written to the audit log; passwords never are.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from survey_api import audit
from survey_api.auth import service as accounts
from survey_api.auth.service import create_user, disable_user, set_password
from survey_api.db.base import utcnow
from survey_api.db.models import ApiToken, User
from survey_api.errors import Conflict, Forbidden, InvalidInput, NotFound
from survey_api.fieldwork.service import VOLUNTEER, managed_units
from survey_api.units.scope import subtree
from survey_api.units.service import unit_by_code, units_by_id
from survey_api.users.schemas import TokenInfo, UserChange, UserIn, UserOut

NEEDS_UNIT = ("unit_manager", VOLUNTEER)


def _scope(session: Session, actor: User | None) -> set[int] | None:
    """The units whose volunteers ``actor`` manages; None: every account."""
    return None if actor is None else managed_units(session, actor)


def _require_manages(scope: set[int] | None, user: User) -> None:
    if scope is not None and (user.role != VOLUNTEER or user.unit_id not in scope):
        raise Forbidden(f"{user.username} is not a volunteer of the units you manage")


def managed_user(session: Session, actor: User | None, username: str) -> User:
    """The account ``username``, if ``actor`` may manage it (404, 403)."""
    scope = _scope(session, actor)
    user = accounts.user_by_username(session, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    _require_manages(scope, user)
    return user


def create(session: Session, actor: User | None, payload: UserIn) -> User:
    """Add an account; a unit manager may add only volunteers within their units."""
    scope = _scope(session, actor)
    if scope is not None and payload.role != VOLUNTEER:
        raise Forbidden(f"a unit manager may create volunteers only, not a {payload.role}")
    unit_id = None
    if payload.unit is not None:
        unit = unit_by_code(session, payload.unit)
        if unit is None:
            raise InvalidInput(f"no org unit {payload.unit!r}", errors=[{"item": "unit", "problem": "unknown"}])
        if scope is not None and unit.id not in scope:
            raise Forbidden(f"unit {unit.code} is outside the units you manage")
        unit_id = unit.id
    elif payload.role in NEEDS_UNIT:
        problem = f"a {payload.role} needs a unit"
        raise InvalidInput(problem, errors=[{"item": "unit", "problem": problem}])
    if accounts.user_by_username(session, payload.username) is not None:
        raise Conflict(f"a user named {payload.username!r} exists already")
    user = create_user(
        session,
        username=payload.username,
        role=payload.role,
        display_name=payload.display_name,
        password=payload.password,
        unit_id=unit_id,
    )
    user.organisation = payload.organisation
    session.flush()
    audit.record(session, actor, "user.create", user.username, role=user.role, unit=payload.unit)
    return user


def update(session: Session, actor: User | None, username: str, change: UserChange) -> User:
    """Change an account's name, organisation or unit (the fields given); its role stays."""
    user = managed_user(session, actor, username)
    given = change.model_dump(include=change.model_fields_set)
    if "unit" in given:
        code = given["unit"]
        if code is None and user.role in NEEDS_UNIT:
            problem = f"a {user.role} needs a unit"
            raise InvalidInput(problem, errors=[{"item": "unit", "problem": problem}])
        unit = unit_by_code(session, code) if code is not None else None
        if code is not None and unit is None:
            raise InvalidInput(f"no org unit {code!r}", errors=[{"item": "unit", "problem": "unknown"}])
        scope = _scope(session, actor)
        if scope is not None and (unit is None or unit.id not in scope):
            raise Forbidden(f"unit {code} is outside the units you manage")
        user.unit_id = unit.id if unit else None
    if given.get("display_name"):
        user.display_name = given["display_name"]
    if "organisation" in given:
        user.organisation = given["organisation"] or None
    session.flush()
    # The fields changed and the new unit, never the person's name.
    audit.record(session, actor, "user.update", user.username, changed=sorted(given), unit=given.get("unit"))
    return user


def change_password(session: Session, actor: User | None, username: str, password: str) -> None:
    """Set a new password; the account's tokens are revoked, so its devices sign in again."""
    user = managed_user(session, actor, username)
    revoked = set_password(session, user, password)
    audit.record(session, actor, "user.password", user.username, tokens_revoked=revoked)


def disable(session: Session, actor: User | None, username: str) -> User:
    """Disable an account and revoke all its tokens (no one disables their own account)."""
    user = managed_user(session, actor, username)
    if actor is not None and actor.id == user.id:
        raise Conflict("you cannot disable your own account; ask another admin")
    if user.active:
        revoked = disable_user(session, user)
        audit.record(session, actor, "user.disable", user.username, tokens_revoked=revoked)
    return user


def list_users(session: Session, actor: User, *, role: str | None = None, unit: str | None = None) -> Sequence[User]:
    """The accounts ``actor`` manages, optionally of one role or of one unit and those below it."""
    scope = _scope(session, actor)
    if scope is not None:
        if role not in (None, VOLUNTEER):
            return []  # a unit manager sees volunteers only
        role = VOLUNTEER
    if unit is not None:
        found = unit_by_code(session, unit)
        if found is None:
            raise NotFound(f"no org unit {unit!r}")
        area = subtree(session, found.id)
        scope = area if scope is None else scope & area
    return accounts.users_in(session, scope, role)


def users_out(session: Session, found: Sequence[User]) -> list[UserOut]:
    """The public view of accounts."""
    units = units_by_id(session, {u.unit_id for u in found if u.unit_id is not None})
    return [
        UserOut(
            id=u.id,
            username=u.username,
            display_name=u.display_name,
            role=u.role,
            unit=units[u.unit_id].code if u.unit_id in units else None,
            organisation=u.organisation,
            active=u.active,
            created_at=u.created_at,
        )
        for u in found
    ]


def tokens(session: Session, actor: User, username: str) -> list[TokenInfo]:
    """An account's tokens: name and dates, never the token or its digest."""
    user = managed_user(session, actor, username)
    return [_token_info(token) for token in accounts.tokens_of(session, user)]


def revoke(session: Session, actor: User, username: str, token_id: int) -> None:
    """Revoke one of an account's tokens (nothing changes when it is revoked already)."""
    user = managed_user(session, actor, username)
    token = accounts.token_of(session, user, token_id)
    if token is None:
        raise NotFound(f"user {username!r} has no token {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
        audit.record(session, actor, "token.revoke", user.username, token=token.id, name=token.name)


def _token_info(token: ApiToken) -> TokenInfo:
    return TokenInfo(
        id=token.id,
        name=token.name,
        created_at=token.created_at,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
    )
