"""A respondent in a real browser (Debian's chromium): scan, answer, thank-you; with and without JavaScript."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Db
from tests.web.a11y import wcag_violations
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.web.qr_helpers import decode_qr, make_point

pytestmark = pytest.mark.browser


@pytest.fixture
def scanned_link(
    client: TestClient, db: Db, official: dict[str, int], token_for: Any, live_server: str, tmp_path: Path
) -> str:
    """The address a phone reads from the printed QR code, served by the live server."""
    admin = token_for("admin")
    make_point(client, db, admin)
    row = next(r for r in client.get("/api/v1/service-points", headers=admin).json() if r["code"] == "desk")
    png = client.get(urlsplit(row["qr_png"]).path, headers=admin).content
    link = decode_qr(png, tmp_path)
    assert link == row["link"]
    return live_server + urlsplit(link).path


def open_page(chromium: Any, url: str, javascript: bool) -> Any:
    browser = chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(url)
    return browser, page


def answer_visible_questions(page: Any, skip: str | None = None) -> None:
    """Tap an answer in every visible question that is required or on the 1–5 scale."""
    for question in page.locator(".q:visible").all():
        if question.get_attribute("id") == f"q-{skip}":
            continue
        options = question.locator("label.opt")
        if options.count() and (question.get_attribute("data-required") is not None or options.count() == 5):
            options.nth(min(4, options.count() - 1)).click()
        elif question.get_attribute("data-required") is not None:
            question.locator("input, textarea").first.fill("ok")


def index_of(client: TestClient, token_for: Any) -> dict[str, Any]:
    result: dict[str, Any] = client.get(
        "/api/v1/indices", params={"instrument": "sipas", "service_point": "desk"}, headers=token_for("analyst")
    ).json()
    return result


def test_with_javascript_one_section_at_a_time_then_thanks_and_the_index_counts_it(
    chromium: Any, scanned_link: str, client: TestClient, token_for: Any
) -> None:
    browser, page = open_page(chromium, scanned_link, javascript=True)
    try:
        steps = page.locator("section.step")
        total = steps.count()
        assert total > 2 and page.locator("section.step:visible").count() == 1
        assert page.locator("progress").get_attribute("max") == str(total)
        next_button = page.get_by_role("button", name="Tiếp theo")
        while not page.locator(".q[data-required]:visible").count():
            next_button.click()  # to the first section with a required question
        next_button.click()
        error = page.locator(".q.invalid .error:visible").first
        assert error.inner_text() == "Vui lòng trả lời câu hỏi này."
        invalid_id = page.locator(".q.invalid").first.get_attribute("id")
        assert page.evaluate("document.activeElement.closest('.q').id") == invalid_id
        for _ in range(total):
            answer_visible_questions(page)
            if page.locator("#send:visible").count():
                break
            page.get_by_role("button", name="Tiếp theo").click()
        page.locator("#send").click()
        page.wait_for_url("**/thanks?**")
        assert "Cảm ơn" in page.locator("h1").inner_text()
    finally:
        browser.close()
    index = index_of(client, token_for)
    assert index["responses"] == 1 and index["overall"]["satisfied"] == 1.0


def test_without_javascript_the_whole_form_posts_and_errors_sit_next_to_their_question(
    chromium: Any, scanned_link: str, client: TestClient, token_for: Any
) -> None:
    browser, page = open_page(chromium, scanned_link, javascript=False)
    try:
        assert page.locator("section.step:visible").count() == page.locator("section.step").count()
        required = page.locator(".q[data-required]").first.get_attribute("id")
        assert required is not None
        answer_visible_questions(page, skip=required.removeprefix("q-"))
        page.locator("#send").click()
        question = page.locator(f'[id="{required}"]')
        assert "invalid" in (question.get_attribute("class") or "")
        assert question.locator(".error").inner_text() == "Vui lòng trả lời câu hỏi này."
        assert page.locator("#error-summary").is_visible()
        assert index_of(client, token_for)["responses"] == 0
        answer_visible_questions(page)
        page.locator("#send").click()
        page.wait_for_url("**/thanks?**")
        assert "Cảm ơn" in page.locator("h1").inner_text()
    finally:
        browser.close()
    assert index_of(client, token_for)["responses"] == 1


def test_a_tampered_link_shows_a_friendly_page_in_the_browser(chromium: Any, scanned_link: str) -> None:
    browser, page = open_page(chromium, scanned_link[:-4] + "abcd", javascript=True)
    try:
        assert "Không mở được phiếu khảo sát" in page.locator("h1").inner_text()
        assert "quét lại mã QR" in page.locator("[role=alert]").inner_text()
    finally:
        browser.close()


def test_the_questionnaire_meets_wcag_21_aa_also_when_showing_errors(chromium: Any, scanned_link: str) -> None:
    """axe-core runs in the page, so the page keeps JavaScript; the server's own error page (what a browser
    without JavaScript gets) is reached by submitting the form past the script's checks."""
    browser, page = open_page(chromium, scanned_link, javascript=True)
    try:
        assert wcag_violations(page) == []
        while not page.locator(".q[data-required]:visible").count():
            page.get_by_role("button", name="Tiếp theo").click()
        page.get_by_role("button", name="Tiếp theo").click()
        assert page.locator(".q.invalid").count() > 0
        assert wcag_violations(page) == []
        page.evaluate("document.getElementById('survey').submit()")
        page.wait_for_selector("#error-summary")
        assert wcag_violations(page) == []
        page.locator("a.lang").click()
        assert page.locator("html").get_attribute("lang") == "en"
        assert wcag_violations(page) == []
    finally:
        browser.close()
