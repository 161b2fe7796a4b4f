"""Volunteer accounts, assignments, the tablet's cached assignments, and contact attempts."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from survey_api.db.models import AuditEntry, ContactAttempt
from tests.conftest import Db
from tests.fieldwork.conftest import Person

MakePerson = Callable[..., Person]


def new_volunteer(client: TestClient, who: Person, unit: str = "d1", **extra: Any) -> Any:
    body = {"username": f"tnv-{uuid.uuid4().hex[:6]}", "password": "mat-khau-456", "unit": unit} | extra
    return client.post("/api/v1/volunteers", json=body, headers=who.headers)


def test_an_admin_creates_a_volunteer_who_then_signs_in(client: TestClient, person: MakePerson, db: Db) -> None:
    reply = new_volunteer(
        client, person("admin", unit=None), organisation="Ủy ban MTTQ xã Đắk Ha", display_name="Nguyễn Văn A"
    )
    assert reply.status_code == 201, reply.text
    created = reply.json()
    assert (created["unit"], created["organisation"]) == ("d1", "Ủy ban MTTQ xã Đắk Ha")
    token = client.post(
        "/api/v1/auth/token", json={"username": created["username"], "password": "mat-khau-456"}
    ).json()["token"]
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert (me["username"], me["role"]) == (created["username"], "volunteer")
    with db() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert "user.create" in actions


def test_a_unit_manager_creates_volunteers_only_within_their_unit(client: TestClient, person: MakePerson) -> None:
    manager = person("unit_manager", unit="d1")
    assert new_volunteer(client, manager, unit="d1").status_code == 201
    assert new_volunteer(client, manager, unit="d2").status_code == 403
    assert new_volunteer(client, manager, unit="p").status_code == 403
    provincial = person("unit_manager", unit="p")
    assert new_volunteer(client, provincial, unit="d2").status_code == 201
    listed = client.get("/api/v1/volunteers", headers=manager.headers).json()
    assert {v["unit"] for v in listed} == {"d1"}
    assert new_volunteer(client, provincial, unit="d2", organisation="Hội Phụ nữ").status_code == 201
    by_area = client.get("/api/v1/volunteers", params={"unit": "d2"}, headers=provincial.headers).json()
    assert {v["unit"] for v in by_area} == {"d2"} and len(by_area) == 2
    by_organisation = client.get(
        "/api/v1/volunteers", params={"organisation": "Hội Phụ nữ"}, headers=provincial.headers
    )
    assert [v["organisation"] for v in by_organisation.json()] == ["Hội Phụ nữ"]
    assert client.get("/api/v1/volunteers", params={"unit": "d2"}, headers=manager.headers).json() == []


@pytest.mark.parametrize("role", ["volunteer", "analyst"])
def test_other_roles_cannot_create_volunteers(client: TestClient, person: MakePerson, role: str) -> None:
    assert new_volunteer(client, person(role)).status_code == 403
    assert client.post("/api/v1/volunteers", json={}).status_code == 401


def test_bad_volunteer_requests(client: TestClient, person: MakePerson) -> None:
    admin = person("admin", unit=None)
    assert new_volunteer(client, admin, unit="nowhere").status_code == 422
    assert new_volunteer(client, admin, password="short").status_code == 422
    first = new_volunteer(client, admin).json()
    again = new_volunteer(client, admin, username=first["username"])
    assert again.status_code == 409


def assign(client: TestClient, who: Person, volunteer: Person, version: int, **extra: Any) -> Any:
    body = {"volunteer": volunteer.username, "instrument_version": version} | extra
    return client.post("/api/v1/assignments", json=body, headers=who.headers)


def test_assignments_reach_the_volunteers_tablet_with_whole_instruments(
    client: TestClient, person: MakePerson, volunteer: Person, official: dict[str, int]
) -> None:
    manager = person("unit_manager", unit="d1")
    reply = assign(client, manager, volunteer, official["sipas"], service_point="d1-desk", quota=40)
    assert reply.status_code == 201, reply.text
    assert (reply.json()["unit"], reply.json()["service_point"], reply.json()["quota"]) == (
        "d1",
        "d1-desk",
        40,
    )
    yesterday = (datetime.now(UTC) - timedelta(days=3)).date()
    ended = assign(
        client,
        manager,
        volunteer,
        official["health-outpatient"],
        starts_on="2020-01-01",
        ends_on=str(yesterday),
    )
    assert ended.status_code == 201
    mine = client.get("/api/v1/me/assignments", headers=volunteer.headers)
    assert mine.status_code == 200
    body = mine.json()
    assert body["volunteer"]["username"] == volunteer.username
    assert [a["instrument"] for a in body["assignments"]] == ["sipas"], "an ended assignment is not sent"
    assert [i["code"] for i in body["instruments"]] == ["sipas"]
    assert len(body["instruments"][0]["items"]) > 20
    assert client.get("/api/v1/me/assignments").status_code == 401
    listed = client.get("/api/v1/assignments", params={"volunteer": volunteer.username}, headers=manager.headers)
    assert len(listed.json()) == 2
    # Ended with its quota not met: late, and still on the volunteer's tablet (as the staff see it).
    behind = assign(
        client, manager, volunteer, official["sipas"], quota=10, starts_on="2020-01-01", ends_on=str(yesterday)
    )
    assert behind.status_code == 201 and behind.json()["late"] is True
    mine = client.get("/api/v1/me/assignments", headers=volunteer.headers).json()["assignments"]
    assert [(a["id"], a["late"]) for a in mine] == [(reply.json()["id"], False), (behind.json()["id"], True)]


def test_assignment_rules(client: TestClient, person: MakePerson, volunteer: Person, official: dict[str, int]) -> None:
    other_manager = person("unit_manager", unit="d2")
    admin = person("admin", unit=None)
    assert assign(client, other_manager, volunteer, official["sipas"]).status_code == 403
    assert assign(client, volunteer, volunteer, official["sipas"]).status_code == 403
    assert assign(client, admin, volunteer, 999999).status_code == 422
    assert assign(client, admin, volunteer, official["sipas"], service_point="nowhere").status_code == 422
    assert assign(client, admin, person("analyst"), official["sipas"]).status_code == 422
    assert (
        assign(client, admin, volunteer, official["sipas"], starts_on="2026-02-01", ends_on="2026-01-01").status_code
        == 422
    )
    manager = person("unit_manager", unit="d1")
    assert assign(client, manager, volunteer, official["sipas"], service_point="d2-desk").status_code == 403


def attempt(**fields: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "outcome": "not_at_home",
        "attempted_at": datetime.now(UTC).isoformat(),
    } | fields


def test_contact_attempts_are_stored_once_and_give_response_rates(
    client: TestClient, person: MakePerson, volunteer: Person, official: dict[str, int], db: Db
) -> None:
    admin = person("admin", unit=None)
    assignment = assign(client, admin, volunteer, official["sipas"], service_point="d1-desk").json()["id"]
    someone_elses = assign(client, admin, person("volunteer"), official["sipas"]).json()["id"]
    a = assignment
    items = [
        attempt(assignment=a, case_ref="hộ 1", outcome="not_at_home"),
        attempt(assignment=a, case_ref="hộ 1", outcome="completed", response_id=str(uuid.uuid4())),
        attempt(assignment=a, case_ref="hộ 2", outcome="refused", note="bận việc"),
        attempt(assignment=a, case_ref="hộ 3", outcome="not_eligible"),
        attempt(assignment=a, outcome="not_at_home"),
    ]
    bad = [
        attempt(assignment=a, outcome="completed"),
        attempt(assignment=a, outcome="refused", response_id=str(uuid.uuid4())),
        attempt(assignment=someone_elses),
        attempt(outcome="asleep"),
        attempt(id="x"),
    ]
    url = "/api/v1/contact-attempts/batch"
    first = client.post(url, json={"attempts": items + bad}, headers=volunteer.headers).json()["results"]
    assert [r["status"] for r in first] == ["created"] * 5 + ["invalid"] * 5
    conflict = dict(items[2], outcome="not_at_home")
    again = client.post(url, json={"attempts": [*items, conflict]}, headers=volunteer.headers).json()["results"]
    assert [r["status"] for r in again] == ["duplicate"] * 5 + ["conflict"]
    with db() as session:
        stored = session.scalars(select(ContactAttempt)).all()
        assert len(stored) == 5
        assert {s.interviewer_id for s in stored} == {volunteer.id}
        assert next(s for s in stored if s.case_ref == "hộ 2").outcome == "refused"

    progress = client.get("/api/v1/me/assignments", headers=volunteer.headers).json()["assignments"][0]["progress"]
    assert progress["attempts"] == 5 and progress["cases"] == 4
    assert progress["outcomes"] == {"completed": 1, "refused": 1, "not_eligible": 1, "not_at_home": 1}
    assert progress["response_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert client.post(url, json={"attempts": items}).status_code == 401
    assert client.post(url, json={"attempts": items}, headers=admin.headers).status_code == 403


def test_outcomes_match_the_model() -> None:
    from typing import get_args

    from survey_api.db.models.fieldwork import OUTCOMES
    from survey_api.fieldwork.schemas import Outcome

    assert get_args(Outcome) == OUTCOMES


def test_a_sample_list_reaches_the_tablet_and_counts_in_the_response_rate(
    client: TestClient, person: MakePerson, volunteer: Person, official: dict[str, int]
) -> None:
    admin = person("admin", unit=None)
    sample = [{"ref": f"H{n}", "label": f"Nhà số {n}, thôn 3"} for n in range(1, 5)]
    reply = assign(client, admin, volunteer, official["sipas"], sample=sample)
    assert reply.status_code == 201, reply.text
    assert reply.json()["sample"] == sample
    assert reply.json()["progress"]["not_contacted"] == 4
    twice = assign(client, admin, volunteer, official["sipas"], sample=[sample[0], sample[0]])
    assert twice.status_code == 422 and "unique" in twice.text

    a = reply.json()["id"]
    items = [
        attempt(assignment=a, case_ref="H1", outcome="completed", response_id=str(uuid.uuid4())),
        attempt(assignment=a, case_ref="H2", outcome="refused"),
    ]
    url = "/api/v1/contact-attempts/batch"
    assert client.post(url, json={"attempts": items}, headers=volunteer.headers).status_code == 200
    mine = client.get("/api/v1/me/assignments", headers=volunteer.headers).json()["assignments"][0]
    assert mine["sample"] == sample
    assert mine["progress"]["not_contacted"] == 2
    assert mine["progress"]["response_rate"] == pytest.approx(1 / 4)  # RR1: the 2 uncontacted count as eligible
    assert mine["progress"]["eligibility_rate"] == 1.0  # both determined cases were eligible
    assert mine["progress"]["response_rate_rr3"] == pytest.approx(1 / 4)
