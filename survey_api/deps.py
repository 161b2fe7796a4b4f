"""FastAPI dependencies: the request's session (committed at the edge), settings, the current user."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from survey_api.auth.service import authenticate_token, require_role
from survey_api.db.engine import transaction
from survey_api.db.models import User
from survey_api.errors import Unauthorized
from survey_api.settings import Settings


def get_session(request: Request) -> Iterator[Session]:
    """One session per request: committed when the endpoint succeeds, rolled back when it raises."""
    with transaction(request.app.state.sessionmaker) as session:
        yield session


def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


# scope="function": the commit happens before the response is sent, so an acknowledged write is stored.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]

_bearer = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer svy_…`")


def get_current_user(
    session: SessionDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> User:
    """The user behind the bearer token; 401 without a valid one."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("this needs an API token: send `Authorization: Bearer <token>`")
    return authenticate_token(session, credentials.credentials)


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_roles(*roles: str) -> Callable[[User], User]:
    """A dependency that lets through only users with one of ``roles`` (403 otherwise)."""

    def dependency(user: CurrentUser) -> User:
        require_role(user, roles)
        return user

    return dependency


AdminUser = Annotated[User, Depends(require_roles("admin"))]
AnalystUser = Annotated[User, Depends(require_roles("admin", "analyst", "unit_manager"))]
ManagerUser = Annotated[User, Depends(require_roles("admin", "unit_manager"))]
