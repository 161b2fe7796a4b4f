"""The admin area in a real browser (Debian's chromium): an admin imports and publishes an instrument, previews
it, creates a unit, a service point in it and prints the unit's posters as one PDF (its pages counted with
pdftoppm, one poster's QR code decoded with zbarimg), and creates a unit manager who signs in and sees only
their unit; an analyst and a unit manager get 403. WCAG 2.1 AA on every admin page; screenshots of the unit
tree, the instrument preview and the users page, phone and desktop, in /tmp/shots/h6b/."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.fieldwork.conftest import PASSWORD, Person
from tests.fieldwork.conftest import area as area  # fixtures
from tests.fieldwork.conftest import person as person
from tests.web.a11y import wcag_violations

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SHOTS = Path("/tmp/shots/h6b")
DATA = Path(__file__).parents[2] / "survey_api" / "instruments" / "data"
ADMIN_PAGES = ["users", "points", "instruments", "fieldwork", "units"]


def new_page(browser: Any) -> Any:
    tab = browser.new_context(viewport=PHONE, locale="vi-VN", accept_downloads=True).new_page()
    tab.set_default_timeout(15_000)
    return tab


def sign_in(page: Any, live_server: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server}/staff/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server}/staff/fieldwork")


def shoot(page: Any, name: str) -> None:
    """Phone and desktop screenshots of the page as it is, back to the phone size after."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(SHOTS / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)


def fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def checked(page: Any) -> None:
    assert wcag_violations(page) == [], page.url
    assert fits_the_screen(page), page.url


@pytest.mark.skipif(not (shutil.which("pdftoppm") and shutil.which("zbarimg")), reason="needs poppler and zbar")
def test_an_admin_sets_up_a_unit_from_the_browser(
    browser: Any,
    live_server: str,
    client: TestClient,
    person: Callable[..., Person],
    tmp_path: Path,
) -> None:
    admin = person("admin", unit=None)
    page = new_page(browser)
    sign_in(page, live_server, admin.username)
    page.get_by_role("link", name="Quản trị").click()
    page.wait_for_url(f"{live_server}/staff/admin/users")
    for section in ADMIN_PAGES:
        page.goto(f"{live_server}/staff/admin/{section}")
        checked(page)

    # The instrument: imported from its file as a draft, previewed as a respondent sees it, published.
    page.goto(f"{live_server}/staff/admin/instruments")
    page.get_by_label("Tệp", exact=True).set_input_files(str(DATA / "one-stop-dossier.yaml"))
    page.get_by_role("button", name="Nhập phiếu").click()
    assert page.get_by_role("status").inner_text() == "Đã nhập phiếu."
    row = page.locator('tr[data-row="one-stop-dossier/1"]')
    assert row.locator('[data-col="status"]').inner_text() == "Bản nháp"
    checked(page)
    row.get_by_role("link", name="Xem trước").click()
    assert page.locator("#preview-banner").is_visible()
    assert page.locator('input[name^="a:"]').count() > 0
    checked(page)
    shoot(page, "instrument-preview")
    page.get_by_role("link", name="Quay lại danh sách phiếu").click()
    row.get_by_role("button", name="Phát hành").click()
    assert page.get_by_role("status").inner_text() == "Đã phát hành phiên bản."
    assert row.locator('[data-col="status"]').inner_text() == "Đang dùng"
    shoot(page, "instruments")

    # The unit, shown in the tree of today's map.
    page.goto(f"{live_server}/staff/admin/units")
    page.get_by_text("Tạo đơn vị").click()  # the changes are folded away under the tree
    page.locator("#f-code").fill("phuong-moi")
    page.locator("#f-name").fill("Phường Mới")
    page.locator("#f-kind").select_option("ward")
    page.locator("#f-parent").fill("p")
    page.locator("#f-valid_from").fill("2025-07-01")
    page.get_by_role("button", name="Tạo mới").click()
    assert page.get_by_role("status").inner_text() == "Đã lưu thay đổi."
    assert page.locator('#unit-tree li[data-unit="p"] li[data-unit="phuong-moi"]').is_visible()
    checked(page)
    shoot(page, "unit-tree")

    # Its service point, then every poster of the unit as one PDF.
    page.goto(f"{live_server}/staff/admin/points")
    page.locator("#f-code").fill("phuong-moi-mot-cua")
    page.locator("#f-name").fill("Bộ phận một cửa phường Mới")
    page.locator("#f-unit").select_option("phuong-moi")
    page.locator("#f-kind").select_option("one_stop_counter")
    page.get_by_role("button", name="Tạo mới").click()
    assert page.get_by_role("status").inner_text() == "Đã tạo."
    assert page.locator('tr[data-row="phuong-moi-mot-cua/one-stop-dossier"]').inner_text().count("Đang dùng") == 1
    checked(page)
    shoot(page, "points")
    page.locator("#b-unit").select_option("phuong-moi")
    with page.expect_download() as download:
        page.get_by_role("button", name="Tải tệp PDF").click()
    pdf = tmp_path / "posters.pdf"
    download.value.save_as(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 1
    decoded = subprocess.run(["zbarimg", "-q", "--raw", str(pages[0])], capture_output=True, text=True, check=True)
    listed = client.get("/api/v1/service-points", headers=admin.headers).json()
    link = next(r["link"] for r in listed if r["code"] == "phuong-moi-mot-cua")
    path = urlsplit(link).path  # the API was asked through the test client, the PDF through the live server
    assert decoded.stdout.strip() == live_server + path and path.startswith("/q/phuong-moi-mot-cua/one-stop-dossier/1/")

    # A unit manager of the new unit, who signs in and sees only that unit.
    page.goto(f"{live_server}/staff/admin/users")
    page.locator("#f-username").fill("ql-phuong-moi")
    page.locator("#f-display_name").fill("Lê Văn Quản")
    page.locator("#f-role").select_option("unit_manager")
    page.locator("#f-unit").select_option("phuong-moi")
    page.locator("#f-password").fill("mat-khau-quan-ly")
    page.get_by_role("button", name="Tạo mới").click()
    page.wait_for_url(f"{live_server}/staff/admin/users/ql-phuong-moi?done=created")
    checked(page)
    shoot(page, "user")
    page.get_by_role("link", name="Tất cả tài khoản").click()
    assert page.locator('tr[data-row="ql-phuong-moi"]').is_visible()
    shoot(page, "users")
    page.get_by_role("link", name="English").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Accounts"
    checked(page)

    page.goto(f"{live_server}/staff/admin/fieldwork")
    shoot(page, "fieldwork")

    manager = new_page(browser)
    sign_in(manager, live_server, "ql-phuong-moi", "mat-khau-quan-ly")
    assert manager.get_by_role("link", name="Quản trị").count() == 0
    manager.goto(f"{live_server}/staff/feedback")
    units = manager.locator("#f-unit option").evaluate_all("options => options.map(o => o.value).filter(Boolean)")
    assert units == ["phuong-moi"]
    reply = manager.goto(f"{live_server}/staff/admin/users")
    assert reply.status == 403
    checked(manager)

    analyst = new_page(browser)
    sign_in(analyst, live_server, person("analyst").username)
    for section in ADMIN_PAGES:
        assert analyst.goto(f"{live_server}/staff/admin/{section}").status == 403
    assert "chỉ dành cho quản trị viên" in analyst.get_by_role("alert").inner_text()
