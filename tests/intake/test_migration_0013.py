"""Migration 0013: stored responses get their cells from their answers and every one a unit; then NOT NULL."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, text

from survey_api import migrations
from survey_api.db.engine import make_engine, make_sessionmaker, transaction
from survey_api.db.models import Assignment, OrgUnit, Response, User
from tests.api.helpers import collector, instrument, submission
from tests.conftest import Db


def _post(client: TestClient, sipas: dict[str, Any], sex: int, age: int) -> str:
    body = submission(sipas)
    body["answers"].update({"A.1": sex, "A.3": age})
    reply = client.post("/api/v1/responses", json=body, headers=collector(client))
    assert reply.status_code == 201, reply.text
    return str(body["id"])


def test_0013_fills_cells_and_units_of_stored_responses(
    client: TestClient, official: dict[str, int], db: Db, database_url: str
) -> None:
    sipas = instrument(client, "sipas")
    placed, by_assignment, unplaced, explicit = (_post(client, sipas, 2, 3) for _ in range(4))
    with db() as session:
        area = OrgUnit(code="cu-jut", name="Huyện Cư Jút", kind="district", valid_from=date(2004, 1, 1))
        session.add(area)
        session.flush()
        volunteer = User(username="tnv-0013", display_name="TNV", role="volunteer", unit_id=area.id)
        session.add(volunteer)
        session.flush()
        assignment = Assignment(volunteer_id=volunteer.id, instrument_version_id=sipas["id"], unit_id=area.id)
        session.add(assignment)
        session.flush()
        area_id, assignment_id = area.id, assignment.id
    engine = make_engine(database_url)
    try:
        migrations.downgrade(database_url, "0012")
        with engine.begin() as conn:  # as a database of before 0013: no declaration, no cells, some without unit
            version = conn.execute(text("SELECT content FROM instrument_versions WHERE id = :id"), {"id": sipas["id"]})
            content = version.scalar_one()
            content = content if isinstance(content, dict) else json.loads(content)
            assert content.pop("cells")
            conn.execute(
                text("UPDATE instrument_versions SET content = :content WHERE id = :id"),
                {"content": json.dumps(content), "id": sipas["id"]},
            )
            conn.execute(text("UPDATE responses SET sex = NULL, age_group = NULL"))
            conn.execute(text("UPDATE responses SET sex = '9' WHERE id = :id"), {"id": _key(conn, explicit)})
            conn.execute(text("UPDATE responses SET unit_id = NULL WHERE id = :id"), {"id": _key(conn, placed)})
            for response_id, assignment in ((by_assignment, assignment_id), (unplaced, None)):
                conn.execute(
                    text(
                        "UPDATE responses SET unit_id = NULL, service_point_id = NULL, interviewer_id = NULL, "
                        "assignment_id = :assignment WHERE id = :id"
                    ),
                    {"assignment": assignment, "id": _key(conn, response_id)},
                )
        migrations.upgrade(database_url)
        assert not next(c for c in inspect(engine).get_columns("responses") if c["name"] == "unit_id")["nullable"]
        with transaction(make_sessionmaker(engine)) as session:
            rows = {str(r.id): r for r in session.scalars(select(Response))}
            test_unit = session.scalar(select(OrgUnit.id).where(OrgUnit.code == "test-unit"))
            placeholder = session.scalars(select(OrgUnit).where(OrgUnit.code == "chua-xac-dinh")).one()
            assert placeholder.parent_id is None and placeholder.name == "Chưa xác định đơn vị"
            assert rows[placed].unit_id == test_unit
            assert rows[by_assignment].unit_id == area_id
            assert rows[unplaced].unit_id == placeholder.id
            assert (rows[placed].sex, rows[placed].age_group) == ("2", "35-49")
            assert (rows[explicit].sex, rows[explicit].age_group) == ("9", "35-49")  # explicit cells stay
        # The stored version got the shipped declaration, and the shipped file imports as the same content.
        reply = client.get("/api/v1/instruments")
        assert reply.status_code == 200
        with db() as session:
            from survey_api.instruments.service import load_official

            assert {v.id for v in load_official(session)} >= {sipas["id"]}
        migrations.check(database_url)
    finally:
        engine.dispose()


def _key(conn: Any, response_id: str) -> Any:
    """The id as the database stores it (a 32-digit hex string on SQLite, a uuid on PostgreSQL)."""
    found = [
        row[0]
        for row in conn.execute(text("SELECT id FROM responses"))
        if str(row[0]).replace("-", "") == response_id.replace("-", "")
    ]
    return found[0]
