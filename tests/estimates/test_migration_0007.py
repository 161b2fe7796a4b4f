"""Migration 0007 (plan-linked responses, longer weighting methods) goes down and up with responses kept."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, inspect, select

from survey_api import migrations
from survey_api.db.engine import make_engine, make_sessionmaker, transaction
from survey_api.db.models import Response
from tests.api.helpers import collector, instrument, submission


def test_0007_goes_down_and_up_with_responses_kept(
    client: TestClient, official: dict[str, int], database_url: str
) -> None:
    for _ in range(3):
        assert (
            client.post(
                "/api/v1/responses", json=submission(instrument(client, "sipas")), headers=collector(client)
            ).status_code
            == 201
        )
    engine = make_engine(database_url)
    try:
        migrations.downgrade(database_url, "0006")
        inspector = inspect(engine)
        columns = {c["name"] for c in inspector.get_columns("responses")}
        assert not {"assignment_id", "case_ref"} & columns
        assert "ix_responses_planned" not in {i["name"] for i in inspector.get_indexes("responses")}
        migrations.upgrade(database_url)
        inspector = inspect(engine)
        assert {"assignment_id", "case_ref"} <= {c["name"] for c in inspector.get_columns("responses")}
        assert "ix_responses_planned" in {i["name"] for i in inspector.get_indexes("responses")}
        with transaction(make_sessionmaker(engine)) as session:
            assert session.scalar(select(func.count()).select_from(Response)) == 3
        migrations.check(database_url)
    finally:
        engine.dispose()
