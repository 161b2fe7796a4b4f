"""Users, their roles and their API tokens (stored hashed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_api.db.base import Base, utcnow
from survey_api.db.types import UTCDateTime
from survey_api.roles import ROLES

__all__ = ["ROLES", "ApiToken", "User"]


class User(Base):
    """A person or service account with one role; unit managers and volunteers belong to a unit."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    # The organisation a volunteer comes from (e.g. a commune's Fatherland Front committee).
    organisation: Mapped[str | None] = mapped_column(String(255))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # HTTP Digest secrets (HA1 = H(username:realm:password)) for ODK Collect (survey_api/openrosa), set with the
    # password and only for the roles that may use OpenRosa; None: the password was set before, or another role.
    digest_ha1_md5: Mapped[str | None] = mapped_column(String(32))
    digest_ha1_sha256: Mapped[str | None] = mapped_column(String(64))

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")


class ApiToken(Base):
    """A bearer token; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # After this moment the token is refused (None: never; only tokens made before expiry existed).
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")
