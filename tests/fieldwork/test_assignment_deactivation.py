"""Deactivating an assignment: it leaves the volunteer's tablet list, new responses and contact attempts for it
are refused with a 422 naming what to do, a retry of what was stored before is still acknowledged, staff see it
as deactivated, and reactivating it brings it back; both audit-logged, both in the managers' unit scope."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.api.helpers import complete_answers, instrument
from tests.conftest import Db
from tests.fieldwork.conftest import Person
from tests.fieldwork.test_assignment_changes import assignment, attempt, audit

MakePerson = Callable[..., Person]


def _response(client: TestClient, volunteer: Person, sipas: dict[str, Any], assignment_id: int, rid: str) -> Any:
    body = {
        "id": rid,
        "instrument_version": sipas["id"],
        "channel": "tablet",
        "assignment": assignment_id,
        "case_ref": "hs-1",
        "answers": complete_answers(sipas, 4),
    }
    return client.post("/api/v1/responses/batch", json={"responses": [body]}, headers=volunteer.headers).json()


def test_a_deactivated_assignment_leaves_the_tablet_and_takes_nothing_more(
    client: TestClient, person: MakePerson, volunteer: Person, official: dict[str, int], db: Db
) -> None:
    manager = person("unit_manager", unit="d1")
    sipas = instrument(client, "sipas")
    made = assignment(client, manager, volunteer, official["sipas"])
    stored_id = str(uuid.uuid4())
    assert _response(client, volunteer, sipas, made["id"], stored_id)["results"][0]["status"] == "created"

    other = person("unit_manager", unit="d2")
    assert client.post(f"/api/v1/assignments/{made['id']}/deactivate", headers=other.headers).status_code == 403
    off = client.post(f"/api/v1/assignments/{made['id']}/deactivate", headers=manager.headers)
    assert off.status_code == 200, off.text
    assert off.json()["active"] is False and off.json()["deactivated_at"]

    mine = client.get("/api/v1/me/assignments", headers=volunteer.headers).json()
    assert mine["assignments"] == [] and mine["deactivated"] == [made["id"]]
    staff = client.get("/api/v1/assignments", headers=manager.headers).json()
    assert [(a["id"], a["active"]) for a in staff] == [(made["id"], False)]

    refused = _response(client, volunteer, sipas, made["id"], str(uuid.uuid4()))["results"][0]
    assert refused["status"] == "invalid" and "deactivated" in refused["detail"]
    body = {
        "id": str(uuid.uuid4()),
        "instrument_version": sipas["id"],
        "assignment": made["id"],
        "case_ref": "hs-1",
        "answers": complete_answers(sipas, 4),
    }
    single = client.post("/api/v1/responses", json=body, headers=volunteer.headers)
    assert single.status_code == 422 and single.json()["errors"][0]["reason"] == "assignment_deactivated"
    assert attempt(client, volunteer, made["id"]) == "invalid"
    # A retry of what the tablet sent before the change is still acknowledged.
    assert _response(client, volunteer, sipas, made["id"], stored_id)["results"][0]["status"] == "duplicate"

    again = client.post(f"/api/v1/assignments/{made['id']}/deactivate", headers=manager.headers)
    assert again.status_code == 200
    assert len(audit(db, "assignment.deactivate")) == 1

    on = client.post(f"/api/v1/assignments/{made['id']}/reactivate", headers=manager.headers)
    assert on.status_code == 200 and on.json()["active"] is True and on.json()["deactivated_at"] is None
    assert [a["id"] for a in client.get("/api/v1/me/assignments", headers=volunteer.headers).json()["assignments"]] == [
        made["id"]
    ]
    assert attempt(client, volunteer, made["id"]) == "created"
    assert len(audit(db, "assignment.reactivate")) == 1
    assert client.post("/api/v1/assignments/999999/deactivate", headers=manager.headers).status_code == 404
