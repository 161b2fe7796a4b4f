"""The demo's answers sit on the map of their day: the district desks answered in 2025 H1, the new wards' and
communes' desks in the last half-year, so an index of 2025 H1 shows the districts, a recent one the new units,
and a comparison across the change is re-aggregated through the crosswalk."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from survey_api.db.models import OrgUnit, ServicePoint, User
from survey_api.demo import DISTRICTS, load_demo
from survey_api.qr.signing import link_path
from tests.conftest import Db

Headers = Callable[[str], dict[str, str]]
DISTRICT_CODES = {code for code, _name in DISTRICTS}
NEW_UNITS = {"bac-gia-nghia", "nam-gia-nghia", "dong-gia-nghia", "xa-cu-jut", "xa-dak-mil", "xa-krong-no"}


def _by_unit(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, dict[str, Any]]:
    reply = client.get(
        "/api/v1/indices", params={"instrument": "sipas", "by": "unit", "weighted": "false", **params}, headers=headers
    )
    assert reply.status_code == 200, reply.text
    return {entry["group"]["unit"]: entry for entry in reply.json()["breakdown"]}


def test_the_demo_reports_each_period_on_its_map(client: TestClient, db: Db, token_for: Headers) -> None:
    with db() as session:
        load_demo(session, responses_per_point=3)
    analyst = token_for("analyst")
    first_half = _by_unit(client, analyst, **{"from": "2025-01-01", "to": "2025-06-30"})
    assert set(first_half) == DISTRICT_CODES
    recent = _by_unit(client, analyst, **{"from": "2025-07-01", "to": date.today().isoformat()})
    assert DISTRICT_CODES.isdisjoint(recent) and NEW_UNITS <= set(recent)
    assert all("reaggregated_from" not in entry for entry in recent.values())
    # The new ward compared with the same number of days before: Gia Nghĩa's first half of 2025, its third.
    since = date(2025, 7, 1)
    reply = client.get(
        "/api/v1/indices",
        params={"instrument": "sipas", "unit": "bac-gia-nghia", "from": since.isoformat(), "to": date.today()},
        headers=analyst,
    )
    assert reply.status_code == 200, reply.text
    previous = reply.json()["previous_period"]
    assert previous["to"] == (since - timedelta(days=1)).isoformat()
    assert {"unit": "gia-nghia", "share": 0.334} in previous["reaggregated_from"]


def test_the_demo_keeps_the_district_desks_and_moves_the_plan_to_a_new_ward(client: TestClient, db: Db) -> None:
    with db() as session:
        load_demo(session, responses_per_point=1, weighting=False)
        ward = session.scalars(select(OrgUnit).where(OrgUnit.code == "bac-gia-nghia")).one()
        desks = set(session.scalars(select(ServicePoint.code).where(ServicePoint.code.like("%-mot-cua"))))
        staff = {u.username: u.unit_id for u in session.scalars(select(User))}
    assert {f"{code}-mot-cua" for code in DISTRICT_CODES | NEW_UNITS} <= desks
    assert staff["manager-demo"] == ward.id and staff["tnv-demo"] == ward.id
    settings = client.app.state.settings  # type: ignore[attr-defined]
    closed = client.get(link_path(settings.secret_key, "gia-nghia-mot-cua", "sipas", 1))
    assert closed.status_code == 410 and "Phường Bắc Gia Nghĩa" in closed.text
    open_desk = client.get(link_path(settings.secret_key, "bac-gia-nghia-mot-cua", "sipas", 1))
    assert open_desk.status_code == 200
