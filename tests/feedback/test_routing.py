"""Routing and unit scope over the API: an item goes to the managers of its answer's unit, with the answer's
low-scored elements; another unit's manager gets 403 for it; the province office (admin) sees all; a
reassignment moves it and is recorded; the workflow's steps carry who and when."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from survey_api.db.models import AuditEntry
from tests.conftest import Db
from tests.feedback.conftest import item_id
from tests.feedback.helpers import CONTACT, leave_feedback
from tests.fieldwork.conftest import Person

API = "/api/v1/feedback"


def test_an_item_reaches_its_units_managers_with_the_low_scored_elements(
    client: TestClient, links: dict[str, str], admin: Person, managers: dict[str, Person]
) -> None:
    # Everything rated 5 except the civil servants (II.C), rated 1.
    low = {f"a:II.C.{k}": "1" for k in (1, 2, 3)}
    reference = leave_feedback(client, links["d1"], overrides=low)
    mine = client.get(API, headers=managers["d1"].headers).json()
    assert [i["reference"] for i in mine] == [reference]
    item = mine[0]
    assert (item["unit"], item["unit_name"]) == ("d1", "Huyện d1")
    assert (item["service_point"], item["service_point_name"]) == ("d1-qr", "Bộ phận Một cửa d1")
    assert item["status"] == "new" and item["due"] and item["overdue"] is False
    assert item["low_elements"] == [{"code": "II.C", "label": "Công chức trực tiếp giải quyết công việc"}]
    assert client.get(API, headers=managers["d2"].headers).json() == []
    assert [i["reference"] for i in client.get(API, headers=admin.headers).json()] == [reference]
    detail = client.get(f"{API}/{item['id']}", headers=managers["d1"].headers).json()
    low_scores = [s for s in detail["scores"] if s["low"]]
    assert [(s["code"], s["mean"]) for s in low_scores] == [("II.C", 1.0)]


def test_another_units_manager_gets_403_everywhere(
    client: TestClient, links: dict[str, str], managers: dict[str, Person]
) -> None:
    reference = leave_feedback(client, links["d1"], contact=CONTACT)
    number = item_id(client, managers["d1"], reference)
    other = managers["d2"].headers
    assert client.get(f"{API}/{number}", headers=other).status_code == 403
    assert client.post(f"{API}/{number}/reply", json={"text": "x"}, headers=other).status_code == 403
    assert client.post(f"{API}/{number}/status", json={"status": "acknowledged"}, headers=other).status_code == 403
    assert client.post(f"{API}/{number}/reassign", json={"unit": "d2"}, headers=other).status_code == 403
    assert client.get(f"{API}/{number}/contact", headers=other).status_code == 403
    assert client.delete(f"{API}/{number}/contact", headers=other).status_code == 403
    assert client.get(API, params={"unit": "d1"}, headers=other).json() == []
    assert client.get(f"{API}/999999", headers=other).status_code == 404


def test_only_the_handling_units_managers_read_contact_details_and_each_read_is_audited(
    client: TestClient, db: Db, links: dict[str, str], admin: Person, managers: dict[str, Person]
) -> None:
    number = item_id(client, admin, leave_feedback(client, links["d1"], contact=CONTACT))
    assert client.get(f"{API}/{number}/contact", headers=admin.headers).status_code == 403
    read = client.get(f"{API}/{number}/contact", headers=managers["d1"].headers)
    assert read.status_code == 200 and read.json()["email"] == CONTACT["email"]
    with db() as session:
        reads = session.scalars(select(AuditEntry).where(AuditEntry.action == "feedback.contact.read")).all()
        assert [(a.user_id, a.target) for a in reads] == [(managers["d1"].id, f"feedback {number}")]


def test_reassigning_moves_the_item_and_is_recorded(
    client: TestClient, links: dict[str, str], admin: Person, managers: dict[str, Person]
) -> None:
    number = item_id(client, admin, leave_feedback(client, links["d1"]))
    moved = client.post(
        f"{API}/{number}/reassign",
        json={"unit": "d2", "note": "Thuộc thẩm quyền huyện d2"},
        headers=managers["d1"].headers,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["unit"] == "d2"
    step = moved.json()["history"][-1]
    assert step["action"] == "reassigned" and (step["from_unit"], step["to_unit"]) == ("Huyện d1", "Huyện d2")
    assert step["by"] and step["note"] == "Thuộc thẩm quyền huyện d2"
    assert client.get(f"{API}/{number}", headers=managers["d1"].headers).status_code == 403
    assert client.get(f"{API}/{number}", headers=managers["d2"].headers).status_code == 200
    again = client.post(f"{API}/{number}/reassign", json={"unit": "d2"}, headers=admin.headers)
    assert again.status_code == 409
    unknown = client.post(f"{API}/{number}/reassign", json={"unit": "khong-co"}, headers=admin.headers)
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["item"] == "unit"


def test_the_workflow_records_each_change_with_who_and_when(
    client: TestClient, links: dict[str, str], managers: dict[str, Person]
) -> None:
    manager = managers["d1"]
    number = item_id(client, manager, leave_feedback(client, links["d1"]))
    url = f"{API}/{number}"
    assert client.post(f"{url}/status", json={"status": "acknowledged"}, headers=manager.headers).status_code == 200
    assert client.post(f"{url}/status", json={"status": "in_progress"}, headers=manager.headers).status_code == 200
    # Not a step the workflow allows, answering without a reply, rejecting without a reason.
    assert client.post(f"{url}/status", json={"status": "closed"}, headers=manager.headers).status_code == 409
    assert client.post(f"{url}/status", json={"status": "answered"}, headers=manager.headers).status_code == 422
    no_reason = client.post(f"{url}/status", json={"status": "rejected", "reason": " "}, headers=manager.headers)
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["item"] == "reason"
    replied = client.post(f"{url}/reply", json={"text": "Đã bố trí thêm cán bộ."}, headers=manager.headers)
    assert replied.status_code == 200 and replied.json()["status"] == "answered"
    assert client.post(f"{url}/reply", json={"text": "Lần hai"}, headers=manager.headers).status_code == 409
    closed = client.post(f"{url}/status", json={"status": "closed"}, headers=manager.headers).json()
    steps = [(s["action"], s["from_status"], s["to_status"]) for s in closed["history"]]
    assert steps == [
        ("received", None, "new"),
        ("status", "new", "acknowledged"),
        ("status", "acknowledged", "in_progress"),
        ("replied", "in_progress", "answered"),
        ("status", "answered", "closed"),
    ]
    assert all(s["by"] for s in closed["history"][1:]) and closed["history"][0]["by"] is None
    assert all(s["at"] for s in closed["history"])


def test_rejecting_needs_a_reason_that_the_citizen_reads(
    client: TestClient, links: dict[str, str], managers: dict[str, Person]
) -> None:
    manager = managers["d1"]
    reference = leave_feedback(client, links["d1"])
    number = item_id(client, manager, reference)
    body = {"status": "rejected", "reason": "Nội dung không thuộc thẩm quyền giải quyết."}
    rejected = client.post(f"{API}/{number}/status", json=body, headers=manager.headers)
    assert rejected.status_code == 200 and rejected.json()["rejection_reason"] == body["reason"]
    page = client.get(f"/phan-anh/{reference}")
    assert "Từ chối xử lý" in page.text and body["reason"] in page.text


def test_filters(client: TestClient, links: dict[str, str], admin: Person, managers: dict[str, Person]) -> None:
    first = leave_feedback(client, links["d1"], kind="feedback", text="Phòng chờ nóng")
    second = leave_feedback(client, links["d2"], kind="petition", text="Thu phí sai quy định")
    listed = lambda **params: [i["reference"] for i in client.get(API, params=params, headers=admin.headers).json()]  # noqa: E731
    assert listed() == [second, first]
    assert listed(kind="feedback") == [first]
    assert listed(unit="d2") == [second] and listed(unit="p") == [second, first]
    assert listed(q="phí sai") == [second] and listed(q=first[:9]) == [first]
    assert listed(status="answered") == [] and listed(overdue=True) == []
    assert listed(**{"from": "2000-01-01", "to": "2000-12-31"}) == []
    assert listed(**{"from": "2026-01-01"}) == [second, first]
    bad = client.get(API, params={"status": "done"}, headers=admin.headers)
    assert bad.status_code == 422
    assert client.get(API, params={"unit": "khong-co"}, headers=admin.headers).status_code == 404
    assert [i["reference"] for i in client.get(API, headers=managers["d1"].headers).json()] == [first]
