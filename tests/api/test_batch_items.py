"""A tablet batch with bad items: each bad item is `invalid` with a detail naming the problem, the good ones are
stored, and nothing in an item's content fails the batch (no 500, no 4xx for the whole batch)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from survey_api.db.models import ContactAttempt, Response
from tests.conftest import Db
from tests.fieldwork.conftest import Person
from tests.fieldwork.conftest import area as area  # fixtures
from tests.fieldwork.conftest import person as person
from tests.fieldwork.conftest import sipas as sipas
from tests.fieldwork.conftest import volunteer as volunteer
from tests.fieldwork.test_sync import tablet

FREE_TEXT = "A.2.other"


def send_raw(client: TestClient, who: Person, url: str, text: str) -> list[dict[str, Any]]:
    reply = client.post(url, content=text.encode(), headers=who.headers | {"Content-Type": "application/json"})
    assert reply.status_code == 200, reply.text
    results: list[dict[str, Any]] = reply.json()["results"]
    return results


def count(db: Db, model: type[Any]) -> int:
    with db() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_bad_response_items_are_invalid_one_by_one_and_the_good_ones_stored(
    client: TestClient, sipas: dict[str, Any], volunteer: Person, db: Db
) -> None:
    def with_answer(raw: str) -> str:
        body = tablet(sipas)
        return json.dumps({**body, "answers": {**body["answers"], "__K__": 0}}).replace('"__K__": 0', raw)

    def with_field(field: str, raw: str) -> str:
        return json.dumps({**tablet(sipas), field: "__V__"}).replace('"__V__"', raw)

    bad = {
        "surrogate": (with_answer(f'"{FREE_TEXT}": "\\ud83d"'), f"answers.{FREE_TEXT}"),
        "nul": (with_answer(f'"{FREE_TEXT}": "a\\u0000b"'), f"answers.{FREE_TEXT}"),
        "nul key": (with_answer('"A.1\\u0000": 4'), "answers.A.1\\u0000"),
        "huge int": (with_field("instrument_version", "99999999999999999999"), "instrument_version"),
        "int4": (with_field("instrument_version", "3000000000"), "instrument_version"),
        "deep": (with_answer(f'"{FREE_TEXT}": ' + "[" * 40 + "]" * 40), f"answers.{FREE_TEXT}"),
        "nan": (with_answer('"A.1": NaN'), "answers.A.1"),
        "date": (with_field("completed_at", '"9999-12-31T23:59:59-14:00"'), "completed_at"),
        "assignment": (with_field("assignment", "31879245795960442880"), "assignment"),
    }
    good = [json.dumps(tablet(sipas)) for _ in range(2)]
    items = [good[0], *(text for text, _ in bad.values()), good[1], '"not an object"']
    results = send_raw(client, volunteer, "/api/v1/responses/batch", '{"responses": [' + ", ".join(items) + "]}")

    assert [r["status"] for r in results] == ["created"] + ["invalid"] * len(bad) + ["created", "invalid"]
    for (name, (_, item)), result in zip(bad.items(), results[1:], strict=False):
        assert result["detail"] and item in result["detail"], (name, result)
        assert result["errors"][0]["item"].startswith(item), (name, result)
    assert count(db, Response) == 2


def test_an_item_whose_id_is_a_lone_surrogate_is_answered_not_a_server_error(
    client: TestClient, sipas: dict[str, Any], volunteer: Person
) -> None:
    text = json.dumps(tablet(sipas, id="__ID__")).replace('"__ID__"', '"\\udc00"')
    results = send_raw(client, volunteer, "/api/v1/responses/batch", '{"responses": [' + text + "]}")
    assert results == [
        {"id": "\\udc00", "status": "invalid", "detail": results[0]["detail"], "errors": results[0]["errors"]}
    ]


def test_bad_contact_attempts_are_invalid_one_by_one(client: TestClient, volunteer: Person, db: Db) -> None:
    def attempt(**fields: Any) -> dict[str, Any]:
        return {"id": str(uuid.uuid4()), "outcome": "not_at_home", **fields}

    def raw(field: str, value: str) -> str:
        return json.dumps(attempt(**{field: "__V__"})).replace('"__V__"', value)

    bad = {
        "date": (raw("attempted_at", '"9999-12-31T23:59:59-14:00"'), "attempted_at"),
        "nul": (raw("note", '"a\\u0000"'), "note"),
        "surrogate": (raw("case_ref", '"\\ud800"'), "case_ref"),
        "huge": (raw("assignment", "99999999999999999999"), "assignment"),
        "int4": (raw("assignment", "3000000000"), "assignment"),
    }
    items = [json.dumps(attempt()), *(text for text, _ in bad.values())]
    results = send_raw(client, volunteer, "/api/v1/contact-attempts/batch", '{"attempts": [' + ", ".join(items) + "]}")
    assert [r["status"] for r in results] == ["created"] + ["invalid"] * len(bad)
    for (name, (_, item)), result in zip(bad.items(), results[1:], strict=False):
        assert item in result["detail"], (name, result)
    assert count(db, ContactAttempt) == 1


def test_a_batch_nested_past_what_can_be_parsed_is_one_clear_422(client: TestClient, volunteer: Person) -> None:
    text = '{"responses": [' + "[" * 100_000 + "]" * 100_000 + "]}"
    reply = client.post(
        "/api/v1/responses/batch", content=text, headers=volunteer.headers | {"Content-Type": "application/json"}
    )
    assert reply.status_code == 422 and "nested deeper" in reply.json()["detail"]
