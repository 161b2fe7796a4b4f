"""In a real browser: the units page with the crosswalk and the move form, and an assignment deactivated from
its page; WCAG 2.1 AA on both; phone and desktop screenshots in /tmp/shots/f2/."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from survey_api.demo import load_demo
from tests.conftest import Db
from tests.fieldwork.conftest import Person
from tests.fieldwork.conftest import area as area  # fixtures
from tests.fieldwork.conftest import person as person
from tests.web.a11y import wcag_violations
from tests.web.test_admin_browser import DESKTOP, PHONE, new_page, sign_in

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/f2")


def shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(SHOTS / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)


def test_the_demo_crosswalk_and_a_deactivated_assignment_in_the_browser(
    browser: Any, live_server: str, db: Db, person: Callable[..., Person], official: dict[str, int]
) -> None:
    with db() as session:
        load_demo(session, responses_per_point=0, weighting=False)
    admin = person("admin", unit=None)
    page = new_page(browser)
    sign_in(page, live_server, admin.username)

    page.goto(f"{live_server}/staff/admin/units?day=2025-07-01")
    assert page.locator("#crosswalk tbody tr").count() == 11
    assert "Phường Bắc Gia Nghĩa" in page.locator('#crosswalk tr[data-row="gia-nghia:bac-gia-nghia"]').inner_text()
    page.locator("#move summary").click()
    assert wcag_violations(page) == []
    shoot(page, "units-crosswalk")

    page.goto(f"{live_server}/staff/admin/fieldwork")
    page.locator("#assignments tbody tr a").first.click()
    page.get_by_role("button", name="Tạm dừng phân công").click()
    page.wait_for_selector("#assignment-status")
    assert page.locator("#assignment-status").inner_text() == "Đã tạm dừng"
    assert wcag_violations(page) == []
    shoot(page, "assignment-deactivated")
    page.goto(f"{live_server}/staff/admin/fieldwork")
    assert "Đã tạm dừng" in page.locator("#assignments").inner_text()
    assert wcag_violations(page) == []
    shoot(page, "fieldwork-list")
