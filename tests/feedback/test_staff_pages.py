"""The staff feedback pages over HTTP: the list with filters, counts and overdue items marked, the item with its
actions, another unit's item refused, bad input answered with a 4xx page in the user's language."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from survey_api.db.models import Feedback
from survey_api.feedback.rules import today
from tests.conftest import Db
from tests.feedback.conftest import item_id
from tests.feedback.helpers import CONTACT, leave_feedback
from tests.fieldwork.conftest import PASSWORD, Person
from tests.web.staff_helpers import SAME_ORIGIN

LIST = "/staff/feedback"


def sign_in(client: TestClient, who: Person) -> None:
    client.cookies.clear()
    reply = client.post(
        "/staff/", data={"username": who.username, "password": PASSWORD}, headers=SAME_ORIGIN, follow_redirects=False
    )
    assert reply.status_code == 303, reply.text


def visible_text(html: str) -> str:
    """The page's text without tags, attributes or the script and style blocks."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_list_marks_overdue_items_and_counts_them_per_unit(
    client: TestClient, db: Db, links: dict[str, str], managers: dict[str, Person]
) -> None:
    manager = managers["d1"]
    late = item_id(client, manager, leave_feedback(client, links["d1"], text="Chờ quá lâu"))
    leave_feedback(client, links["d2"], text="Ở huyện khác")
    with db() as session:
        session.execute(update(Feedback).where(Feedback.id == late).values(due_on=today() - timedelta(days=2)))
    sign_in(client, manager)
    page = client.get(LIST)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "<title>Phản ánh, kiến nghị · Khu vực cán bộ</title>" in page.text
    assert f'<li class="item overdue" data-id="{late}">' in page.text and "Quá hạn" in page.text
    assert "Chờ quá lâu" in page.text and "Ở huyện khác" not in page.text
    counts = re.search(r'<tr data-row="d1" class="late">(.*?)</tr>', page.text, re.S)
    assert counts is not None and '<td class="num" data-col="overdue">1</td>' in counts.group(1)
    text = visible_text(page.text)
    for code in ("in_progress", "petition", "acknowledged", "d1-qr", "II.C"):
        assert code not in text
    assert client.get(LIST, params={"overdue": "1", "q": "không có"}).text.count('class="item') == 0
    english = client.get(LIST, params={"lang": "en"})
    assert "<title>Complaints and petitions · Staff area</title>" in english.text and "Overdue" in english.text


def test_a_manager_handles_an_item_through_its_page(
    client: TestClient, links: dict[str, str], managers: dict[str, Person]
) -> None:
    manager = managers["d1"]
    reference = leave_feedback(client, links["d1"], contact=CONTACT, value=1)
    number = item_id(client, manager, reference)
    sign_in(client, manager)
    item = client.get(f"{LIST}/{number}")
    assert item.status_code == 200 and reference in item.text
    assert "Công chức trực tiếp giải quyết công việc" in item.text and "(Thấp)" in item.text
    assert CONTACT["phone"] not in item.text and "Xem thông tin liên hệ" in item.text
    shown = client.post(f"{LIST}/{number}/contact", headers=SAME_ORIGIN)
    assert shown.status_code == 200 and CONTACT["phone"] in shown.text

    no_reason = client.post(f"{LIST}/{number}/status", data={"status": "rejected"}, headers=SAME_ORIGIN)
    assert no_reason.status_code == 422 and "Vui lòng ghi lý do từ chối xử lý." in no_reason.text
    empty = client.post(f"{LIST}/{number}/reply", data={"text": "  "}, headers=SAME_ORIGIN)
    assert empty.status_code == 422 and "Vui lòng viết nội dung trả lời." in empty.text
    bad_status = client.post(f"{LIST}/{number}/status", data={"status": "xyz"}, headers=SAME_ORIGIN)
    assert bad_status.status_code == 409 and "tình trạng" in bad_status.text

    sent = client.post(f"{LIST}/{number}/reply", data={"text": "Đã chấn chỉnh."}, headers=SAME_ORIGIN)
    assert sent.status_code == 200 and "Đã gửi trả lời." in sent.text and "Đã trả lời" in sent.text
    assert "Trả lời người dân" in sent.text  # the history
    assert client.post(f"{LIST}/{number}/reply", data={"text": "x"}).status_code == 403  # no Origin: refused
    again = client.post(f"{LIST}/{number}/reply", data={"text": "Lần hai"}, headers=SAME_ORIGIN)
    assert again.status_code == 409 and "Không thể thực hiện" in again.text
    # Handed to another district, it leaves this manager's list.
    moved = client.post(f"{LIST}/{number}/reassign", data={"unit": "d2", "note": "Sai địa bàn"}, headers=SAME_ORIGIN)
    assert moved.status_code == 200 and moved.url.path == LIST and "Đã chuyển sang đơn vị khác." in moved.text
    assert client.get(f"{LIST}/{number}").status_code == 403


def test_another_units_item_and_bad_addresses_get_a_page_in_the_users_language(
    client: TestClient, links: dict[str, str], managers: dict[str, Person], person: object
) -> None:
    number = item_id(client, managers["d1"], leave_feedback(client, links["d1"]))
    sign_in(client, managers["d2"])
    other = client.get(f"{LIST}/{number}")
    assert other.status_code == 403 and "thuộc đơn vị khác" in other.text
    refused = client.post(f"{LIST}/{number}/reply", data={"text": "x"}, headers=SAME_ORIGIN)
    assert refused.status_code == 403
    assert client.get(f"{LIST}/abc").status_code == 404
    assert client.get(f"{LIST}/99999999999").status_code == 404
    assert client.get(f"{LIST}/{number + 1000}").status_code == 404
    bad_day = client.get(LIST, params={"from": "2026-02-31"})
    assert bad_day.status_code == 422 and "Ngày không hợp lệ" in bad_day.text
    assert client.get(LIST, params={"unit": "khong-co"}).status_code == 404
    assert "This item belongs to another unit" in client.get(f"{LIST}/{number}", params={"lang": "en"}).text


@pytest.mark.parametrize("role", ["analyst", "volunteer"])
def test_only_admins_and_unit_managers_use_the_pages(client: TestClient, person: object, role: str) -> None:
    who = person(role, unit="d1")  # type: ignore[operator]
    sign_in(client, who) if role == "analyst" else None
    page = client.get(LIST, follow_redirects=False)
    assert page.status_code in (303, 403)
    if role == "analyst":
        assert page.status_code == 403 and "quản trị viên và cán bộ quản lý đơn vị" in page.text
