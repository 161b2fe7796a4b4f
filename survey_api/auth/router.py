"""HTTP endpoints for signing in and seeing who you are."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from survey_api.auth import service
from survey_api.deps import CurrentUser, SessionDep

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


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


@router.post("/token", response_model=TokenOut)
def sign_in(body: SignIn, session: SessionDep) -> TokenOut:
    """Exchange a username and password for an API token."""
    return TokenOut(token=service.sign_in(session, body.username, body.password))


@router.get("/me", response_model=MeOut)
def me(user: CurrentUser) -> MeOut:
    """The user behind the token."""
    return MeOut(username=user.username, display_name=user.display_name, role=user.role)
