"""Domain errors: each carries its HTTP status; one handler renders them as JSON."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class DomainError(Exception):
    """A failure the caller can fix; ``status_code`` and ``detail`` go to the client as they are."""

    status_code = 400

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class InvalidInput(DomainError):
    """The request is well-formed JSON but its content breaks a rule (422)."""

    status_code = 422


class NotFound(DomainError):
    """The named thing does not exist (404)."""

    status_code = 404


class Conflict(DomainError):
    """The request contradicts what is stored (409)."""

    status_code = 409


class Unauthorized(DomainError):
    """No valid credentials (401)."""

    status_code = 401


class Forbidden(DomainError):
    """Valid credentials, but the role may not do this (403)."""

    status_code = 403


class Gone(DomainError):
    """The thing existed but is no longer valid, e.g. a rotated or revoked QR link (410)."""

    status_code = 410


class TooManyRequests(DomainError):
    """A rate limit was hit (429); ``retry_after`` seconds until trying again makes sense."""

    status_code = 429

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class ErrorItem(BaseModel):
    """One problem: where (``item``, dotted; ``row`` of a file) and what."""

    model_config = ConfigDict(extra="allow")

    item: str | None = Field(default=None, description="The field, item code or column, e.g. `answers.A.1`")
    problem: str | None = Field(default=None, description="What is wrong with it")
    row: int | None = Field(default=None, description="The file's row, numbered as a spreadsheet shows it")


class ErrorBody(BaseModel):
    """The body of every 4xx answer of the API."""

    detail: str = Field(description="What went wrong, in one sentence")
    errors: list[ErrorItem] = Field(default_factory=list, description="Each problem, when there are several")
