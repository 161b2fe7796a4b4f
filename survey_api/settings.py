"""Service settings, read from the environment (prefix ``SURVEY_``)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration; nothing reads the environment at import time."""

    model_config = SettingsConfigDict(env_prefix="SURVEY_", env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = "sqlite:///./survey.db"
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str = ""
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

    @model_validator(mode="after")
    def _require_secret_in_production(self) -> Settings:
        if not self.secret_key:
            if self.environment == "production":
                raise ValueError(
                    "SURVEY_SECRET_KEY must be set in production (a long random string, e.g. from "
                    "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
                )
            self.secret_key = secrets.token_urlsafe(48)
        elif self.environment == "production" and len(self.secret_key) < 32:
            raise ValueError("SURVEY_SECRET_KEY must be at least 32 characters in production")
        return self


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, built on first use."""
    return Settings()
