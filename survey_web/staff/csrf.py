"""Cross-site request forgery protection for the staff area.

Every route of the staff router uses ``SameOriginRoute``: a request with an unsafe method (POST and the like)
is served only when its ``Origin`` header, or its ``Referer`` when it has no ``Origin``, names this site (the
scheme, host and port it was asked at, or ``SURVEY_PUBLIC_URL``); one with neither is refused too. Browsers
send ``Origin`` with every form POST and a page cannot forge it, so another site's form can neither sign a
member of staff in or out nor act in their name. The staff cookie is also ``SameSite=Strict``. A refused
request gets a 403 page (Vietnamese unless English was chosen).

Browsers send ``Origin: null`` on a POST from a page whose referrer policy is ``no-referrer`` (the site-wide
default, ``survey_api/security_headers.py``), so the staff pages answer with ``Referrer-Policy: same-origin``:
their own forms then carry the real origin, and other sites still learn nothing of their addresses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request, Response

from survey_api.routing import CommittingRoute
from survey_web.i18n import STAFF_TEXTS, language
from survey_web.pages import LANGUAGE_COOKIE
from survey_web.templating import templates

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
REFERRER_POLICY = "same-origin"
_DEFAULT_PORTS = {"http": 80, "https": 443}
_log = logging.getLogger(__name__)

Origin = tuple[str, str, int]


def _origin(url: str) -> Origin | None:
    """(scheme, host, port) of an absolute http(s) URL; None for anything else (``null``, garbage)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[parts.scheme]


def same_origin(request: Request, public_url: str = "") -> bool:
    """Whether the request's ``Origin`` (else ``Referer``) is this site; False when it has neither."""
    claimed = request.headers.get("origin")
    if claimed is None:
        claimed = request.headers.get("referer")
    if not claimed:
        return False
    origin = _origin(claimed)
    own = {_origin(str(request.base_url)), _origin(public_url) if public_url else None}
    return origin is not None and origin in own


def forged(request: Request) -> Response:
    """The 403 page for a request from another site."""
    lang = language(request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE))
    t = STAFF_TEXTS[lang]
    return templates.TemplateResponse(
        request,
        "staff/problem.html",
        {"lang": lang, "t": t, "message": t["forged"], "title": t["forged_title"]},
        status_code=403,
        headers={"Cache-Control": "no-store"},
    )


class SameOriginRoute(CommittingRoute):
    """A route that refuses unsafe methods from other sites before its endpoint runs."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            if request.method not in SAFE_METHODS and not same_origin(request, request.app.state.settings.public_url):
                _log.warning(
                    "refused a cross-site %s %s (Origin %r, Referer %r)",
                    request.method,
                    request.url.path,
                    request.headers.get("origin"),
                    request.headers.get("referer"),
                )
                response = forged(request)
            else:
                response = await handle(request)
            response.headers.setdefault("Referrer-Policy", REFERRER_POLICY)
            return response

        return guarded
