"""Queries on users and tokens."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_api.db.models import ApiToken, User


def user_by_token_digest(session: Session, digest: str) -> User | None:
    """The active user owning an unrevoked token with this digest."""
    return session.scalars(
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None), User.active.is_(True))
    ).first()


def user_by_username(session: Session, username: str) -> User | None:
    """The user with this username, if any."""
    return session.scalars(select(User).where(User.username == username)).first()
