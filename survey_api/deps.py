"""FastAPI dependencies: the request's session (committed at the edge), settings, the current user."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from typing import Annotated, Any

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


async def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


# scope="function": the commit happens before the response is sent, so an acknowledged write is stored.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]

_bearer = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer svy_…`")


BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def bearer_token(credentials: HTTPAuthorizationCredentials | None) -> str:
    """The token of an ``Authorization: Bearer`` header; 401 without one."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("this needs an API token: send `Authorization: Bearer <token>`")
    return credentials.credentials


def get_current_user(request: Request, credentials: BearerCredentials) -> User:
    """The user behind the bearer token; 401 without a valid one.

    The token is checked on a connection of its own, returned to the pool before this returns: a request
    never holds a connection while it waits for a worker thread to run its endpoint (with every thread
    waiting for a connection and every connection held by a request waiting for a thread, the server would
    stand still).
    """
    token = bearer_token(credentials)
    with transaction(request.app.state.sessionmaker) as session:
        return authenticate_token(session, token)


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_roles(*roles: str) -> Callable[[User], Coroutine[Any, Any, User]]:
    """A dependency that lets through only users with one of ``roles`` (403 otherwise)."""

    # Asynchronous because it does no I/O: it runs in the event loop instead of waiting for a worker thread.
    async def dependency(user: CurrentUser) -> User:
        require_role(user, roles)
        return user

    return dependency


AdminUser = Annotated[User, Depends(require_roles("admin"))]
AnalystUser = Annotated[User, Depends(require_roles("admin", "analyst", "unit_manager"))]
ManagerUser = Annotated[User, Depends(require_roles("admin", "unit_manager"))]
