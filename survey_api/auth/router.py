"""HTTP endpoints for signing in and out and seeing who you are."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from survey_api.auth import service
from survey_api.auth.throttle import throttle_for
from survey_api.deps import CurrentUser, SessionDep, SettingsDep
from survey_api.errors import Unauthorized
from survey_api.routing import CommittingRoute

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], route_class=CommittingRoute)
_bearer = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer svy_…`")


class SignIn(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)


class TokenOut(BaseModel):
    token: str
    token_type: str = "bearer"


class MeOut(BaseModel):
    username: str
    display_name: str
    role: str


@router.post(
    "/token",
    response_model=TokenOut,
    responses={401: {"description": "wrong username or password"}, 429: {"description": "too many failures"}},
)
def sign_in(body: SignIn, request: Request, session: SessionDep, settings: SettingsDep) -> TokenOut:
    """Exchange a username and password for an API token (expires after `SURVEY_TOKEN_TTL_HOURS`, volunteers'
    after `SURVEY_VOLUNTEER_TOKEN_TTL_HOURS`). Failed attempts are limited per account and per client (429)."""
    token = service.sign_in(session, body.username, body.password, settings=settings, throttle=throttle_for(request))
    return TokenOut(token=token)


@router.delete("/token", status_code=204, response_class=Response)
def sign_out(
    session: SessionDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Response:
    """Revoke the token this request presents; it never authenticates again."""
    if credentials is None:
        raise Unauthorized("this needs an API token: send `Authorization: Bearer <token>`")
    service.sign_out(session, credentials.credentials)
    return Response(status_code=204)


@router.get("/me", response_model=MeOut)
def me(user: CurrentUser) -> MeOut:
    """The user behind the token."""
    return MeOut(username=user.username, display_name=user.display_name, role=user.role)
