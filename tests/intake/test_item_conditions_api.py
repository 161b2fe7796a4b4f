"""Skip logic through the API and migration 0017: an answer to a skipped item is refused naming the item; a
database of before 0017 gets the shipped conditions on its stored versions, and the shipped files still match."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from survey_api import migrations
from survey_api.db.engine import make_engine
from tests.api.helpers import collector, instrument, submission
from tests.conftest import Db


def _parents_answers(parents: dict[str, Any], **answers: Any) -> dict[str, Any]:
    body = submission(parents)
    body["answers"].update(answers)
    return body


def test_an_answer_to_a_skipped_item_is_refused_and_an_asked_one_kept(client: TestClient, official: Any) -> None:
    parents = instrument(client, "education-parents")
    other = next(item for item in parents["items"] if item["code"] == "P.4.other")
    assert other["shown_if"] == {"item": "P.4", "any_of": [2]}  # the tablet app reads it here
    refused = client.post(
        "/api/v1/responses",
        json=_parents_answers(parents, **{"P.4": 1, "P.4.other": "Ê Đê"}),
        headers=collector(client),
    )
    assert refused.status_code == 422, refused.text
    problems = refused.json()["errors"]
    assert [p["item"] for p in problems] == ["P.4.other"]
    assert "asked only when P.4 is one of [2]" in problems[0]["problem"]
    kept = client.post(
        "/api/v1/responses",
        json=_parents_answers(parents, **{"P.4": 2, "P.4.other": "Ê Đê"}),
        headers=collector(client),
    )
    assert kept.status_code == 201, kept.text
    skipped = client.post("/api/v1/responses", json=_parents_answers(parents, **{"P.4": 1}), headers=collector(client))
    assert skipped.status_code == 201, skipped.text


def test_0017_adds_the_shipped_conditions_to_stored_versions(
    client: TestClient, official: Any, db: Db, database_url: str
) -> None:
    parents = instrument(client, "education-parents")
    engine = make_engine(database_url)
    try:
        migrations.downgrade(database_url, "0016")
        with engine.begin() as conn:  # as stored before 0017: the published version has no condition
            content = conn.execute(
                text("SELECT content FROM instrument_versions WHERE id = :id"), {"id": parents["id"]}
            ).scalar_one()
            content = content if isinstance(content, dict) else json.loads(content)
            for section in content["sections"]:
                for item in section["items"]:
                    item.pop("shown_if", None)
            conn.execute(
                text("UPDATE instrument_versions SET content = :content, content_hash = 'old' WHERE id = :id"),
                {"content": json.dumps(content), "id": parents["id"]},
            )
        migrations.upgrade(database_url)
        with engine.begin() as conn:
            stored = conn.execute(
                text("SELECT content FROM instrument_versions WHERE id = :id"), {"id": parents["id"]}
            ).scalar_one()
        stored = stored if isinstance(stored, dict) else json.loads(stored)
        items = {item["code"]: item for section in stored["sections"] for item in section["items"]}
        assert items["P.4.other"]["shown_if"] == {"item": "P.4", "any_of": [2]}
        with db() as session:  # the shipped file is the stored content again: loading it changes nothing
            from survey_api.instruments.service import load_official

            assert {v.id for v in load_official(session)} >= {parents["id"]}
        migrations.check(database_url)
    finally:
        engine.dispose()
