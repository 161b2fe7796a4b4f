"""Building valid submissions for tests."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient


def instrument(client: TestClient, code: str) -> dict[str, Any]:
    """The published instrument with this code, as the API lists it."""
    found: dict[str, Any] = next(i for i in client.get("/api/v1/instruments").json() if i["code"] == code)
    return found


def complete_answers(inst: dict[str, Any], scale_value: int = 4) -> dict[str, Any]:
    """An answer to every required item (and every 1–5 item) that the instrument accepts."""
    answers: dict[str, Any] = {}
    for item in inst["items"]:
        if item["type"] == "scale_1_5":
            answers[item["code"]] = scale_value
        elif not item["required"]:
            continue
        elif item["type"] == "score_0_100":
            answers[item["code"]] = 80
        elif item["type"] == "integer":
            answers[item["code"]] = item["min"]
        elif item["type"] == "single_choice":
            answers[item["code"]] = item["options"][0]["value"]
        elif item["type"] == "multiple_choice":
            answers[item["code"]] = [item["options"][0]["value"]]
        else:
            answers[item["code"]] = "ok"
    return answers


def submission(inst: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """A valid POST /api/v1/responses body."""
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "instrument_version": inst["id"],
        "channel": "web",
        "service_point": "test-point",  # the point tests/conftest.py's ``official`` fixture creates
        "answers": complete_answers(inst),
    }
    body.update(overrides)
    return body


def collector(client: TestClient) -> dict[str, str]:
    """Headers of an admin allowed to post responses through the API (one account per app)."""
    state = client.app.state  # type: ignore[attr-defined]
    if not hasattr(state, "test_collector"):
        from survey_api.auth.service import create_user, issue_token
        from survey_api.db.engine import transaction

        with transaction(state.sessionmaker) as session:
            user = create_user(session, username=f"collector-{uuid.uuid4().hex[:6]}", role="admin")
            state.test_collector = {"Authorization": f"Bearer {issue_token(session, user, name='test')}"}
    headers: dict[str, str] = state.test_collector
    return headers
