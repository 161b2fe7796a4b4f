"""Error answers outside the domain handlers: JSON (``ErrorBody``) for the API, a short Vietnamese page for
the web pages."""

from __future__ import annotations

from html import escape
from typing import Any

from starlette.responses import HTMLResponse, JSONResponse, Response

TITLES_VI = {
    404: "Không tìm thấy trang",
    413: "Nội dung gửi lên quá lớn",
    422: "Yêu cầu không hợp lệ",
}
_JSON_PREFIXES = ("/api/", "/openapi", "/docs", "/redoc", "/healthz")


def wants_json(path: str) -> bool:
    """Whether an error at ``path`` is answered as JSON (the API) rather than as a page."""
    return path.startswith(_JSON_PREFIXES)


def render(
    path: str,
    status: int,
    detail: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    message_vi: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """The error answer for ``path``: ``{"detail", "errors"}`` for the API, else a Vietnamese page."""
    if wants_json(path):
        body: dict[str, Any] = {"detail": detail}
        if errors:
            body["errors"] = errors
        return JSONResponse(body, status_code=status, headers=headers)
    title = TITLES_VI.get(status, "Không thực hiện được yêu cầu")
    page = (
        '<!doctype html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<title>{escape(title)}</title>\n<link rel="stylesheet" href="/static/site.css">\n</head>\n'
        f'<body>\n<main id="main">\n<h1>{escape(title)}</h1>\n<p role="alert">{escape(message_vi)}</p>\n'
        "</main>\n</body>\n</html>\n"
    )
    return HTMLResponse(page, status_code=status, headers=headers)
