"""Feedback handling per unit goes into the published results (issue 13, point 5): received, answered on time and
overdue for the period, beside the index, with no text or contact of any item."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.feedback.conftest import Person
from tests.feedback.helpers import CONTACT, leave_feedback

API = "/api/v1/publications"


def test_a_publication_counts_the_units_feedback(
    client: TestClient, links: dict[str, str], admin: Person, settings: object
) -> None:
    settings.min_answers = 1  # type: ignore[attr-defined]
    leave_feedback(client, links["d1"], contact=CONTACT, text="Quầy chỉ có một cán bộ.")
    leave_feedback(client, links["d1"], kind="feedback", text="Cần thêm ghế chờ.")
    made = client.post(API, json={"instrument": "sipas", "period": "2026"}, headers=admin.headers)
    assert made.status_code == 201, made.text
    feedback = made.json()["result"]["feedback"]
    assert [(f["unit"], f["received"], f["overdue"]) for f in feedback] == [("d1", 2, 0)]
    page = client.get(f"/ket-qua/{made.json()['id']}")
    assert "Tiếp nhận và xử lý phản ánh, kiến nghị trong kỳ" in page.text
    assert "Quầy chỉ có một cán bộ" not in page.text and CONTACT["email"] not in page.text
    assert 'href="/phan-anh"' in page.text
