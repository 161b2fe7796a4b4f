"""Migration 0002 (tablet fieldwork) goes down and up again on a database that holds users and tokens."""

from __future__ import annotations

from sqlalchemy import func, inspect, select

from survey_api import migrations
from survey_api.auth.service import create_user, issue_token
from survey_api.db.engine import make_engine, make_sessionmaker, transaction
from survey_api.db.models import ApiToken, User


def test_0002_goes_down_and_up_with_users_kept(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            user = create_user(session, username="tnv", role="volunteer", password="mat-khau-123")
            user.organisation = "Hội Phụ nữ xã"
            issue_token(session, user, name="tablet")
        migrations.downgrade(database_url, "0001")
        inspector = inspect(engine)
        assert "assignments" not in inspector.get_table_names()
        assert "organisation" not in {c["name"] for c in inspector.get_columns("users")}
        migrations.upgrade(database_url)
        with transaction(make_sessionmaker(engine)) as session:
            assert session.scalar(select(func.count()).select_from(User)) == 1
            assert session.scalar(select(func.count()).select_from(ApiToken)) == 1
        assert {"assignments", "contact_attempts"} <= set(inspect(engine).get_table_names())
        migrations.check(database_url)
    finally:
        engine.dispose()
