"""Fixtures for sampling plans: the fieldwork area and people, the official instruments, frame files."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fieldwork import conftest as fieldwork
from tests.fieldwork.conftest import Person

PLANS = "/api/v1/plans"

# The fieldwork fixtures: an area with a desk, people with tokens, a volunteer.
area, person, volunteer = fieldwork.area, fieldwork.person, fieldwork.volunteer


def csv_file(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """A CSV frame file."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def upload(client: TestClient, who: Person, plan: int, data: bytes, stage: int = 0, name: str = "frame.csv") -> Any:
    return client.post(
        f"{PLANS}/{plan}/frames", params={"stage": stage}, files={"file": (name, data)}, headers=who.headers
    )


@pytest.fixture
def analyst(person: Callable[..., Person]) -> Person:
    return person("analyst", unit=None)


@pytest.fixture
def new_plan(client: TestClient, analyst: Person, official: dict[str, int]) -> Callable[..., int]:
    """``new_plan(design, unit=None)`` creates a draft SIPAS plan and returns its id."""

    def make(design: dict[str, Any], unit: str | None = None, name: str = "Khảo sát SIPAS") -> int:
        body = {"name": name, "instrument": "sipas", "unit": unit, "design": design}
        reply = client.post(PLANS, json=body, headers=analyst.headers)
        assert reply.status_code == 201, reply.text
        plan_id: int = reply.json()["id"]
        return plan_id

    return make
