"""Rules for users and tokens: password policy, token lifetimes, authentication, signing in and out."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from survey_api.auth import repository
from survey_api.auth.digest_secrets import digest_secrets
from survey_api.auth.security import hash_password, new_token, token_digest, verify_nobody, verify_password
from survey_api.auth.throttle import SignInThrottle
from survey_api.db.base import utcnow
from survey_api.db.models import ApiToken, User
from survey_api.db.models.users import ROLES
from survey_api.errors import Forbidden, InvalidInput, Unauthorized
from survey_api.settings import Settings, get_settings

MIN_PASSWORD_LENGTH = 10


def user_by_username(session: Session, username: str) -> User | None:
    """The account with this username, if any."""
    return repository.user_by_username(session, username)


def users_in(session: Session, units: set[int] | None = None, role: str | None = None) -> Sequence[User]:
    """Accounts by username, optionally only those of ``units`` and of ``role``."""
    return repository.users(session, units, role)


def tokens_of(session: Session, user: User) -> Sequence[ApiToken]:
    """An account's tokens, newest first."""
    return repository.tokens_of(session, user)


def token_of(session: Session, user: User, token_id: int) -> ApiToken | None:
    """One of an account's tokens by id."""
    return repository.token_of(session, user, token_id)


def check_password_policy(password: str) -> None:
    """422 unless the password is long enough (the password itself is never echoed)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        problem = f"must have at least {MIN_PASSWORD_LENGTH} characters"
        raise InvalidInput(f"the password {problem}", errors=[{"item": "password", "problem": problem}])


def create_user(
    session: Session,
    *,
    username: str,
    role: str,
    display_name: str | None = None,
    password: str | None = None,
    unit_id: int | None = None,
) -> User:
    """Add a user; the role must be one of ``ROLES`` and a password must follow the policy."""
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if password is not None:
        check_password_policy(password)
    if repository.user_by_username(session, username) is not None:
        raise InvalidInput(f"a user named {username!r} exists already")
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        unit_id=unit_id,
        password_hash=hash_password(password) if password else None,
    )
    if password:
        _set_digest_secrets(user, password)
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> int:
    """Replace a user's password and revoke their tokens (signed-in devices must sign in again); tokens revoked."""
    check_password_policy(password)
    user.password_hash = hash_password(password)
    _set_digest_secrets(user, password)
    session.flush()
    return repository.revoke_tokens(session, user, utcnow())


def _set_digest_secrets(user: User, password: str) -> None:
    """Store the HTTP Digest secrets of ODK Collect's sign-in (survey_api/openrosa) for the roles that use it."""
    secrets = digest_secrets(user.username, user.role, password)
    user.digest_ha1_md5 = secrets.md5 if secrets else None
    user.digest_ha1_sha256 = secrets.sha256 if secrets else None


def disable_user(session: Session, user: User) -> int:
    """Disable an account and revoke all its tokens; the number of tokens revoked."""
    user.active = False
    session.flush()
    return repository.revoke_tokens(session, user, utcnow())


def token_ttl(role: str, settings: Settings) -> timedelta:
    """How long a new token of an account with ``role`` lasts: volunteers' tablets work offline for weeks."""
    hours = settings.volunteer_token_ttl_hours if role == "volunteer" else settings.token_ttl_hours
    return timedelta(hours=hours)


def issue_token(session: Session, user: User, name: str, *, settings: Settings | None = None) -> str:
    """Create a token for ``user`` and return it in clear (the only time it is visible); it expires after the
    lifetime of the user's role (``token_ttl``)."""
    token = new_token()
    expires_at = utcnow() + token_ttl(user.role, settings or get_settings())
    session.add(ApiToken(user_id=user.id, name=name, token_hash=token_digest(token), expires_at=expires_at))
    session.flush()
    return token


def create_service_token(session: Session, *, role: str, name: str) -> str:
    """A token for the account ``name`` with ``role``, creating the account when it does not exist."""
    user = repository.user_by_username(session, name)
    if user is None:
        user = create_user(session, username=name, role=role)
    elif user.role != role:
        raise InvalidInput(f"user {name!r} exists with role {user.role}, not {role}")
    elif not user.active:
        raise InvalidInput(f"user {name!r} is disabled")
    return issue_token(session, user, name=f"cli:{name}")


UNKNOWN_TOKEN = "the API token is unknown or revoked; sign in again or ask an admin for a new one"


@dataclass(frozen=True)
class Principal:
    """Who presented a valid token, without loading the account: enough to authorise a submission."""

    user_id: int
    role: str
    unit_id: int | None


def _check_token(revoked_at: datetime | None, expires_at: datetime | None, active: bool) -> None:
    """401 unless a stored token is unrevoked, unexpired and its user active."""
    if revoked_at is not None:
        raise Unauthorized(UNKNOWN_TOKEN)
    if expires_at is not None and expires_at <= utcnow():
        raise Unauthorized("the API token has expired; sign in again to get a new one")
    if not active:
        raise Unauthorized("this account is disabled; ask an admin")


def _valid_token(session: Session, token: str) -> ApiToken:
    """The stored token behind a bearer token, or 401 when it is unknown, revoked, expired or its user disabled."""
    found = repository.token_by_digest(session, token_digest(token))
    if found is None:
        raise Unauthorized(UNKNOWN_TOKEN)
    _check_token(found.revoked_at, found.expires_at, found.user.active)
    return found


def authenticate_token(session: Session, token: str) -> User:
    """The user behind a bearer token, or 401."""
    return _valid_token(session, token).user


def principal_for_token(session: Session, token: str) -> Principal:
    """Who holds a bearer token, or 401: the same rules as ``authenticate_token``, in one plain query."""
    found = principals_for_tokens(session, [token])[token]
    if isinstance(found, Unauthorized):
        raise found
    return found


def principals_for_tokens(session: Session, tokens: Collection[str]) -> dict[str, Principal | Unauthorized]:
    """Who holds each bearer token, or why it does not authenticate (401), in one query for them all."""
    digests = {token_digest(token): token for token in tokens}
    found: dict[str, Principal | Unauthorized] = dict.fromkeys(tokens, Unauthorized(UNKNOWN_TOKEN))
    for digest, user_id, role, unit_id, active, revoked_at, expires_at in repository.token_holders(session, digests):
        try:
            _check_token(revoked_at, expires_at, active)
        except Unauthorized as refused:
            found[digests[digest]] = refused
        else:
            found[digests[digest]] = Principal(user_id=user_id, role=role, unit_id=unit_id)
    return found


def sign_out(session: Session, token: str) -> None:
    """Revoke the presented token (401 when it does not authenticate)."""
    _valid_token(session, token).revoked_at = utcnow()
    session.flush()


def sign_in(
    session: Session,
    username: str,
    password: str,
    *,
    settings: Settings | None = None,
    throttle: SignInThrottle | None = None,
) -> str:
    """Exchange a username and password for a new token (the tablet's and the staff pages' sign-in).

    With a ``throttle``, an account or client that used up its failed attempts gets 429 whatever the password,
    and each failure is counted. An unknown or disabled account costs one password check like a known one, so
    the answer's time does not tell whether a username exists.
    """
    if throttle is not None:
        throttle.check(username)
    user = repository.user_by_username(session, username)
    if user is None or not user.active or not user.password_hash:
        user = None
        verify_nobody(password)
    elif not verify_password(user.password_hash, password):
        user = None
    if user is None:
        if throttle is not None:
            throttle.failed(username)
        raise Unauthorized("wrong username or password")
    return issue_token(session, user, name="sign-in", settings=settings)


def require_role(user: User | Principal, roles: tuple[str, ...]) -> None:
    """403 unless ``user`` has one of ``roles``."""
    if user.role not in roles:
        raise Forbidden(f"this needs the role {' or '.join(roles)}; your role is {user.role}")
