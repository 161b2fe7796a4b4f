"""Service settings, read from the environment (prefix ``SURVEY_``)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from survey_api.secret_file import development_key, key_path


class Settings(BaseSettings):
    """Runtime configuration; nothing reads the environment at import time."""

    model_config = SettingsConfigDict(env_prefix="SURVEY_", env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = "sqlite:///./survey.db"
    host: str = "127.0.0.1"
    port: int = 8000
    # Server processes of `survey serve`; rate limits and abuse windows are shared through the database
    # (or Redis), so any number works.
    workers: int = 1
    # Threads per process running endpoints (each may hold one database connection).
    worker_threads: int = 8
    # Signs QR links, posters and thank-you pages and keys the receipt and device hashes. Unset in development:
    # kept in a file beside the SQLite database (survey.db → survey.secret-key) or in .survey-secret-key.
    secret_key: str = ""
    # Keys used before a rotation (JSON list, newest first): what they signed or hashed still verifies.
    previous_secret_keys: list[str] = []
    sql_echo: bool = False
    # The address printed in QR codes, e.g. https://khaosat.example.gov.vn; empty: the address asked for.
    public_url: str = ""
    # QR abuse control: a second answer from one device at one point within this window is flagged; more
    # than `qr_burst_per_minute` answers on one link in a minute are flagged; past the hard limits, 429.
    qr_repeat_window_minutes: int = 60
    qr_burst_per_minute: int = 20
    qr_limit_per_client_per_minute: int = 6
    qr_limit_per_link_per_minute: int = 120
    # Indices: levels resting on fewer respondents than this are flagged `few_answers`; satisfaction targets
    # by sector (SURVEY_TARGETS='{"administrative": 0.95, ...}' for the 2030 target); the lonely-PSU policy
    # of weighted estimates (a stratum left with one PSU by a filter).
    min_answers: int = 30
    targets: dict[str, float] = {"administrative": 0.90, "health": 0.90, "education": 0.85}
    lonely_psu: Literal["fail", "remove", "certainty", "adjust", "average"] = "adjust"
    # Memory for the responses of recent weighted estimates, reused until their instrument gets a new
    # response (0: read them every time).
    estimate_cache_mb: int = 512
    # Shared state of several workers (rate limits): Redis at this URL (e.g. redis://127.0.0.1:6379/0);
    # empty: kept in the database.
    redis_url: str = ""
    # Peers whose X-Forwarded-For header names the client (addresses or networks, e.g. ["127.0.0.1"]);
    # empty: the header is ignored and the connecting address is the client.
    trusted_proxies: list[str] = []
    # Lifetime of API tokens in hours: staff, and volunteers (whose tablets work offline for weeks).
    token_ttl_hours: int = 12
    volunteer_token_ttl_hours: int = 720
    # Sign-in throttling: failed attempts allowed per account and per client in `sign_in_window_minutes`.
    sign_in_limit_per_account: int = 10
    sign_in_limit_per_client: int = 30
    sign_in_window_minutes: int = 15
    # Request bodies: JSON and forms up to `max_body_mb`, multipart uploads (imports, frames, margins) up to
    # `max_upload_mb`; larger is 413 before it is read.
    max_body_mb: int = 10
    max_upload_mb: int = 200

    @model_validator(mode="after")
    def _require_secret_in_production(self) -> Settings:
        if not self.secret_key:
            if self.environment == "production":
                raise ValueError(
                    "SURVEY_SECRET_KEY must be set in production (a long random string, e.g. from "
                    "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
                )
            if self.environment == "test":
                self.secret_key = secrets.token_urlsafe(48)
            else:
                self.secret_key = development_key(key_path(self.database_url))
        elif self.environment == "production" and len(self.secret_key) < 32:
            raise ValueError("SURVEY_SECRET_KEY must be at least 32 characters in production")
        return self

    @property
    def verification_keys(self) -> tuple[str, ...]:
        """The keys a signature or keyed hash may have been made with: the current one, then previous ones."""
        return (self.secret_key, *(key for key in self.previous_secret_keys if key and key != self.secret_key))


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, built on first use."""
    return Settings()
