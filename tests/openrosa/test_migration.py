"""Migration 0011 (Digest secrets) goes down and up on a database with users; old passwords have none."""

from __future__ import annotations

from sqlalchemy import inspect, select

from survey_api import migrations
from survey_api.auth.digest_secrets import ha1
from survey_api.auth.service import create_user, issue_token
from survey_api.db.engine import make_engine, make_sessionmaker, transaction
from survey_api.db.models import User


def test_0011_goes_down_and_up_and_secrets_come_only_with_a_new_password(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            user = create_user(session, username="tnv", role="volunteer", password="mat-khau-odk-1")
            issue_token(session, user, name="tablet")
            assert user.digest_ha1_md5 == ha1("MD5", "tnv", "mat-khau-odk-1")
            assert user.digest_ha1_sha256 == ha1("SHA-256", "tnv", "mat-khau-odk-1")
        migrations.downgrade(database_url, "0010")
        assert "digest_ha1_md5" not in {c["name"] for c in inspect(engine).get_columns("users")}
        migrations.upgrade(database_url)
        with transaction(make_sessionmaker(engine)) as session:
            again = session.scalars(select(User).where(User.username == "tnv")).one()
            assert again.password_hash and again.digest_ha1_md5 is None and again.digest_ha1_sha256 is None
        migrations.check(database_url)
    finally:
        engine.dispose()
