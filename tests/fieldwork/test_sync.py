"""POST /api/v1/responses/batch: every answer from a tablet is stored exactly once, item by item."""

from __future__ import annotations

import random
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from survey_api.db.models import Response
from tests.api.helpers import submission
from tests.conftest import Db
from tests.fieldwork.conftest import Person

BATCH = "/api/v1/responses/batch"


def tablet(inst: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """A valid tablet response."""
    now = datetime.now(UTC)
    defaults = {
        "channel": "tablet",
        "service_point": "d1-desk",
        "started_at": (now - timedelta(minutes=12)).isoformat(),
        "completed_at": now.isoformat(),
    }
    return submission(inst, **(defaults | overrides))


def changed(body: dict[str, Any], inst: dict[str, Any]) -> dict[str, Any]:
    """The same id with one answer changed."""
    item = next(i["code"] for i in inst["items"] if i["type"] == "scale_1_5")
    return dict(body, answers=dict(body["answers"], **{item: 1 if body["answers"][item] != 1 else 2}))


def stored_count(db: Db) -> int:
    with db() as session:
        return int(session.scalar(select(func.count()).select_from(Response)) or 0)


def send(client: TestClient, who: Person, items: list[Any]) -> list[dict[str, Any]]:
    reply = client.post(BATCH, json={"responses": items}, headers=who.headers)
    assert reply.status_code == 200, reply.text
    results: list[dict[str, Any]] = reply.json()["results"]
    assert len(results) == len(items)
    return results


def test_a_batch_of_65_gives_exactly_the_expected_status_of_each_item(
    client: TestClient, sipas: dict[str, Any], volunteer: Person, db: Db
) -> None:
    earlier = [tablet(sipas) for _ in range(9)]
    assert [r["status"] for r in send(client, volunteer, earlier)] == ["created"] * 9

    new = [tablet(sipas) for _ in range(50)]
    invalid = [
        tablet(sipas, id="not-a-uuid"),
        {k: v for k, v in tablet(sipas).items() if k != "instrument_version"},
        tablet(sipas, answers=dict(tablet(sipas)["answers"], **{"Q99.9": 4})),
    ]
    expected: list[tuple[dict[str, Any], str]] = (
        [(b, "created") for b in new]
        + [(b, "duplicate") for b in earlier[:7]]
        + [(changed(b, sipas), "conflict") for b in earlier[7:]]
        + [(b, "invalid") for b in invalid]
    )
    random.Random(7).shuffle(expected)
    # Three items repeat one sent earlier in the same batch (a double tap): duplicates too.
    for body in new[:3]:
        expected.append((dict(body), "duplicate"))
    assert len(expected) == 65

    results = send(client, volunteer, [body for body, _ in expected])
    assert [r["status"] for r in results] == [status for _, status in expected]
    assert Counter(r["status"] for r in results) == {
        "created": 50,
        "duplicate": 10,
        "conflict": 2,
        "invalid": 3,
    }
    for (body, status), result in zip(expected, results, strict=True):
        assert result["id"] == body.get("id")
        if status in ("conflict", "invalid"):
            assert result["detail"]
    assert stored_count(db) == 9 + 50
    with db() as session:
        for body in earlier[7:]:
            row = session.get(Response, uuid.UUID(body["id"]))
            assert row is not None and row.answers == body["answers"], "a conflict never overwrites"


def test_invalid_items_say_why(client: TestClient, sipas: dict[str, Any], volunteer: Person) -> None:
    scale_item = next(i["code"] for i in sipas["items"] if i["type"] == "scale_1_5")
    items: list[Any] = [
        tablet(sipas, id="nope"),
        42,
        tablet(sipas, channel="web"),
        tablet(sipas, answers=dict(tablet(sipas)["answers"], **{scale_item: 9})),
        tablet(sipas, instrument_version=999999),
        tablet(sipas),
    ]
    results = send(client, volunteer, items)
    assert [r["status"] for r in results] == ["invalid"] * 5 + ["created"]
    assert results[0]["id"] == "nope" and "id" in results[0]["detail"]
    assert results[1]["id"] is None and "object" in results[1]["detail"]
    assert "channel" in results[2]["detail"]
    assert scale_item in results[3]["detail"] and results[3]["errors"][0]["item"] == scale_item
    assert "999999" in results[4]["detail"]


def test_sending_the_same_queue_again_stores_nothing_new(
    client: TestClient, sipas: dict[str, Any], volunteer: Person, db: Db
) -> None:
    queue = [tablet(sipas) for _ in range(5)]
    first = send(client, volunteer, queue)
    again = send(client, volunteer, queue)
    assert [r["status"] for r in first] == ["created"] * 5
    assert [r["status"] for r in again] == ["duplicate"] * 5
    assert stored_count(db) == 5


def test_channel_defaults_to_tablet_and_the_interviewer_is_recorded(
    client: TestClient, sipas: dict[str, Any], volunteer: Person, db: Db
) -> None:
    body = tablet(sipas)
    del body["channel"]
    assert send(client, volunteer, [body])[0]["status"] == "created"
    with db() as session:
        row = session.get(Response, uuid.UUID(body["id"]))
        assert row is not None
        assert (row.channel, row.interviewer_id) == ("tablet", volunteer.id)


def test_a_tablet_with_a_wrong_clock_breaks_nothing(
    client: TestClient, sipas: dict[str, Any], volunteer: Person, db: Db
) -> None:
    wrong = datetime(2001, 1, 1, 8, 0, tzinfo=UTC)
    body = tablet(sipas, started_at=wrong.isoformat(), completed_at=(wrong + timedelta(minutes=9)).isoformat())
    future = tablet(sipas, completed_at=(datetime.now(UTC) + timedelta(days=400)).isoformat())
    assert [r["status"] for r in send(client, volunteer, [body, future])] == ["created", "created"]
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    with db() as session:
        row = session.get(Response, uuid.UUID(body["id"]))
        assert row is not None
        assert row.completed_at == wrong + timedelta(minutes=9), "the tablet's time is kept as sent"
        assert abs(row.received_at - datetime.now(UTC)) < timedelta(minutes=5), "and the server's beside it"
        assert row.observed_on in (today, today - timedelta(days=1))
        other = session.get(Response, uuid.UUID(future["id"]))
        assert other is not None and other.observed_on in (today, today - timedelta(days=1))


def test_two_tablets_sending_the_same_responses_at_once_store_each_once(
    client: TestClient, sipas: dict[str, Any], person: Any, db: Db
) -> None:
    tablets: list[Person] = [person("volunteer") for _ in range(3)]
    queue = [tablet(sipas) for _ in range(30)]
    barrier = threading.Barrier(len(tablets))
    replies: dict[int, list[dict[str, Any]]] = {}

    def sync(n: int) -> None:
        items = queue if n % 2 == 0 else list(reversed(queue))
        barrier.wait()
        replies[n] = send(client, tablets[n], items)

    threads = [threading.Thread(target=sync, args=(n,)) for n in range(len(tablets))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(replies) == len(tablets)
    statuses: dict[str, Counter[str]] = {body["id"]: Counter() for body in queue}
    for results in replies.values():
        for result in results:
            statuses[result["id"]][result["status"]] += 1
    for counts in statuses.values():
        assert counts == {"created": 1, "duplicate": len(tablets) - 1}
    assert stored_count(db) == 30


def test_a_batch_needs_a_volunteer_token(client: TestClient, sipas: dict[str, Any], person: Any) -> None:
    body = {"responses": [tablet(sipas)]}
    reply = client.post(BATCH, json=body)
    assert reply.status_code == 401
    assert client.post(BATCH, json=body, headers={"Authorization": "Bearer svy_wrong"}).status_code == 401
    assert client.post(BATCH, json=body, headers=person("analyst").headers).status_code == 403


@pytest.mark.parametrize(
    "content",
    [b'{"responses": [', b'{"items": []}', b'{"responses": {"id": 1}}', b"[]"],
)
def test_a_malformed_batch_is_422(client: TestClient, volunteer: Person, content: bytes) -> None:
    reply = client.post(BATCH, content=content, headers=volunteer.headers | {"Content-Type": "application/json"})
    assert reply.status_code == 422, reply.text


def test_an_oversized_batch_is_413_and_stores_nothing(
    client: TestClient, sipas: dict[str, Any], volunteer: Person, db: Db
) -> None:
    reply = client.post(BATCH, json={"responses": [tablet(sipas) for _ in range(501)]}, headers=volunteer.headers)
    assert reply.status_code == 413
    assert "500" in reply.json()["detail"]
    assert stored_count(db) == 0


def test_an_empty_batch_is_fine(client: TestClient, volunteer: Person) -> None:
    assert send(client, volunteer, []) == []
