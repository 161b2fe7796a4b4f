"""HTTP endpoints for managing accounts (admin; a unit manager for the volunteers of their units)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from survey_api.deps import ManagerUser, SessionDep
from survey_api.params import IdPath
from survey_api.routing import CommittingRoute
from survey_api.users import service
from survey_api.users.schemas import PasswordIn, Role, TokenInfo, UserChange, UserIn, UserOut

router = APIRouter(prefix="/api/v1/users", tags=["users"], route_class=CommittingRoute)


@router.get("", response_model=list[UserOut])
def list_users(
    session: SessionDep,
    actor: ManagerUser,
    role: Annotated[Role | None, Query(description="Only accounts with this role")] = None,
    unit: Annotated[str | None, Query(description="Only this org unit (code) and those below it")] = None,
) -> list[UserOut]:
    """The accounts you manage (a unit manager: the volunteers of their units)."""
    return service.users_out(session, service.list_users(session, actor, role=role, unit=unit))


@router.post("", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def create_user(payload: UserIn, session: SessionDep, actor: ManagerUser) -> UserOut:
    """Create an account (password of at least 10 characters; unit managers and volunteers need a unit)."""
    return service.users_out(session, [service.create(session, actor, payload)])[0]


@router.patch("/{username}", response_model=UserOut)
def update_user(username: str, change: UserChange, session: SessionDep, actor: ManagerUser) -> UserOut:
    """Change an account's display name, organisation or unit (fields left out stay as they are)."""
    return service.users_out(session, [service.update(session, actor, username, change)])[0]


@router.put("/{username}/password", status_code=204, response_class=Response)
def set_password(username: str, payload: PasswordIn, session: SessionDep, actor: ManagerUser) -> Response:
    """Set a new password; the account's tokens are revoked, so it signs in again everywhere."""
    service.change_password(session, actor, username, payload.password)
    return Response(status_code=204)


@router.post("/{username}/disable", response_model=UserOut)
def disable_user(username: str, session: SessionDep, actor: ManagerUser) -> UserOut:
    """Disable an account: it can no longer sign in and all its tokens are revoked."""
    return service.users_out(session, [service.disable(session, actor, username)])[0]


@router.get("/{username}/tokens", response_model=list[TokenInfo])
def list_tokens(username: str, session: SessionDep, actor: ManagerUser) -> list[TokenInfo]:
    """An account's tokens, newest first (names and dates only)."""
    return service.tokens(session, actor, username)


@router.delete("/{username}/tokens/{token_id}", status_code=204, response_class=Response)
def revoke_token(username: str, token_id: IdPath, session: SessionDep, actor: ManagerUser) -> Response:
    """Revoke one of an account's tokens."""
    service.revoke(session, actor, username, token_id)
    return Response(status_code=204)
