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
    # Sites that may show the public results' embed view in a frame (CSP frame-ancestors sources), e.g.
    # "https://lamdong.gov.vn"; every other page may not be framed at all.
    embed_ancestors: str = "'self' https:"
    # The periodic reports' header (Nghị định 30/2020/NĐ-CP): the issuing body (parent first), the number line
    # left for the clerk to fill in, and the place before the date.
    report_issuer: tuple[str, ...] = ("UBND TỈNH LÂM ĐỒNG", "SỞ NỘI VỤ")
    report_number: str = "Số:       /BC-SNV"
    report_place: str = "Lâm Đồng"
    # Feedback and petitions (survey_api/feedback): working days to answer each kind; the public-holiday
    # calendar (a CSV of `date,name`; empty: the shipped Vietnamese holidays 2026–2027); an answer element
    # whose mean score is below `feedback_low_score` is shown to the unit as a low-scored element.
    feedback_due_working_days: dict[str, int] = {"feedback": 15, "petition": 10}
    feedback_holidays_file: str = ""
    feedback_low_score: float = 3.0
    # Contact details are purged this many days after the item is closed or rejected; the server purges at
    # start and every `feedback_purge_every_hours` (0: only `survey feedback purge`, e.g. from cron).
    feedback_contact_retention_days: int = 30
    feedback_purge_every_hours: float = 6.0
    # Lookups of a reference code (/phan-anh/<reference>) allowed per client and minute.
    feedback_lookups_per_client_per_minute: int = 30
    # E-mail to citizens who consented (empty host: no e-mail is sent).
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_sender: str = "khaosat@localhost"
    smtp_timeout_seconds: float = 10.0
    # OpenRosa (ODK Collect, survey_api/openrosa): seconds a Digest nonce is accepted (then the client is
    # asked to sign again, `stale=true`); the Digest challenges in order of preference (ODK Collect takes the
    # first it supports; MD5 first because every client has it); the largest submission XML.
    openrosa_nonce_seconds: int = 300
    openrosa_digest_algorithms: list[Literal["MD5", "SHA-256"]] = ["MD5", "SHA-256"]
    openrosa_max_submission_mb: int = 2

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
