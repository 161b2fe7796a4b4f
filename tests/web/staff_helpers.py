"""A drawn plan in the field for the staff pages' tests, built through the API as tests/plans do.

The plan is the worked example of tests/plans (stratum ``a``: six dossiers, quota 3, five contacted, three
completed; stratum ``b``: four dossiers at the d1 desk, quota 2, ended on 31 January 2020 untouched, so late).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from tests.fieldwork.conftest import Person
from tests.plans.conftest import PLANS, upload
from tests.plans.test_plans import dossiers, draw

# The origin of TestClient's requests: the staff forms refuse a POST from any other (survey_web/staff/csrf.py).
SAME_ORIGIN = {"Origin": "http://testserver"}


@dataclass(frozen=True)
class InField:
    plan: int
    on_time: int
    late: int
    manager: Person


def plan_in_field(
    client: TestClient,
    analyst: Person,
    new_plan: Callable[..., int],
    person: Callable[..., Person],
    volunteer: Person,
    name: str = "Khảo sát SIPAS",
) -> InField:
    """A drawn plan of district d1 with two assignments (one late) and six contact attempts."""
    plan = new_plan({"stratum_column": "unit", "stages": [{"name": "household", "method": "srs", "n": 6}]}, "d1", name)
    assert upload(client, analyst, plan, dossiers({"a": 6, "b": 4})).status_code == 201
    assert draw(client, analyst, plan, seed=3).status_code == 201
    manager = person("unit_manager", unit="d1")
    to_a = {"volunteer": volunteer.username, "stratum": "a", "quota": 3, "ends_on": "2099-12-31"}
    to_b = {
        "volunteer": person("volunteer").username,
        "stratum": "b",
        "quota": 2,
        "service_point": "d1-desk",
        "starts_on": "2020-01-01",
        "ends_on": "2020-01-31",
    }
    ids = []
    for body in (to_a, to_b):
        reply = client.post(f"{PLANS}/{plan}/assign", json=body, headers=manager.headers)
        assert reply.status_code == 201, reply.text
        ids.append(reply.json()["id"])
    outcomes = [("a-0", "not_at_home"), ("a-0", "completed"), ("a-1", "completed"), ("a-2", "completed")]
    outcomes += [("a-3", "refused"), ("a-4", "not_eligible")]
    attempts = [
        {
            "id": str(uuid.uuid4()),
            "assignment": ids[0],
            "case_ref": ref,
            "outcome": outcome,
            "response_id": str(uuid.uuid4()) if outcome == "completed" else None,
            "attempted_at": f"2026-11-2{k}T08:00:00+07:00",
        }
        for k, (ref, outcome) in enumerate(outcomes)
    ]
    synced = client.post("/api/v1/contact-attempts/batch", json={"attempts": attempts}, headers=volunteer.headers)
    assert [r["status"] for r in synced.json()["results"]] == ["created"] * 6
    return InField(plan, ids[0], ids[1], manager)


def progress(client: TestClient, who: Person, plan: int) -> dict[str, Any]:
    """The plan's progress as the API gives it."""
    reply = client.get(f"{PLANS}/{plan}/progress", headers=who.headers)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def shown_percent(rate: float, lang: str = "vi") -> str:
    """How the pages write a rate: one decimal, a decimal comma and a spaced % in Vietnamese."""
    text = f"{rate * 100:.1f}"
    return f"{text.replace('.', ',')} %" if lang == "vi" else f"{text}%"
