"""The strict Content-Security-Policy in a real browser (Debian's chromium): the respondent questionnaire, the
staff sign-in page, the tablet app and a printed poster load with no violation reported, and still look styled
(the computed styles are the stylesheets' values, so the CSS was allowed to load)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from survey_api.security_headers import STRICT_CSP
from tests.conftest import Db
from tests.web.qr_helpers import make_point

pytestmark = pytest.mark.browser
BLUE = "rgb(11, 79, 156)"  # #0b4f9c
# Runs before any page script (injected by the driver, so the policy does not apply to it).
WATCH = (
    "window.__violations = []; document.addEventListener('securitypolicyviolation', "
    "e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
)


@pytest.fixture
def point(client: TestClient, db: Db, official: dict[str, int], token_for: Any) -> dict[str, Any]:
    return make_point(client, db, token_for("admin"))


def visit(browser: Any, url: str) -> tuple[Any, list[str]]:
    """The page at ``url`` once loaded, and the console's CSP complaints."""
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    page.set_default_timeout(15_000)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(WATCH)
    response = page.goto(url, wait_until="networkidle")
    assert response.headers["content-security-policy"] == STRICT_CSP
    return page, [text for text in console if "Content Security Policy" in text]


def style(page: Any, selector: str, prop: str) -> str:
    value: str = page.eval_on_selector(selector, f"e => getComputedStyle(e).getPropertyValue('{prop}')")
    return value


def assert_clean(page: Any, console: list[str]) -> None:
    assert console == []
    assert page.evaluate("window.__violations") == []


def test_the_questionnaire_runs_its_script_and_styles_under_the_policy(
    browser: Any, live_server: str, point: dict[str, Any]
) -> None:
    page, console = visit(browser, live_server + urlsplit(point["link"]).path)
    assert_clean(page, console)
    assert "system-ui" in style(page, "body", "font-family")
    assert style(page, "#send", "background-color") == BLUE
    assert page.locator("section.step:visible").count() == 1  # respond.js ran: one section at a time


def test_the_staff_sign_in_page_is_styled_under_the_policy(browser: Any, live_server: str) -> None:
    page, console = visit(browser, f"{live_server}/staff/")
    assert_clean(page, console)
    assert "system-ui" in style(page, "body", "font-family")
    assert style(page, "button", "background-color") == BLUE


def test_the_tablet_app_runs_its_modules_and_worker_under_the_policy(browser: Any, live_server: str) -> None:
    page, console = visit(browser, f"{live_server}/tablet/")
    page.wait_for_function("!document.querySelector('#view').textContent.includes('Đang tải')")
    assert_clean(page, console)
    assert style(page, ".bar", "background-color") == BLUE
    assert page.evaluate("navigator.serviceWorker.getRegistration('/tablet/').then(r => !!r)")


@pytest.mark.parametrize(("size", "width"), [("A4", 120), ("A5", 80)])
def test_a_poster_renders_and_prints_under_the_policy(
    browser: Any, live_server: str, point: dict[str, Any], size: str, width: int
) -> None:
    poster = urlsplit(point["poster"])
    page, console = visit(browser, f"{live_server}{poster.path}?{poster.query}&size={size}")
    assert_clean(page, console)
    page.emulate_media(media="print")
    shown = float(style(page, ".qr svg", "width").removesuffix("px"))
    assert abs(shown - width * 96 / 25.4) < 1  # the code's printed width in mm, at CSS's 96 px per inch
    assert page.pdf(prefer_css_page_size=True).startswith(b"%PDF")
