"""Assignments changed after they are made (the API the admin pages share): edit and extend, end today, hand to
another volunteer; the unit scope of creating them holds, bad changes are 422 with nothing stored, every change
is audit-logged with what it was before."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from survey_api.collection.service import LOCAL_TIME
from survey_api.db.base import utcnow
from survey_api.db.models import AuditEntry
from tests.conftest import Db
from tests.fieldwork.conftest import Person

MakePerson = Callable[..., Person]
SAMPLE = [{"ref": "hs-1", "label": "Thôn 1"}, {"ref": "hs-2", "label": "Thôn 2"}]


def assignment(client: TestClient, who: Person, volunteer: Person, version: int, **extra: Any) -> dict[str, Any]:
    body = {"volunteer": volunteer.username, "instrument_version": version, "sample": SAMPLE} | extra
    reply = client.post("/api/v1/assignments", json=body, headers=who.headers)
    assert reply.status_code == 201, reply.text
    found: dict[str, Any] = reply.json()
    return found


def audit(db: Db, action: str) -> list[dict[str, Any]]:
    with db() as session:
        return [e.detail for e in session.scalars(select(AuditEntry).where(AuditEntry.action == action))]


def attempt(client: TestClient, who: Person, assignment_id: int) -> str:
    body = {"id": str(uuid.uuid4()), "assignment": assignment_id, "case_ref": "hs-1", "outcome": "not_at_home"}
    reply = client.post("/api/v1/contact-attempts/batch", json={"attempts": [body]}, headers=who.headers)
    status: str = reply.json()["results"][0]["status"]
    return status


def test_a_manager_extends_and_edits_an_assignment(
    client: TestClient, person: MakePerson, volunteer: Person, official: dict[str, int], db: Db
) -> None:
    manager = person("unit_manager", unit="d1")
    made = assignment(client, manager, volunteer, official["sipas"], starts_on="2026-01-01", ends_on="2026-01-31")
    url = f"/api/v1/assignments/{made['id']}"
    extended = client.patch(url, json={"ends_on": "2026-03-31", "quota": 12}, headers=manager.headers)
    assert extended.status_code == 200, extended.text
    body = extended.json()
    assert (body["starts_on"], body["ends_on"], body["quota"], body["note"]) == ("2026-01-01", "2026-03-31", 12, None)
    assert audit(db, "assignment.update") == [
        {"before": {"ends_on": "2026-01-31", "quota": None}, "after": {"ends_on": "2026-03-31", "quota": 12}}
    ]
    backwards = client.patch(url, json={"ends_on": "2025-12-31"}, headers=manager.headers)
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["item"] == "ends_on"
    assert client.patch(url, json={"quota": 0}, headers=manager.headers).status_code == 422
    assert client.patch(url, json={"volunteer": "x"}, headers=manager.headers).status_code == 422
    other = person("unit_manager", unit="d2")
    assert client.patch(url, json={"quota": 5}, headers=other.headers).status_code == 403
    assert client.patch(url, json={"quota": 5}, headers=person("analyst").headers).status_code == 403
    assert client.patch("/api/v1/assignments/999999", json={}, headers=manager.headers).status_code == 404
    assert client.get("/api/v1/assignments", headers=manager.headers).json()[0]["ends_on"] == "2026-03-31"


def test_ending_an_assignment_today_keeps_its_work(
    client: TestClient, person: MakePerson, volunteer: Person, official: dict[str, int], db: Db
) -> None:
    admin = person("admin", unit=None)
    made = assignment(client, admin, volunteer, official["sipas"], starts_on="2026-01-01")
    assert attempt(client, volunteer, made["id"]) == "created"
    ended = client.post(f"/api/v1/assignments/{made['id']}/end", headers=admin.headers)
    today = utcnow().astimezone(LOCAL_TIME).date()
    assert ended.status_code == 200 and ended.json()["ends_on"] == today.isoformat()
    assert ended.json()["progress"]["attempts"] == 1
    assert audit(db, "assignment.end") == [{"before": None, "after": today.isoformat()}]
    assert client.post(f"/api/v1/assignments/{made['id']}/end", headers=admin.headers).status_code == 200
    assert len(audit(db, "assignment.end")) == 1, "ending it again changes nothing"
    later = assignment(client, admin, volunteer, official["sipas"], starts_on=str(date(today.year + 1, 1, 1)))
    assert client.post(f"/api/v1/assignments/{later['id']}/end", headers=admin.headers).status_code == 409


def test_an_assignment_and_its_sample_list_go_to_another_volunteer(
    client: TestClient, person: MakePerson, volunteer: Person, official: dict[str, int], db: Db
) -> None:
    manager = person("unit_manager", unit="d1")
    made = assignment(client, manager, volunteer, official["sipas"])
    assert attempt(client, volunteer, made["id"]) == "created"
    other = person("volunteer", unit="d1")
    url = f"/api/v1/assignments/{made['id']}/reassign"
    moved = client.post(url, json={"volunteer": other.username}, headers=manager.headers)
    assert moved.status_code == 200 and moved.json()["volunteer"] == other.username
    assert [e["ref"] for e in moved.json()["sample"]] == ["hs-1", "hs-2"]
    assert moved.json()["progress"]["attempts"] == 1, "what was done stays counted"
    mine = client.get("/api/v1/me/assignments", headers=other.headers).json()["assignments"]
    assert [a["id"] for a in mine] == [made["id"]]
    assert client.get("/api/v1/me/assignments", headers=volunteer.headers).json()["assignments"] == []
    assert attempt(client, volunteer, made["id"]) == "invalid", "the first volunteer records no more"
    assert attempt(client, other, made["id"]) == "created"
    assert audit(db, "assignment.reassign") == [{"before": volunteer.username, "after": other.username}]

    elsewhere = person("volunteer", unit="d2")
    assert client.post(url, json={"volunteer": elsewhere.username}, headers=manager.headers).status_code == 403
    analyst = person("analyst")
    refused = client.post(url, json={"volunteer": analyst.username}, headers=manager.headers)
    assert refused.status_code == 422 and refused.json()["errors"][0]["item"] == "volunteer"
