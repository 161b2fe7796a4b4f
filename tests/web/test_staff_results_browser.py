"""The staff results page in a real browser (Debian's chromium): a unit manager and an analyst read it on a
phone and on a desktop, the charts are SVG with their tables, WCAG 2.1 AA holds, and it prints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from survey_api.collection.service import LOCAL_TIME
from survey_api.db.base import utcnow
from survey_api.settings import Settings
from survey_web.staff.views import percent
from tests.conftest import Db
from tests.web.a11y import wcag_violations
from tests.web.results_helpers import PASSWORD, Answered, Staff, answer_two_quarters, indices

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SHOTS = Path("/tmp/shots/h3")


@pytest.fixture
def answered(client: TestClient, db: Db, desks: None, official: dict[str, int], settings: Settings) -> Answered:
    return answer_two_quarters(client, db, settings, utcnow().astimezone(LOCAL_TIME).date())


def open_results(browser: Any, live_server: str, who: Staff, size: dict[str, int], query: str = "") -> Any:
    page = browser.new_context(viewport=size, locale="vi-VN").new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server}/staff/")
    page.get_by_label("Tên đăng nhập").fill(who.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/staff/fieldwork")
    page.get_by_role("link", name="Kết quả khảo sát").click()
    page.wait_for_url("**/staff/results")
    if query:
        page.goto(f"{live_server}/staff/results?{query}")
    return page


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def test_a_unit_manager_on_a_phone(browser: Any, live_server: str, client: TestClient, answered: Answered) -> None:
    page = open_results(browser, live_server, answered.manager, PHONE)
    page.get_by_label("Phiếu khảo sát").select_option("sipas")
    page.get_by_label("Kỳ báo cáo").select_option(answered.period.code)
    page.get_by_role("button", name="Xem kết quả").click()
    page.wait_for_selector("#overall")
    api = indices(client, answered.manager, answered.period)
    assert page.locator("#overall").inner_text() == percent(api["overall"]["satisfied"], "vi")
    assert page.locator("#units tbody tr").count() == 1
    shot(page, "results-manager-phone.png")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.locator("svg.chart").count() == 3 and page.locator("script").count() == 0
    shot(page, "results-manager-phone.png")
    assert wcag_violations(page) == []


def test_an_analyst_on_a_desktop_in_both_languages_and_in_print(
    browser: Any, live_server: str, client: TestClient, answered: Answered
) -> None:
    query = f"instrument=sipas&period={answered.period.code}"
    page = open_results(browser, live_server, answered.analyst, DESKTOP, query)
    api = indices(client, answered.analyst, answered.period)
    assert page.locator("#overall").inner_text() == percent(api["overall"]["satisfied"], "vi")
    assert page.locator("#units tbody tr").count() == 4  # with the unit nobody answered in
    shot(page, "results-analyst-desktop.png")
    assert wcag_violations(page) == []
    page.get_by_role("link", name="English").click()
    page.wait_for_selector("html[lang=en]")
    assert page.locator("#overall").inner_text() == percent(api["overall"]["satisfied"], "en")
    shot(page, "results-analyst-desktop-en.png")
    assert wcag_violations(page) == []
    page.emulate_media(media="print")
    assert page.locator("form.choose").is_hidden() and page.locator("svg.chart").first.is_visible()
    shot(page, "results-analyst-print.png")
    phone = open_results(browser, live_server, answered.analyst, PHONE, query + "&lang=en")
    shot(phone, "results-analyst-phone-en.png")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert wcag_violations(phone) == []
