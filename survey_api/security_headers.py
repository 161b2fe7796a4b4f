"""Security headers on every answer (a pure ASGI middleware).

The pages load scripts and styles from this origin only (no inline script or style; ``static/`` holds them),
cannot be framed, and send no referrer (thank-you addresses carry signatures). HSTS is sent only on https.
The API documentation (``/docs``, ``/redoc``, served from local files by survey_api.api_docs) runs no inline
script either, but its viewers set inline styles (ReDoc injects style elements): it gets a policy that allows
those and nothing else.
"""

from __future__ import annotations

import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
# The one page meant to be framed: the public results' embed view (/ket-qua/<id>/nhung), for the provincial
# portal; which sites may frame it is a setting (SURVEY_EMBED_ANCESTORS).
EMBED_PATH = re.compile(r"^/ket-qua/\d+/nhung/?$")
HSTS = "max-age=31536000; includeSubDomains"
COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeaders:
    """Adds the headers to every HTTP answer the wrapped app sends (errors included)."""

    def __init__(self, app: ASGIApp, embed_ancestors: str = "'self'") -> None:
        self.app = app
        self.embed_csp = STRICT_CSP.replace("frame-ancestors 'none'", f"frame-ancestors {embed_ancestors}")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        embedded = EMBED_PATH.match(path) is not None
        csp = DOCS_CSP if path.startswith(DOCS_PATHS) else self.embed_csp if embedded else STRICT_CSP
        https = scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", csp)
                for name, value in COMMON.items():
                    if not (embedded and name == "X-Frame-Options"):
                        headers.setdefault(name, value)
                if https:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, with_headers)
