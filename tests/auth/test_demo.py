"""``survey demo`` creates staff accounts (admin, analyst, a unit manager of Bắc Gia Nghĩa ward) with random passwords
printed once beside the volunteer's, and never changes them on a second run."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from survey_api.db.models import OrgUnit, User
from survey_api.demo import load_demo
from tests.conftest import Db


def test_demo_staff_accounts_are_created_once(client: TestClient, db: Db) -> None:
    with db() as session:
        first = load_demo(session, responses_per_point=1)
    accounts = dict(re.findall(r"^demo .+? for .*: (\S+) / (\S+) \(shown once\)$", first, re.M))
    assert set(accounts) == {"tnv-demo", "admin-demo", "analyst-demo", "manager-demo"}
    assert all(len(password) >= 10 for password in accounts.values())
    with db() as session:
        users = {u.username: u for u in session.scalars(select(User))}
        ward = session.scalars(select(OrgUnit).where(OrgUnit.code == "bac-gia-nghia")).one()
        hashes = {name: users[name].password_hash for name in accounts}
    assert [users[n].role for n in ("admin-demo", "analyst-demo", "manager-demo")] == [
        "admin",
        "analyst",
        "unit_manager",
    ]
    assert users["manager-demo"].unit_id == ward.id
    for username, password in accounts.items():
        reply = client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert reply.status_code == 200, username
    with db() as session:
        second = load_demo(session, responses_per_point=1)
    assert "shown once" not in second
    with db() as session:
        assert {
            n: session.scalars(select(User).where(User.username == n)).one().password_hash for n in accounts
        } == hashes
