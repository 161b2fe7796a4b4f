"""No answer is stored at a switched-off service point, nor for a unit on a day after it closed — whichever way
it comes in (the API, a group of API submissions, a tablet's batch, a QR link opened before the closure); an
answer given before the closure and synced after it is still stored, and a retry of a stored one acknowledged."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from survey_api.collection.schemas import ResponseIn
from survey_api.collection.service import LOCAL_TIME
from survey_api.db.models import Response, ServicePoint
from survey_api.qr.service import current_link, submit_through_link
from survey_api.settings import Settings
from survey_api.units import service as units
from survey_api.units.service import PointClosed, UnitClosed
from tests.api.helpers import complete_answers, instrument
from tests.conftest import Db
from tests.fieldwork.conftest import Person
from tests.fieldwork.test_sync import tablet
from tests.intake.test_grouped_intake import run_together, stored_ids, token_of
from tests.web.qr_helpers import make_point

RESPONSES = "/api/v1/responses"
NOW = datetime.now(UTC)
# The district's last day: two days ago, so an answer completed four days ago was given while it was open.
LAST_DAY = NOW.astimezone(LOCAL_TIME).date() - timedelta(days=2)
BEFORE = (NOW - timedelta(days=4)).isoformat()


def close_d1(db: Db) -> None:
    """District d1 closes (its work passes to d2) after ``LAST_DAY``."""
    with db() as session:
        units.close(session, None, "d1", valid_to=LAST_DAY, successors=[("d2", 1.0)])


def answer_at(sipas: dict[str, Any], completed_at: str | None = None) -> dict[str, Any]:
    """A tablet's answer at d1's desk, completed now unless told otherwise."""
    return tablet(sipas, completed_at=completed_at or datetime.now(UTC).isoformat())


def test_the_api_refuses_an_answer_for_a_closed_unit_but_takes_one_given_before(
    client: TestClient, sipas: dict[str, Any], volunteer: Person, db: Db
) -> None:
    stored = answer_at(sipas)
    assert client.post(RESPONSES, json=stored, headers=volunteer.headers).status_code == 201
    close_d1(db)

    late = answer_at(sipas)
    refused = client.post(RESPONSES, json=late, headers=volunteer.headers)
    assert refused.status_code == 410, refused.text
    first = f"{LAST_DAY + timedelta(days=1):%d/%m/%Y}"
    assert refused.json()["detail"].startswith(f"phiếu không được lưu: Huyện d1 đã ngừng hoạt động từ ngày {first}")
    assert "đơn vị tiếp nhận: Huyện d2" in refused.json()["detail"]
    assert refused.json()["errors"][0]["reason"] == "unit_closed"

    before = answer_at(sipas, BEFORE)
    assert client.post(RESPONSES, json=before, headers=volunteer.headers).status_code == 201
    retry = client.post(RESPONSES, json=stored, headers=volunteer.headers)
    assert retry.status_code == 200 and retry.json()["id"] == stored["id"]
    assert stored_ids(db) == {uuid.UUID(stored["id"]), uuid.UUID(before["id"])}
    with db() as session:
        assert session.get_one(Response, uuid.UUID(before["id"])).observed_on < LAST_DAY


def test_a_group_of_submissions_refuses_only_the_late_one(
    client: TestClient, sipas: dict[str, Any], volunteer: Person, db: Db
) -> None:
    stored = answer_at(sipas)
    assert client.post(RESPONSES, json=stored, headers=volunteer.headers).status_code == 201
    close_d1(db)
    token = token_of(volunteer.headers)
    late, before = answer_at(sipas), answer_at(sipas, BEFORE)
    refused, created, replay = run_together(client, [(token, late), (token, before), (token, stored)])
    assert isinstance(refused, UnitClosed) and refused.status_code == 410
    assert created.created and not replay.created
    assert stored_ids(db) == {uuid.UUID(stored["id"]), uuid.UUID(before["id"])}


def test_a_tablet_batch_synced_after_the_closure_keeps_what_was_answered_before(
    client: TestClient, sipas: dict[str, Any], volunteer: Person, db: Db
) -> None:
    stored = answer_at(sipas)
    assert sync(client, volunteer, [stored])[0]["status"] == "created"
    close_d1(db)
    late, before = answer_at(sipas), answer_at(sipas, BEFORE)
    refused, created, retry = sync(client, volunteer, [late, before, stored])
    assert refused["status"] == "invalid" and "Huyện d1 đã ngừng hoạt động" in refused["detail"]
    assert refused["errors"][0]["reason"] == "unit_closed"
    assert (created["status"], retry["status"]) == ("created", "duplicate")
    assert stored_ids(db) == {uuid.UUID(stored["id"]), uuid.UUID(before["id"])}


def sync(client: TestClient, volunteer: Person, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each item's result in a tablet's batch."""
    reply = client.post("/api/v1/responses/batch", json={"responses": items}, headers=volunteer.headers)
    assert reply.status_code == 200, reply.text
    results: list[dict[str, Any]] = reply.json()["results"]
    return results


def test_a_switched_off_point_takes_no_answer_whatever_its_day(
    client: TestClient, sipas: dict[str, Any], volunteer: Person, db: Db
) -> None:
    stored = answer_at(sipas)
    assert client.post(RESPONSES, json=stored, headers=volunteer.headers).status_code == 201
    with db() as session:
        session.scalars(select(ServicePoint).where(ServicePoint.code == "d1-desk")).one().active = False
    for completed in (None, BEFORE):
        refused = client.post(RESPONSES, json=answer_at(sipas, completed), headers=volunteer.headers)
        assert refused.status_code == 410, refused.text
        assert refused.json()["detail"].startswith("phiếu không được lưu: điểm khảo sát Bộ phận một cửa d1")
        assert refused.json()["errors"][0]["reason"] == "point_closed"
    batch = client.post("/api/v1/responses/batch", json={"responses": [answer_at(sipas)]}, headers=volunteer.headers)
    assert batch.json()["results"][0]["errors"][0]["reason"] == "point_closed"
    assert client.post(RESPONSES, json=stored, headers=volunteer.headers).status_code == 200
    assert stored_ids(db) == {uuid.UUID(stored["id"])}


@pytest.mark.parametrize("how", ["unit", "point"])
def test_a_qr_form_opened_before_the_closure_stores_nothing_after_it(
    client: TestClient, db: Db, settings: Settings, official: dict[str, int], token_for: Any, how: str
) -> None:
    make_point(client, db, token_for("admin"))
    sipas = instrument(client, "sipas")
    payload = ResponseIn.model_validate(
        {"id": str(uuid.uuid4()), "instrument_version": sipas["id"], "service_point": "desk", "channel": "qr"}
        | {"answers": complete_answers(sipas)}
    )
    with pytest.raises(UnitClosed if how == "unit" else PointClosed), db() as session:
        opened = current_link(session, "desk", "sipas")  # the form shown while the desk was open
        if how == "unit":
            units.close(session, None, "district", valid_to=LAST_DAY)
        else:
            opened.service_point.active = False
        session.flush()
        submit_through_link(session, settings, opened, payload, device_id=None, receipt=None)
    assert stored_ids(db) == set()
