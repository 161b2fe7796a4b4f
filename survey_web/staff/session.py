"""Who is signed in to the staff area.

Signing in goes through the API's own sign-in (``auth.service.sign_in``, behind ``POST /api/v1/auth/token``);
the token it issues is kept in an HttpOnly, SameSite=Strict cookie limited to ``/staff``, so page scripts never
see it and other sites' pages never send it, and each page authenticates it exactly as the API authenticates a
bearer token (so it expires with the token). Signing out revokes the token, not just the cookie.
"""

from __future__ import annotations

from fastapi import Request, Response
from sqlalchemy.orm import Session

from survey_api.auth.service import authenticate_token, sign_out
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
    """Store the token for the staff pages: HttpOnly, strictly same-site, only sent over HTTPS when served over it."""
    secure = request.url.scheme == "https"
    response.set_cookie(COOKIE, token, path=PATH, httponly=True, samesite="strict", secure=secure)


def forget_token(request: Request, session: Session, response: Response) -> None:
    """Revoke the cookie's token (when it still authenticates) and remove the cookie."""
    token = request.cookies.get(COOKIE)
    if token:
        try:
            sign_out(session, token)
        except Unauthorized:
            pass  # expired or revoked already: nothing left to revoke
    response.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="strict")
