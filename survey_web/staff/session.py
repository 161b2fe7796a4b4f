"""Who is signed in to the staff area.

Signing in goes through the API's own sign-in (``auth.service.sign_in``, behind ``POST /api/v1/auth/token``);
the token it issues is kept in an HttpOnly cookie limited to ``/staff``, so page scripts never see it, and
each page authenticates it exactly as the API authenticates a bearer token.
"""

from __future__ import annotations

from fastapi import Request, Response
from sqlalchemy.orm import Session

from survey_api.auth.service import authenticate_token
from survey_api.db.models import User
from survey_api.errors import Unauthorized

COOKIE = "sv_staff"
PATH = "/staff"
STAFF_ROLES = ("admin", "analyst", "unit_manager")


def signed_in(request: Request, session: Session) -> User | None:
    """The user behind the staff cookie; None without one, or when its token is unknown or revoked."""
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        return authenticate_token(session, token)
    except Unauthorized:
        return None


def keep_token(request: Request, response: Response, token: str) -> None:
    """Store the token for the staff pages: HttpOnly, same-site, only sent over HTTPS when served over it."""
    response.set_cookie(COOKIE, token, path=PATH, httponly=True, samesite="lax", secure=request.url.scheme == "https")


def forget_token(response: Response) -> None:
    """Remove the staff cookie."""
    response.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="lax")
