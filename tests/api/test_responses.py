"""Submitting responses: stored once, replays acknowledged, conflicts refused, every bad input a 422."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from survey_api.db.models import Response
from tests.api.helpers import collector, instrument, submission
from tests.conftest import Db


@pytest.fixture
def sipas(client: TestClient, official: dict[str, int]) -> dict[str, Any]:
    return instrument(client, "sipas")


def first_scale_item(inst: dict[str, Any]) -> str:
    return str(next(i["code"] for i in inst["items"] if i["type"] == "scale_1_5"))


def stored_count(db: Db) -> int:
    with db() as session:
        return int(session.scalar(select(func.count()).select_from(Response)) or 0)


def test_first_submission_is_created_and_stored(client: TestClient, sipas: dict[str, Any], db: Db) -> None:
    body = submission(sipas)
    reply = client.post("/api/v1/responses", json=body, headers=collector(client))
    assert reply.status_code == 201, reply.text
    assert reply.json()["id"] == body["id"]
    with db() as session:
        row = session.get(Response, uuid.UUID(body["id"]))
        assert row is not None
        assert row.answers == body["answers"]
        assert row.channel == "paper"  # an admin keying in a paper form: the server sets the channel


def test_identical_replay_returns_200_with_the_same_body_and_stores_once(
    client: TestClient, sipas: dict[str, Any], db: Db
) -> None:
    body = submission(sipas)
    first = client.post("/api/v1/responses", json=body, headers=collector(client))
    again = client.post("/api/v1/responses", json=body, headers=collector(client))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert stored_count(db) == 1


def test_same_id_with_other_content_is_a_conflict_and_changes_nothing(
    client: TestClient, sipas: dict[str, Any], db: Db
) -> None:
    body = submission(sipas)
    assert client.post("/api/v1/responses", json=body, headers=collector(client)).status_code == 201
    item = first_scale_item(sipas)
    changed = dict(body, answers=dict(body["answers"], **{item: 1}))
    reply = client.post("/api/v1/responses", json=changed, headers=collector(client))
    assert reply.status_code == 409
    assert body["id"] in reply.json()["detail"]
    with db() as session:
        row = session.get(Response, uuid.UUID(body["id"]))
        assert row is not None and row.answers[item] == body["answers"][item] == 4


def test_two_threads_posting_the_same_response_at_once_store_one_row(
    client: TestClient, sipas: dict[str, Any], db: Db
) -> None:
    body = submission(sipas)
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def post() -> None:
        barrier.wait()
        statuses.append(client.post("/api/v1/responses", json=body, headers=collector(client)).status_code)

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 200, 200, 201]
    assert stored_count(db) == 1


def _problem(reply: Any) -> str:
    assert reply.status_code == 422, reply.text
    return str(reply.json()["detail"])


def test_unknown_instrument_version_is_422(client: TestClient, sipas: dict[str, Any], db: Db) -> None:
    assert "instrument version 999999" in _problem(
        client.post("/api/v1/responses", json=submission(sipas, instrument_version=999999), headers=collector(client))
    )
    assert stored_count(db) == 0


def test_unknown_item_is_422_naming_it(client: TestClient, sipas: dict[str, Any]) -> None:
    body = submission(sipas)
    body["answers"]["Q99.9"] = 4
    assert "Q99.9" in _problem(client.post("/api/v1/responses", json=body, headers=collector(client)))


@pytest.mark.parametrize("value", [0, 6, 4.5, "4", True])
def test_value_off_the_scale_is_422_naming_the_item(client: TestClient, sipas: dict[str, Any], value: Any) -> None:
    body = submission(sipas)
    item = first_scale_item(sipas)
    body["answers"][item] = value
    detail = _problem(client.post("/api/v1/responses", json=body, headers=collector(client)))
    assert item in detail and "1–5" in detail


def test_missing_required_item_is_422_naming_it(client: TestClient, sipas: dict[str, Any], db: Db) -> None:
    required = next(i["code"] for i in sipas["items"] if i["required"])
    body = submission(sipas)
    del body["answers"][required]
    detail = _problem(client.post("/api/v1/responses", json=body, headers=collector(client)))
    assert required in detail and "required" in detail
    assert stored_count(db) == 0


def test_choice_outside_the_options_is_422(client: TestClient, sipas: dict[str, Any]) -> None:
    choice = next(i for i in sipas["items"] if i["type"] == "single_choice")
    body = submission(sipas)
    body["answers"][choice["code"]] = 77
    assert choice["code"] in _problem(client.post("/api/v1/responses", json=body, headers=collector(client)))


def test_unknown_service_point_is_422(client: TestClient, sipas: dict[str, Any]) -> None:
    assert "nowhere" in _problem(
        client.post("/api/v1/responses", json=submission(sipas, service_point="nowhere"), headers=collector(client))
    )


def test_malformed_json_is_422(client: TestClient, sipas: dict[str, Any]) -> None:
    reply = client.post(
        "/api/v1/responses", content=b'{"id": "x", "answers": {', headers={"Content-Type": "application/json"}
    )
    assert reply.status_code == 422
    assert "JSON" in reply.json()["detail"]


def test_bad_uuid_and_unknown_channel_are_422(client: TestClient, sipas: dict[str, Any]) -> None:
    assert "id" in _problem(
        client.post("/api/v1/responses", json=submission(sipas, id="not-a-uuid"), headers=collector(client))
    )
    assert "channel" in _problem(
        client.post("/api/v1/responses", json=submission(sipas, channel="fax"), headers=collector(client))
    )


def test_a_draft_instrument_cannot_be_answered(
    client: TestClient, sipas: dict[str, Any], token_for: Any, db: Db
) -> None:
    document = client.get(f"/api/v1/instruments/{sipas['id']}").json()
    assert document["status"] == "published"
    from survey_api.instruments.loader import load_instrument_file, official_instrument_files

    draft = load_instrument_file(next(p for p in official_instrument_files() if p.stem == "sipas"))
    body = draft.model_dump(mode="json", exclude_none=True) | {"version": 2}
    created = client.post("/api/v1/instruments", json=body, headers=token_for("admin"))
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "draft"
    _problem(
        client.post(
            "/api/v1/responses",
            json=submission(sipas, instrument_version=created.json()["id"]),
            headers=collector(client),
        )
    )


def test_stored_responses_cannot_be_changed_or_deleted(client: TestClient, sipas: dict[str, Any], db: Db) -> None:
    from survey_api.db.models.responses import ResponsesAreAppendOnly

    body = submission(sipas)
    client.post("/api/v1/responses", json=body, headers=collector(client))
    with pytest.raises(ResponsesAreAppendOnly), db() as session:
        row = session.get(Response, uuid.UUID(body["id"]))
        assert row is not None
        row.channel = "qr"
    with pytest.raises(ResponsesAreAppendOnly), db() as session:
        session.delete(session.get(Response, uuid.UUID(body["id"])))
    assert stored_count(db) == 1
