"""The tablet app meets WCAG 2.1 AA (axe-core) on every screen a volunteer goes through."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.a11y import wcag_violations
from tests.web.test_tablet_offline import PASSWORD, TIMEOUT, launch
from tests.web.test_tablet_offline import volunteer as volunteer  # the fixture

pytestmark = pytest.mark.browser


def test_sign_in_home_contact_and_interview_screens_meet_wcag_21_aa(
    chromium: Any, live_server: str, volunteer: str, tmp_path: Path
) -> None:
    context = launch(chromium, tmp_path / "profile")
    context.set_default_timeout(TIMEOUT)
    page = context.pages[0] if context.pages else context.new_page()
    try:
        page.goto(f"{live_server}/tablet/")
        page.wait_for_selector("#sign-in")
        assert wcag_violations(page) == []
        page.fill("#username", volunteer)
        page.fill("#password", "wrong password")
        page.click("#sign-in button[type=submit]")
        page.wait_for_selector("text=Sai tên đăng nhập hoặc mật khẩu.")
        assert wcag_violations(page) == []
        page.fill("#password", PASSWORD)
        page.click("#sign-in button[type=submit]")
        page.wait_for_selector("article.card")
        assert wcag_violations(page) == []
        page.click("button.start-contact")
        assert wcag_violations(page) == []
        page.click("#outcome-completed")
        assert wcag_violations(page) == []
        page.click("#finish")
        page.wait_for_selector("fieldset.missing")
        assert wcag_violations(page) == []
    finally:
        context.close()
