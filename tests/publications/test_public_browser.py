"""The public results pages in Debian's chromium: no WCAG 2.1 AA violation, nothing wider than a phone, no
CSP violation; screenshots at phone and desktop size (SURVEY_SCREENSHOTS=dir keeps them)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from survey_api.publications.schemas import PublicationOut
from tests.web.a11y import wcag_violations
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.web.test_csp_browser import WATCH

pytestmark = pytest.mark.browser
SIZES = {"phone": (390, 844), "desktop": (1280, 900)}


@pytest.mark.parametrize("size", sorted(SIZES))
def test_results_pages_are_accessible_and_fit(
    chromium: Any,
    live_server: str,
    published: PublicationOut,
    size: str,
) -> None:
    width, height = SIZES[size]
    browser = chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        page = browser.new_context(viewport={"width": width, "height": height}).new_page()
        page.add_init_script(WATCH)
        for name, path in (("list", "/ket-qua"), ("result", f"/ket-qua/{published.id}")):
            page.goto(live_server + path, wait_until="networkidle")
            assert wcag_violations(page) == [], (size, name)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (size, name)
            assert page.evaluate("window.__violations") == []
            shots = os.environ.get("SURVEY_SCREENSHOTS")
            if shots:
                page.screenshot(path=str(Path(shots) / f"results-{name}-{size}.png"), full_page=True)
    finally:
        browser.close()
