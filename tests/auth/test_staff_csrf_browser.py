"""In a real browser (Debian's chromium): another site's form cannot sign a member of staff out; the staff
page's own sign-out button does, and revokes the token."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.auth.conftest import PASSWORD, stored_token
from tests.conftest import Db
from tests.fieldwork.conftest import Person
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.web.conftest import chromium as chromium  # fixtures

pytestmark = pytest.mark.browser
EVIL = "http://evil.example/"


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    browser = chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    tab = browser.new_context(locale="vi-VN").new_page()
    tab.set_default_timeout(15_000)
    yield tab
    browser.close()


def test_another_sites_form_does_not_sign_out(
    page: Any, live_server: str, db: Db, person: Callable[..., Person]
) -> None:
    analyst = person("analyst", unit=None)
    page.goto(f"{live_server}/staff/")
    page.get_by_label("Tên đăng nhập").fill(analyst.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server}/staff/fieldwork")
    [cookie] = [c for c in page.context.cookies() if c["name"] == "sv_staff"]
    assert cookie["sameSite"] == "Strict" and cookie["httpOnly"]

    forged = f'<form method="post" action="{live_server}/staff/sign-out"><button>Nhận quà</button></form>'
    page.route(EVIL, lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=forged))
    page.goto(EVIL)
    with page.expect_navigation():
        page.get_by_role("button", name="Nhận quà").click()
    assert "Yêu cầu bị từ chối" in page.content()
    page.goto(f"{live_server}/staff/fieldwork")
    assert page.url == f"{live_server}/staff/fieldwork", "still signed in"
    assert stored_token(db, cookie["value"]).revoked_at is None

    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(f"{live_server}/staff/")
    assert stored_token(db, cookie["value"]).revoked_at is not None
