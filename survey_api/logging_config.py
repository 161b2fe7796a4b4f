"""Logging of ``survey serve``: uvicorn's own configuration, with no secrets or personal data in the access log.

The access log keeps no signed address: a QR link's signature (``/q/<point>/<instrument>/<generation>/…``,
also before ``/thanks`` and ``/feedback``), the query strings of QR and poster pages (the thank-you proof
``s=``, the poster's ``sig=``) and a feedback reference (``/phan-anh/<reference>``) are replaced by ``…``, and
elsewhere the values of query parameters that carry secrets (``token=``, ``s=``, ``sig=``…). The app itself
logs no requests, bodies or answers; SQL parameters of failed statements stay out of tracebacks (the
engine's ``hide_parameters``).
"""

from __future__ import annotations

import copy
import logging
from typing import Any
from urllib.parse import quote, unquote, unquote_plus

from uvicorn.config import LOGGING_CONFIG

ACCESS_LOGGER = "uvicorn.access"
HIDDEN = "…"
# Pages whose addresses are signed: the whole query string goes, and the QR signature segment.
_SIGNED_PAGES = ("/q/", "/posters/")
_SIGNATURE_SEGMENT = 5  # "", "q", point, instrument, generation, signature
_SECRET_PARAMETERS = frozenset({"s", "sig", "token", "access_token", "key", "password", "secret", "ma"})
# A feedback reference reads its item without signing in: like a key, it is not logged (in the path, or
# typed into the lookup form as ``ma=``).
_REFERENCE_PAGE = "/phan-anh/"


def redact(target: str) -> str:
    """A request target (path and query string) as the access log may keep it."""
    path, mark, query = target.partition("?")
    plain = unquote(path)
    if plain.startswith(_REFERENCE_PAGE) and len(plain) > len(_REFERENCE_PAGE):
        return _REFERENCE_PAGE + HIDDEN + (f"?{HIDDEN}" if mark else "")
    if plain.startswith(_SIGNED_PAGES):
        # Quoted again, so that what the path decodes to cannot forge log lines.
        segments = [quote(segment, safe="@:+,;=!$'()*") for segment in plain.split("/")]
        if plain.startswith("/q/") and len(segments) > _SIGNATURE_SEGMENT:
            segments[_SIGNATURE_SEGMENT] = HIDDEN
        return "/".join(segments) + (f"?{HIDDEN}" if mark else "")
    if not mark:
        return target
    pairs = query.split("&")
    for k, pair in enumerate(pairs):
        name, equals, _value = pair.partition("=")
        if equals and unquote_plus(name).lower() in _SECRET_PARAMETERS:
            pairs[k] = f"{name}={HIDDEN}"
    return f"{path}?{'&'.join(pairs)}"


class RedactSecrets(logging.Filter):
    """Redacts the request targets of access-log records (uvicorn passes them as arguments)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) and a.startswith("/") else a for a in record.args)
        return True


def _logging() -> dict[str, Any]:
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact_secrets": {"()": f"{__name__}.RedactSecrets"}}
    config["loggers"][ACCESS_LOGGER]["filters"] = ["redact_secrets"]
    return config


# uvicorn's default logging with the access log redacted: ``uvicorn.run(..., log_config=LOGGING)``.
LOGGING: dict[str, Any] = _logging()


def install_filters() -> None:
    """Redact the access log of a server started some other way (its own logging configuration); idempotent."""
    access = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactSecrets) for f in access.filters):
        access.addFilter(RedactSecrets())
