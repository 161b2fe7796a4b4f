"""`/docs` and `/redoc` render in Debian's chromium with every other host unreachable (an intranet)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.web.test_csp_browser import WATCH

pytestmark = pytest.mark.browser


@pytest.fixture
def offline_page(chromium: Any, live_server: str) -> Iterator[tuple[Any, list[str]]]:
    """A page whose requests to any host but the live server are refused, and the hosts it tried."""
    browser = chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(20_000)
    page.add_init_script(WATCH)
    ours = urlsplit(live_server).netloc
    elsewhere: list[str] = []

    def only_ours(route: Any) -> None:
        host = urlsplit(route.request.url).netloc
        if host == ours or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            elsewhere.append(host)
            route.abort()

    page.route("**/*", only_ours)
    yield page, elsewhere
    browser.close()


def test_swagger_ui_lists_the_operations_offline(offline_page: tuple[Any, list[str]], live_server: str) -> None:
    page, elsewhere = offline_page
    page.goto(f"{live_server}/docs", wait_until="networkidle")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock-summary-path", has_text="/api/v1/responses").count() >= 1
    assert elsewhere == []
    assert page.evaluate("window.__violations") == []


def test_redoc_renders_the_document_offline(offline_page: tuple[Any, list[str]], live_server: str) -> None:
    page, elsewhere = offline_page
    page.goto(f"{live_server}/redoc", wait_until="networkidle")
    page.wait_for_selector("h1")
    assert "Citizen satisfaction survey platform" in page.locator("h1").first.inner_text()
    assert elsewhere == []
    # ReDoc's sidebar credit shows an image from its makers' CDN: the policy refuses it (it is never
    # requested) and the viewer hides it. Nothing else may be refused.
    credit = "img-src https://cdn.redoc.ly/redoc/logo-mini.svg"
    assert [v for v in page.evaluate("window.__violations") if v != credit] == []
