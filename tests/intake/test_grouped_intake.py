"""Submissions that arrive together are written together, and each still gets its own answer."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from survey_api.collection import intake, repository
from survey_api.collection.schemas import ResponseIn
from survey_api.db.base import utcnow
from survey_api.db.models import ApiToken, Response
from survey_api.errors import Conflict, Forbidden, InvalidInput, Unauthorized
from tests.api.helpers import instrument, submission
from tests.conftest import Db

Headers = Callable[[str], dict[str, str]]


def token_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def run_together(client: TestClient, submissions: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """Submit everything in one event-loop turn (so it forms one group); each outcome or error."""
    grouped = intake.GroupedIntake(client.app.state.sessionmaker)  # type: ignore[attr-defined]

    async def main() -> list[Any]:
        calls = [grouped.submit(token, ResponseIn.model_validate(body)) for token, body in submissions]
        return await asyncio.gather(*calls, return_exceptions=True)

    return asyncio.run(main())


def commits(client: TestClient) -> list[str]:
    seen: list[str] = []
    event.listen(client.app.state.engine, "commit", lambda *_: seen.append("commit"))  # type: ignore[attr-defined]
    return seen


def stored_ids(db: Db) -> set[uuid.UUID]:
    with db() as session:
        return set(session.scalars(select(Response.id)))


@pytest.fixture
def sipas(client: TestClient, official: dict[str, int]) -> dict[str, Any]:
    return instrument(client, "sipas")


def test_a_group_answers_each_submission_and_commits_once(
    client: TestClient, sipas: dict[str, Any], token_for: Headers, db: Db
) -> None:
    volunteer, admin, analyst_token = (token_of(token_for(role)) for role in ("volunteer", "admin", "analyst"))
    earlier = submission(sipas)
    assert client.post("/api/v1/responses", json=earlier, headers=token_for("volunteer")).status_code == 201
    first, second = submission(sipas), submission(sipas)
    other_content = {**first, "answers": {**first["answers"], "A.1": 2 if first["answers"]["A.1"] == 1 else 1}}
    broken = submission(sipas, answers={"no-such-item": 1})
    seen = commits(client)
    outcomes = run_together(
        client,
        [
            (volunteer, first),
            (admin, second),
            (volunteer, first),  # the same id twice in one group: one row, the second a replay
            (volunteer, other_content),  # the same id with other content: 409
            (volunteer, broken),  # 422, and it costs the others nothing
            (volunteer, earlier),  # stored before: a replay
            ("svy_unknown", submission(sipas)),  # 401
            (analyst_token, submission(sipas)),  # 403
        ],
    )
    created, paper, again, conflict, invalid, replay, unknown, analyst = outcomes
    assert created.created and created.response.channel == "tablet"
    assert paper.created and paper.response.channel == "paper"
    assert not again.created and again.response == created.response
    assert isinstance(conflict, Conflict)
    assert isinstance(invalid, InvalidInput) and "no-such-item" in invalid.detail
    assert not replay.created and str(replay.response.id) == earlier["id"]
    assert isinstance(unknown, Unauthorized)
    assert isinstance(analyst, Forbidden)
    assert seen == ["commit"]
    assert stored_ids(db) == {uuid.UUID(earlier["id"]), uuid.UUID(first["id"]), uuid.UUID(second["id"])}


def test_a_token_revoked_before_its_group_is_written_is_refused(
    client: TestClient, sipas: dict[str, Any], token_for: Headers, db: Db
) -> None:
    headers = token_for("volunteer")
    with db() as session:
        session.scalars(select(ApiToken)).one().revoked_at = utcnow()
    [outcome] = run_together(client, [(token_of(headers), submission(sipas))])
    assert isinstance(outcome, Unauthorized)
    assert stored_ids(db) == set()


def test_when_the_group_insert_fails_each_submission_is_tried_alone(
    client: TestClient, sipas: dict[str, Any], token_for: Headers, db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: Any) -> set[uuid.UUID]:
        raise IntegrityError("INSERT …", {}, Exception("a row the checks did not foresee"))

    monkeypatch.setattr(repository, "insert_responses_once", refuse)
    volunteer = token_of(token_for("volunteer"))
    bodies = [submission(sipas) for _ in range(3)]
    outcomes = run_together(client, [(volunteer, body) for body in bodies])
    assert all(outcome.created for outcome in outcomes)
    assert stored_ids(db) == {uuid.UUID(body["id"]) for body in bodies}


def test_many_concurrent_posts_are_stored_once_each(
    client: TestClient, sipas: dict[str, Any], token_for: Headers, db: Db
) -> None:
    volunteer = token_of(token_for("volunteer"))
    bodies = [submission(sipas) for _ in range(150)]
    seen = commits(client)
    outcomes = run_together(client, [(volunteer, body) for body in bodies] + [(volunteer, bodies[0])])
    assert sum(outcome.created for outcome in outcomes) == 150
    assert stored_ids(db) == {uuid.UUID(body["id"]) for body in bodies}
    assert len(seen) <= 2  # one group (two if the cap were lower than the crowd)
