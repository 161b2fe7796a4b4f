"""Every response belongs to a unit, and gets its respondent cells from its own answers, on every path."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from survey_api.db.models import OrgUnit, Response
from tests.api.helpers import collector, submission
from tests.conftest import Db
from tests.fieldwork.conftest import PASSWORD, Person
from tests.openrosa.conftest import Account
from tests.openrosa.instances import fill
from tests.openrosa.test_submission import send, xform

BATCH = "/api/v1/responses/batch"


def _answering(sipas: dict[str, Any], sex: int, age: int, **overrides: Any) -> dict[str, Any]:
    body = submission(sipas, **overrides)
    body["answers"].update({"A.1": sex, "A.3": age})
    return body


def _unit_id(db: Db, code: str) -> int:
    with db() as session:
        found = session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))
        assert found is not None
        return int(found)


def _stored(db: Db, response_id: str) -> Response:
    with db() as session:
        row = session.get(Response, uuid.UUID(response_id))
        assert row is not None
        session.expunge(row)
        return row


def test_an_answer_at_no_point_and_for_no_assignment_is_422_and_not_stored(
    client: TestClient, sipas: dict[str, Any], db: Db
) -> None:
    body = _answering(sipas, 1, 2, service_point=None)
    reply = client.post("/api/v1/responses", json=body, headers=collector(client))
    assert reply.status_code == 422, reply.text
    assert "belongs to no unit" in reply.json()["detail"]
    assert reply.json()["errors"] == [
        {"item": "service_point", "problem": "required: a response must belong to a unit"}
    ]
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 0


def test_an_answer_at_a_point_gets_its_unit_and_its_cells_from_the_answers(
    client: TestClient, sipas: dict[str, Any], db: Db, area: dict[str, str]
) -> None:
    body = _answering(sipas, 2, 3, service_point="d1-desk")
    assert client.post("/api/v1/responses", json=body, headers=collector(client)).status_code == 201
    row = _stored(db, body["id"])
    assert (row.unit_id, row.sex, row.age_group) == (_unit_id(db, "d1"), "2", "35-49")


def test_a_tablet_interview_at_no_point_counts_for_its_assignments_unit(
    client: TestClient,
    sipas: dict[str, Any],
    db: Db,
    volunteer: Person,
    token_for: Callable[[str], dict[str, str]],
) -> None:
    # The demo volunteer's case: an assignment with a unit (d2) and no service point.
    body = {"volunteer": volunteer.username, "instrument_version": sipas["id"], "unit": "d2"}
    made = client.post("/api/v1/assignments", json=body, headers=token_for("admin"))
    assert made.status_code == 201, made.text
    assignment = made.json()["id"]
    at_home = _answering(sipas, 1, 5, service_point=None, channel="tablet", assignment=assignment)
    nowhere = _answering(sipas, 1, 5, service_point=None, channel="tablet")
    reply = client.post(BATCH, json={"responses": [at_home, nowhere]}, headers=volunteer.headers)
    assert reply.status_code == 200, reply.text
    created, invalid = reply.json()["results"]
    assert created["status"] == "created", created
    assert invalid["status"] == "invalid" and "belongs to no unit" in invalid["detail"]
    row = _stored(db, at_home["id"])
    assert (row.unit_id, row.service_point_id, row.assignment_id) == (_unit_id(db, "d2"), None, assignment)
    assert (row.sex, row.age_group) == ("1", "61+")

    single = _answering(sipas, 2, 1, service_point=None, channel="tablet", assignment=assignment)
    assert client.post("/api/v1/responses", json=single, headers=volunteer.headers).status_code == 201
    assert (_stored(db, single["id"]).unit_id, _stored(db, single["id"]).age_group) == (_unit_id(db, "d2"), "18-24")
    by_unit = client.get("/api/v1/indices", params={"instrument": "sipas", "by": "unit"}, headers=token_for("analyst"))
    assert [(b["group"], b["responses"]) for b in by_unit.json()["breakdown"]] == [({"unit": "d2"}, 2)]


def test_an_odk_interview_at_no_point_counts_for_its_assignments_unit(
    client: TestClient,
    sipas: dict[str, Any],
    db: Db,
    volunteer: Person,
    token_for: Callable[[str], dict[str, str]],
) -> None:
    openrosa_volunteer = Account(volunteer.id, volunteer.username, PASSWORD)
    body = {"volunteer": openrosa_volunteer.username, "instrument_version": sipas["id"], "unit": "d2"}
    made = client.post("/api/v1/assignments", json=body, headers=token_for("admin"))
    assert made.status_code == 201, made.text
    form = xform(client, openrosa_volunteer, made.json()["id"])
    response_id = uuid.uuid4()
    answers = _answering(sipas, 2, 4)["answers"]
    reply = send(client, openrosa_volunteer, fill(form, answers, response_id=response_id))
    assert reply.status_code == 201, reply.text
    row = _stored(db, str(response_id))
    assert (row.unit_id, row.sex, row.age_group) == (_unit_id(db, "d2"), "2", "50-60")


def test_a_plan_frames_cells_are_kept_and_the_answers_fill_the_rest(
    client: TestClient, sipas: dict[str, Any], db: Db, person: Callable[..., Person], volunteer: Person
) -> None:
    from tests.plans.conftest import PLANS, csv_file, upload

    admin = person("admin")
    design = {"stages": [{"name": "person", "method": "srs", "n": 2}]}
    made = client.post(
        PLANS, json={"name": "Danh sách", "instrument": "sipas", "design": design}, headers=admin.headers
    )
    assert made.status_code == 201, made.text
    plan = made.json()["id"]
    frame = csv_file(["ref", "label", "sex"], [["a", "Người A", "2"], ["b", "Người B", "2"]])  # no age column
    assert upload(client, admin, plan, frame).status_code == 201
    assert client.post(f"{PLANS}/{plan}/draw", json={"seed": 1}, headers=admin.headers).status_code == 201
    assigned = client.post(
        f"{PLANS}/{plan}/assign", json={"volunteer": volunteer.username, "units": ["a"]}, headers=admin.headers
    )
    assert assigned.status_code == 201, assigned.text
    body = _answering(sipas, 1, 2, service_point=None, channel="tablet", assignment=assigned.json()["id"], case_ref="a")
    assert client.post("/api/v1/responses", json=body, headers=volunteer.headers).status_code == 201
    row = _stored(db, body["id"])
    # The listed person's sex (the frame's) stays although the answer says 1; the age comes from A.3.
    assert (row.sex, row.age_group, row.unit_id) == ("2", "25-34", _unit_id(db, "d1"))
