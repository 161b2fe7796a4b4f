"""Issue 12 in Chromium: the first tap on "Tiếp theo" after an error, the dossier step with JavaScript, the
counter and outpatient forms at phone and desktop size (screenshots in /tmp/shots12), WCAG 2.1 AA."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Db
from tests.web.a11y import wcag_violations
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.web.test_counter_pages import add_point

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots12")
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture
def links(client: TestClient, db: Db, official: dict[str, int], token_for: Any, live_server: str) -> dict[str, str]:
    admin = dict(token_for("admin"))
    desk = add_point(client, db, admin, "desk", "one_stop_counter", receipt=True)
    clinic = add_point(client, db, admin, "clinic", "clinic")
    return {"counter": live_server + urlsplit(desk["link"]).path, "clinic": live_server + urlsplit(clinic["link"]).path}


def open_page(chromium: Any, url: str, size: str = "phone") -> tuple[Any, Any, list[int]]:
    """The page, and the bytes of every response it loaded (the page with its CSS and JS)."""
    browser = chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    page = browser.new_context(viewport=SIZES[size]).new_page()
    page.set_default_timeout(15_000)
    weights: list[int] = []
    page.on("response", lambda r: weights.append(len(r.body())) if r.status == 200 else None)
    page.goto(url)
    return browser, page, weights


def pass_dossier_step(page: Any, number: str) -> None:
    page.locator("#f-receipt").fill(number)
    page.get_by_role("button", name="Kiểm tra số hồ sơ và tiếp tục").click()
    page.wait_for_selector("#survey")


def test_the_first_tap_on_next_after_an_error_goes_on(chromium: Any, links: dict[str, str]) -> None:
    browser, page, _ = open_page(chromium, links["counter"])
    try:
        pass_dossier_step(page, "HS-0001")
        next_button = page.get_by_role("button", name="Tiếp theo")
        next_button.click()  # from "about your visit" to the dossier questions
        assert page.locator("#q-HS\\.2").is_visible()
        next_button.click()  # nothing answered: errors
        assert page.locator("#e-HS\\.2").is_visible()
        page.locator("#q-HS\\.1 label.opt").first.click()
        page.locator("#f-HS\\.2").fill("2")  # typed: the error goes at once, not when the field loses focus
        assert not page.locator("#e-HS\\.2").is_visible()
        next_button.scroll_into_view_if_needed()
        box = next_button.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # one tap, where it is seen
        assert page.locator("#q-DG\\.1").is_visible()
    finally:
        browser.close()


def test_with_javascript_a_used_dossier_number_is_refused_on_the_first_step(
    chromium: Any, links: dict[str, str]
) -> None:
    browser, page, _ = open_page(chromium, links["counter"])
    try:
        pass_dossier_step(page, "HS-0002")
        page.get_by_role("button", name="Tiếp theo").click()
        page.locator("#q-HS\\.1 label.opt").first.click()
        page.locator("#f-HS\\.2").fill("1")
        page.get_by_role("button", name="Tiếp theo").click()
        for code in ("DG.1", "DG.2", "DG.3", "DG.4"):
            page.locator(f'[id="q-{code}"] label.opt').nth(4).click()
        page.get_by_role("button", name="Tiếp theo").click()
        page.locator("#send").click()
        page.wait_for_url("**/thanks?**")
        page.goto(links["counter"])
        page.locator("#f-receipt").fill("hs-0002")
        page.get_by_role("button", name="Kiểm tra số hồ sơ và tiếp tục").click()
        assert "Hồ sơ này đã được đánh giá" in page.locator("#error-summary").inner_text()
        assert page.locator("#survey").count() == 0
    finally:
        browser.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_counter_and_outpatient_forms_screenshots_and_wcag(chromium: Any, links: dict[str, str], size: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    browser, page, weights = open_page(chromium, links["counter"], size)
    try:
        assert wcag_violations(page) == []
        page.screenshot(path=str(SHOTS / f"counter-dossier-step-{size}.png"), full_page=True)
        pass_dossier_step(page, f"HS-{size}")
        assert wcag_violations(page) == []
        page.get_by_role("button", name="Tiếp theo").click()
        page.screenshot(path=str(SHOTS / f"counter-form-{size}.png"), full_page=True)
        page.get_by_role("button", name="Tiếp theo").click()
        assert wcag_violations(page) == []
        page.screenshot(path=str(SHOTS / f"counter-form-errors-{size}.png"), full_page=True)
        (SHOTS / f"counter-weight-{size}.txt").write_text(f"{sum(weights)} bytes in {len(weights)} responses\n")
        page.goto(links["clinic"])
        assert page.locator("text=Kiểu khảo sát").count() == 0
        assert wcag_violations(page) == []
        page.screenshot(path=str(SHOTS / f"health-outpatient-form-{size}.png"), full_page=True)
        page.get_by_role("button", name="Tiếp theo").click()
        page.screenshot(path=str(SHOTS / f"health-outpatient-form-2-{size}.png"), full_page=True)
    finally:
        browser.close()
