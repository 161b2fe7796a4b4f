"""The admin's assignment page deactivates and reactivates an assignment: the page and the list say so, in
Vietnamese, and the volunteer's tablet list follows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Db
from tests.fieldwork.conftest import PASSWORD, Person
from tests.fieldwork.conftest import area as area  # fixtures
from tests.fieldwork.conftest import person as person
from tests.web.staff_helpers import SAME_ORIGIN

MakePerson = Callable[..., Person]


@pytest.fixture(autouse=True)
def same_origin(client: TestClient) -> None:
    client.headers.update(SAME_ORIGIN)


def test_an_admin_deactivates_and_reactivates_an_assignment(
    client: TestClient, person: MakePerson, db: Db, official: dict[str, int]
) -> None:
    volunteer = person("volunteer", unit="d1")
    admin = person("admin", unit=None)
    signed = client.post("/staff/", data={"username": admin.username, "password": PASSWORD}, follow_redirects=False)
    assert signed.status_code == 303
    body = {"volunteer": volunteer.username, "instrument_version": str(official["sipas"]), "service_point": "d1-desk"}
    made = client.post("/staff/admin/fieldwork/assignments", data=body, follow_redirects=False)
    assert made.status_code == 303, made.text
    page_url = made.headers["location"].split("?")[0]
    assert 'id="assignment-status">Đang hoạt động<' in client.get(page_url).text

    off = client.post(page_url + "/deactivate")
    assert off.status_code == 200 and "Đã tạm dừng phân công" in off.text
    assert 'id="assignment-status">Đã tạm dừng<' in off.text and "Cho hoạt động lại" in off.text
    assert "<td>Đã tạm dừng</td>" in client.get("/staff/admin/fieldwork").text
    mine = client.get("/api/v1/me/assignments", headers=volunteer.headers).json()
    assert mine["assignments"] == []

    on = client.post(page_url + "/reactivate")
    assert on.status_code == 200 and 'id="assignment-status">Đang hoạt động<' in on.text
    assert len(client.get("/api/v1/me/assignments", headers=volunteer.headers).json()["assignments"]) == 1
    english = client.get(page_url, params={"lang": "en"})
    assert "Deactivate the assignment" in english.text


def test_assignment_errors_are_said_from_the_services_reason_keys(
    client: TestClient, person: MakePerson, official: dict[str, int]
) -> None:
    volunteer = person("volunteer", unit="d1")
    admin = person("admin", unit=None)
    client.post("/staff/", data={"username": admin.username, "password": PASSWORD}, follow_redirects=False)
    body = {
        "volunteer": volunteer.username,
        "instrument_version": str(official["sipas"]),
        "service_point": "d1-desk",
        "starts_on": "2099-01-01",
    }
    page_url = client.post("/staff/admin/fieldwork/assignments", data=body, follow_redirects=False).headers["location"]
    page_url = page_url.split("?")[0]
    not_started = client.post(page_url + "/end")
    assert not_started.status_code == 409 and "Phân công chưa bắt đầu nên chưa thể kết thúc" in not_started.text
    nobody = client.post(page_url + "/reassign", data={"volunteer": "khong-co-ai"})
    assert nobody.status_code == 422 and "Không có tình nguyện viên đang hoạt động" in nobody.text
    english = client.post(page_url + "/reassign", data={"volunteer": "khong-co-ai"}, params={"lang": "en"})
    assert "There is no active volunteer with this username." in english.text
