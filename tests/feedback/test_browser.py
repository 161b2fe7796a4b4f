"""From a QR answer to the reply, in Debian's chromium: a citizen answers on a phone and leaves a petition with
contact details and consent; the unit's manager reads it on the staff pages and replies; the local SMTP server
receives the e-mail; the citizen opens its link and reads the reply by the reference code. WCAG 2.1 AA on every
page; screenshots of the staff list, the item and the reference page (phone and desktop) in /tmp/shots13/."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from survey_api.db.models import Feedback
from survey_api.feedback.rules import today
from tests.conftest import Db
from tests.feedback.conftest import Mail, item_id
from tests.feedback.helpers import CONTACT, leave_feedback
from tests.fieldwork.conftest import PASSWORD, Person
from tests.web.a11y import wcag_violations
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SHOTS = Path("/tmp/shots13")
PETITION = "Tôi phải chờ hơn hai giờ mới được tiếp nhận hồ sơ, quầy chỉ có một cán bộ."
REPLY = "Từ tuần sau, bộ phận một cửa bố trí thêm một cán bộ vào buổi sáng. Xin cảm ơn Ông/Bà đã phản ánh."


def answer_every_question(page: Any, rating: int) -> None:
    """Step through the sections, rating every 1–5 question ``rating`` and answering the other required ones."""
    for _ in range(page.locator("section.step").count()):
        for question in page.locator(".q:visible").all():
            options = question.locator("label.opt")
            if options.count() == 5:
                options.nth(rating - 1).click()
            elif options.count() and question.get_attribute("data-required") is not None:
                options.first.click()
            elif question.get_attribute("data-required") is not None:
                question.locator("input, textarea").first.fill("ok")
        if page.locator("#send:visible").count():
            break
        page.get_by_role("button", name="Tiếp theo").click()
    page.locator("#send").click()
    page.wait_for_url("**/thanks?**")


def shoot(page: Any, name: str) -> None:
    """A full-page screenshot at the phone's and at a desktop's size (the page is left at the phone's)."""
    SHOTS.mkdir(exist_ok=True)
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SHOTS / f"{name}_{label}.png"), full_page=True)
        assert wcag_violations(page) == [], (name, label)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (name, label)


def test_from_a_qr_answer_to_the_citizen_reading_the_reply(
    chromium: Any,
    live_server: str,
    client: TestClient,
    db: Db,
    links: dict[str, str],
    managers: dict[str, Person],
    smtp: list[Mail],
) -> None:
    manager = managers["d1"]
    # Other items of the unit, one of them overdue, so the list shows what a unit's day looks like.
    late = item_id(client, manager, leave_feedback(client, links["d1"], kind="feedback", text="Thiếu ghế ngồi chờ."))
    with db() as session:
        session.execute(update(Feedback).where(Feedback.id == late).values(due_on=today() - timedelta(days=3)))
    leave_feedback(client, links["d2"], text="Phản ánh của huyện khác.")

    browser = chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        citizen = browser.new_context(viewport=PHONE, locale="vi-VN").new_page()
        citizen.set_default_timeout(15_000)
        citizen.goto(live_server + links["d1"])
        answer_every_question(citizen, rating=2)
        citizen.get_by_label("Phản ánh, kiến nghị").check()
        citizen.get_by_label("Nội dung").fill(PETITION)
        citizen.get_by_label("Họ và tên").fill(CONTACT["name"])
        citizen.get_by_label("Thư điện tử").fill(CONTACT["email"])
        citizen.get_by_label("Tôi đồng ý").check()
        citizen.get_by_role("button", name="Gửi ý kiến").click()
        reference = citizen.locator("#reference").inner_text()
        assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", reference)
        assert wcag_violations(citizen) == []

        staff = browser.new_context(viewport=PHONE, locale="vi-VN").new_page()
        staff.set_default_timeout(15_000)
        staff.goto(f"{live_server}/staff/")
        staff.get_by_label("Tên đăng nhập").fill(manager.username)
        staff.get_by_label("Mật khẩu").fill(PASSWORD)
        staff.get_by_role("button", name="Đăng nhập").click()
        staff.wait_for_url(f"{live_server}/staff/fieldwork")
        staff.goto(f"{live_server}/staff/feedback")  # the fieldwork page has no navigation to link from yet
        assert staff.get_by_role("heading", level=1).inner_text() == "Phản ánh, kiến nghị"
        assert staff.locator(".item").count() == 2 and staff.locator(".item.overdue").count() == 1
        assert staff.locator('#counts tr[data-row="d1"] [data-col="overdue"]').inner_text() == "1"
        assert "Phản ánh của huyện khác." not in staff.content()
        shoot(staff, "staff_list")

        staff.get_by_role("link", name=reference).click()
        assert staff.get_by_role("heading", level=1).inner_text() == f"Ý kiến {reference}"
        assert staff.locator("#text").inner_text() == PETITION
        assert staff.locator("#scores tr.late").count() == 9  # every element was rated 2 of 5
        assert CONTACT["email"] not in staff.content()
        shoot(staff, "staff_item")
        staff.get_by_label("Trả lời của cơ quan").fill(REPLY)
        staff.get_by_role("button", name="Gửi trả lời").click()
        assert staff.get_by_role("status").first.inner_text() == "Đã gửi trả lời."
        assert staff.locator("#status").inner_text() == "Đã trả lời"
        assert wcag_violations(staff) == []

        deadline = time.monotonic() + 10
        while not smtp and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [m.recipients for m in smtp] == [[CONTACT["email"]]]
        body = smtp[0].message.get_content()
        assert REPLY in body
        link = re.search(r"http://\S+/phan-anh/\S+", body)
        assert link is not None and link.group(0) == f"{live_server}/phan-anh/{reference}"

        citizen.goto(link.group(0))
        assert citizen.get_by_role("heading", level=1).inner_text() == f"Ý kiến mã {reference}"
        assert citizen.locator("#status strong").inner_text() == "Đã trả lời"
        assert citizen.locator("#reply").inner_text() == REPLY
        page = citizen.content()
        assert all(value not in page for value in CONTACT.values())
        shoot(citizen, "reference")
        citizen.get_by_role("link", name="English").click()
        assert citizen.locator("#status strong").inner_text() == "Answered"
        assert wcag_violations(citizen) == []
    finally:
        browser.close()
