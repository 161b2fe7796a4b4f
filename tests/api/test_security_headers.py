"""Security headers on every answer: API JSON, pages, errors, static files; HSTS only over https; the pages
carry no inline script or style, so the strict Content-Security-Policy holds for them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from survey_api.security_headers import DOCS_CSP, STRICT_CSP

TEMPLATES = Path(__file__).parents[2] / "survey_web" / "templates"
TABLET = Path(__file__).parents[2] / "survey_web" / "static" / "tablet" / "index.html"


def assert_secured(headers: Any, csp: str = STRICT_CSP, referrer: str = "no-referrer") -> None:
    assert headers["Content-Security-Policy"] == csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == referrer
    assert headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    ("path", "status", "kind"),
    [
        ("/healthz", 200, "application/json"),
        ("/api/v1/instruments", 200, "application/json"),
        ("/", 200, "text/html"),
        ("/tablet/", 200, "text/html"),
        ("/staff/", 200, "text/html"),
        ("/api/v1/nowhere", 404, "application/json"),
        ("/api/v1/plans", 401, "application/json"),
        ("/static/site.css", 200, "text/css"),
        ("/tablet/static/app.js", 200, "text/javascript"),
    ],
)
def test_every_answer_carries_the_security_headers(client: TestClient, path: str, status: int, kind: str) -> None:
    reply = client.get(path)
    assert reply.status_code == status and reply.headers["content-type"].startswith(kind)
    # The staff pages set their own (same-origin: their forms' origin check reads it).
    assert_secured(reply.headers, referrer="same-origin" if path.startswith("/staff/") else "no-referrer")
    assert "Strict-Transport-Security" not in reply.headers


def test_the_strict_policy_allows_no_inline_script_or_style() -> None:
    assert "'unsafe-inline'" not in STRICT_CSP and "'unsafe-eval'" not in STRICT_CSP
    assert "frame-ancestors 'none'" in STRICT_CSP and "object-src 'none'" in STRICT_CSP


def test_hsts_only_over_https(client: TestClient) -> None:
    secure = TestClient(client.app, base_url="https://testserver")
    reply = secure.get("/healthz")
    assert reply.headers["Strict-Transport-Security"].startswith("max-age=")
    assert_secured(reply.headers)


def test_the_api_docs_get_their_own_policy(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert_secured(docs.headers, DOCS_CSP)
    assert_secured(client.get("/openapi.json").headers)


def test_limits_and_validation_errors_carry_the_headers_too(client: TestClient) -> None:
    assert_secured(client.get("/api/v1/indices?instrument=a%00b").headers)  # 422 from the request limits
    assert_secured(client.get("/api/v1/instruments/abc").headers)  # 404 from validation


@pytest.mark.parametrize(
    "page", sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")) + ["tablet/index.html"]
)
def test_no_page_has_inline_script_style_or_event_handlers(page: str) -> None:
    html = (TABLET if page == "tablet/index.html" else TEMPLATES / page).read_text(encoding="utf-8")
    assert "<style" not in html, page
    assert not re.search(r"\sstyle=", html), page
    assert not re.search(r"\son[a-z]+=", html), page
    assert not re.search(r"javascript:", html, re.IGNORECASE), page
    for script in re.findall(r"<script[^>]*>(.*?)</script>", html, re.DOTALL):
        assert not script.strip(), f"inline script in {page}"


def test_posters_still_render_with_their_print_styles(client: TestClient) -> None:
    a4 = client.get("/static/poster.css")
    assert a4.status_code == 200 and "size:A4" in a4.text
    assert "size:A5" in client.get("/static/poster-a5.css").text
