"""Queries on users and tokens."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.orm import Session, joinedload

from survey_api.db.models import ApiToken, User


def token_by_digest(session: Session, digest: str) -> ApiToken | None:
    """The token stored under this digest (revoked, expired or not), with its user."""
    return session.scalars(
        select(ApiToken).options(joinedload(ApiToken.user)).where(ApiToken.token_hash == digest)
    ).first()


# Built once: the intake asks it for every group of submissions, and building a statement costs more than
# running it.
_TOKEN_HOLDERS = (
    select(ApiToken.token_hash, User.id, User.role, User.unit_id, User.active, ApiToken.revoked_at, ApiToken.expires_at)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash.in_(bindparam("digests", expanding=True)))
)

TokenHolder = Row[str, int, str, int | None, bool, datetime | None, datetime | None]


def token_holders(session: Session, digests: Collection[str]) -> list[TokenHolder]:
    """The holders of the tokens stored under these digests, as plain columns (no ORM objects): digest,
    user id, role, unit, active, and the token's revoked_at and expires_at."""
    return list(session.connection().execute(_TOKEN_HOLDERS, {"digests": list(digests)}))


def user_by_username(session: Session, username: str) -> User | None:
    """The user with this username, if any."""
    return session.scalars(select(User).where(User.username == username)).first()


def users(session: Session, units: set[int] | None = None, role: str | None = None) -> Sequence[User]:
    """Users by username, optionally only those of ``units`` and of ``role``."""
    query = select(User).order_by(User.username)
    if units is not None:
        query = query.where(User.unit_id.in_(units))
    if role is not None:
        query = query.where(User.role == role)
    return session.scalars(query).all()


def tokens_of(session: Session, user: User) -> Sequence[ApiToken]:
    """A user's tokens, newest first."""
    return session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).all()


def token_of(session: Session, user: User, token_id: int) -> ApiToken | None:
    """One of a user's tokens by id."""
    return session.scalars(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)).first()


def revoke_tokens(session: Session, user: User, at: datetime) -> int:
    """Revoke every unrevoked token of ``user``; the number revoked."""
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=at)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
