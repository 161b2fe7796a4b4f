"""Rules for users and tokens."""

from __future__ import annotations

from sqlalchemy.orm import Session

from survey_api.auth import repository
from survey_api.auth.security import hash_password, new_token, token_digest, verify_password
from survey_api.db.models import ApiToken, User
from survey_api.db.models.users import ROLES
from survey_api.errors import Forbidden, InvalidInput, Unauthorized


def create_user(
    session: Session,
    *,
    username: str,
    role: str,
    display_name: str | None = None,
    password: str | None = None,
    unit_id: int | None = None,
) -> User:
    """Add a user; the role must be one of ``ROLES``."""
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if repository.user_by_username(session, username) is not None:
        raise InvalidInput(f"a user named {username!r} exists already")
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        unit_id=unit_id,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    return user


def issue_token(session: Session, user: User, name: str) -> str:
    """Create a token for ``user`` and return it in clear (the only time it is visible)."""
    token = new_token()
    session.add(ApiToken(user_id=user.id, name=name, token_hash=token_digest(token)))
    session.flush()
    return token


def create_service_token(session: Session, *, role: str, name: str) -> str:
    """A token for the account ``name`` with ``role``, creating the account when it does not exist."""
    user = repository.user_by_username(session, name)
    if user is None:
        user = create_user(session, username=name, role=role)
    elif user.role != role:
        raise InvalidInput(f"user {name!r} exists with role {user.role}, not {role}")
    return issue_token(session, user, name=f"cli:{name}")


def authenticate_token(session: Session, token: str) -> User:
    """The user behind a bearer token, or 401."""
    user = repository.user_by_token_digest(session, token_digest(token))
    if user is None:
        raise Unauthorized("the API token is unknown or revoked; ask an admin for a new one")
    return user


def sign_in(session: Session, username: str, password: str) -> str:
    """Exchange a username and password for a new token (the tablet app's sign-in)."""
    user = repository.user_by_username(session, username)
    if user is None or not user.active or not user.password_hash or not verify_password(user.password_hash, password):
        raise Unauthorized("wrong username or password")
    return issue_token(session, user, name="sign-in")


def require_role(user: User, roles: tuple[str, ...]) -> None:
    """403 unless ``user`` has one of ``roles``."""
    if user.role not in roles:
        raise Forbidden(f"this needs the role {' or '.join(roles)}; your role is {user.role}")
