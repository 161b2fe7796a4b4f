"""What the user-management endpoints take and give (never a password, a token or its hash)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["admin", "analyst", "unit_manager", "volunteer"]


class UserIn(BaseModel):
    """An account to create; ``unit`` (an org unit code) is required for unit managers and volunteers."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=2, max_length=100, pattern=r"^[A-Za-z0-9._@-]+$")
    role: Role
    password: str = Field(max_length=200, description="At least 10 characters")
    unit: str | None = Field(default=None, max_length=64)
    display_name: str | None = Field(default=None, max_length=255)
    organisation: str | None = Field(default=None, max_length=255)


class PasswordIn(BaseModel):
    """A new password (at least 10 characters)."""

    model_config = ConfigDict(extra="forbid")

    password: str = Field(max_length=200)


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    unit: str | None
    organisation: str | None
    active: bool
    created_at: datetime


class TokenInfo(BaseModel):
    """A token's bookkeeping; the token itself is shown only once, when it is issued."""

    id: int
    name: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class UserChange(BaseModel):
    """What to change in an account; a field left out stays as it is (unit: an org unit code)."""

    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(default=None, min_length=1, max_length=255)
    organisation: str | None = Field(default=None, max_length=255)
    unit: str | None = Field(default=None, max_length=64)
