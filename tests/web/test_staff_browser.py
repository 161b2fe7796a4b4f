"""Staff in a real browser (Debian's chromium, a phone-sized window): an analyst signs in and reads a plan's
fieldwork progress, the same numbers as the API, with the late assignment marked; WCAG 2.1 AA throughout."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fieldwork.conftest import PASSWORD, Person
from tests.plans.conftest import analyst as analyst  # fixtures
from tests.plans.conftest import area as area
from tests.plans.conftest import new_plan as new_plan
from tests.plans.conftest import person as person
from tests.plans.conftest import volunteer as volunteer
from tests.web.a11y import wcag_violations
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.web.staff_helpers import plan_in_field, progress, shown_percent

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def page(chromium: Any) -> Any:
    """A page in a phone-sized window."""
    browser = chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    tab = browser.new_context(viewport=PHONE, locale="vi-VN").new_page()
    tab.set_default_timeout(15_000)
    yield tab
    browser.close()


def sign_in(page: Any, live_server: str, who: Person, password: str = PASSWORD) -> None:
    page.goto(f"{live_server}/staff/")
    page.get_by_label("Tên đăng nhập").fill(who.username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def fits_the_screen(page: Any) -> bool:
    """Nothing but the tables' own scroll regions is wider than the window."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def cell(page: Any, table: str, row: str, column: str) -> str:
    text: str = page.locator(f'#{table} tr[data-row="{row}"] [data-col="{column}"]').inner_text()
    return text


def test_an_analyst_reads_the_progress_of_a_plan_as_the_api_gives_it(
    page: Any,
    live_server: str,
    client: TestClient,
    analyst: Person,
    new_plan: Callable[..., int],
    person: Callable[..., Person],
    volunteer: Person,
) -> None:
    field = plan_in_field(client, analyst, new_plan, person, volunteer)
    api = progress(client, analyst, field.plan)

    page.goto(f"{live_server}/staff/")
    assert page.title() == "Đăng nhập khu vực cán bộ · Khu vực cán bộ"
    assert wcag_violations(page) == []
    sign_in(page, live_server, analyst)
    page.wait_for_url(f"{live_server}/staff/fieldwork")
    assert page.get_by_role("heading", level=1).inner_text() == "Theo dõi điều tra thực địa"
    assert wcag_violations(page) == [] and fits_the_screen(page)

    page.get_by_role("link", name="Khảo sát SIPAS").click()
    page.wait_for_url(f"{live_server}/staff/fieldwork/plans/{field.plan}")
    stratum_a, total = api["strata"]["a"], api["total"]
    assert cell(page, "strata", "a", "rr1") == shown_percent(stratum_a["progress"]["response_rate"]) == "60,0 %"
    assert cell(page, "strata", "a", "rr3") == shown_percent(stratum_a["progress"]["response_rate_rr3"]) == "62,5 %"
    assert cell(page, "strata", "total", "rr1") == shown_percent(total["progress"]["response_rate"]) == "33,3 %"
    assert cell(page, "strata", "a", "quota") == f"{stratum_a['completed']}/{stratum_a['quota']}" == "3/3"
    shown = [cell(page, "strata", "a", c) for c in ("sampled", "contacted", "refused", "not_at_home", "not_eligible")]
    assert shown == ["6", "5", "1", "0", "1"]
    late = page.locator(f'#plan-assignments tr[data-row="#{field.late}"]')
    assert api["late"] == [field.late] and "late" in (late.get_attribute("class") or "")
    assert late.locator('[data-col="late"]').inner_text() == (
        "Trễ hạn: hết hạn ngày 31/01/2020, mới hoàn thành 0/2 chỉ tiêu"
    )
    on_time = page.locator(f'#plan-assignments tr[data-row="#{field.on_time}"] [data-col="late"]')
    assert on_time.inner_text() == "Đúng hạn"
    assert page.locator(f'#late li[data-row="#{field.late}"]').is_visible()
    assert wcag_violations(page) == [] and fits_the_screen(page)

    page.get_by_role("link", name="English").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Progress: Khảo sát SIPAS"
    assert cell(page, "strata", "a", "rr1") == shown_percent(stratum_a["progress"]["response_rate"], "en") == "60.0%"
    assert wcag_violations(page) == []


def test_a_wrong_password_shows_what_to_fix(page: Any, live_server: str, analyst: Person) -> None:
    sign_in(page, live_server, analyst, password="sai-mat-khau")
    alert = page.get_by_role("alert")
    assert alert.inner_text() == "Sai tên đăng nhập hoặc mật khẩu. Vui lòng kiểm tra lại và đăng nhập lại."
    assert page.url == f"{live_server}/staff/"
    assert page.get_by_label("Tên đăng nhập").input_value() == analyst.username
    assert wcag_violations(page) == []


def test_a_unit_manager_does_not_see_another_units_plan(
    page: Any,
    live_server: str,
    client: TestClient,
    analyst: Person,
    new_plan: Callable[..., int],
    person: Callable[..., Person],
    volunteer: Person,
) -> None:
    field = plan_in_field(client, analyst, new_plan, person, volunteer)
    new_plan({"stages": [{"name": "household", "method": "srs", "n": 2}]}, "d2", "Kế hoạch huyện d2")
    sign_in(page, live_server, person("unit_manager", unit="d2"))
    page.wait_for_url(f"{live_server}/staff/fieldwork")
    assert page.get_by_role("link", name="Kế hoạch huyện d2").is_visible()
    assert page.get_by_role("link", name="Khảo sát SIPAS").count() == 0
    reply = page.goto(f"{live_server}/staff/fieldwork/plans/{field.plan}")
    assert reply.status == 403
    assert "thuộc đơn vị khác" in page.get_by_role("alert").inner_text()
    assert wcag_violations(page) == []
