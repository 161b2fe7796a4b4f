"""Migrations up and down, models matching migrations, settings, the CLI, sign-in and health."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic.util.exc import CommandError
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import inspect, text

from survey_api import migrations
from survey_api.cli import main as cli_main
from survey_api.db.engine import make_engine
from survey_api.settings import Settings
from tests.conftest import Db


def table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrations_go_down_to_nothing_and_up_again(database_url: str) -> None:
    assert "responses" in table_names(database_url)
    migrations.downgrade(database_url, "base")
    assert table_names(database_url) <= {"alembic_version"}
    migrations.upgrade(database_url)
    assert {"responses", "instrument_versions", "org_units", "users", "api_tokens"} <= table_names(database_url)
    migrations.check(database_url)


def test_check_fails_when_models_and_migrations_disagree(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE stray_table (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    with pytest.raises(CommandError, match="New upgrade operations detected"):
        migrations.check(database_url)


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_production_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="SURVEY_SECRET_KEY"):
        Settings(environment="production", secret_key="")
    assert len(Settings(environment="development", database_url=f"sqlite:///{tmp_path}/s.db").secret_key) >= 32


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # where the development key of a PostgreSQL URL goes
    monkeypatch.setenv("SURVEY_DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("SURVEY_PORT", "9000")
    settings = Settings()
    assert settings.database_url == "postgresql+psycopg://u@h/db" and settings.port == 9000


def test_token_create_prints_a_working_token_last(
    client: TestClient, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SURVEY_DATABASE_URL", database_url)
    from survey_api.settings import get_settings

    get_settings.cache_clear()
    try:
        assert cli_main(["token", "create", "--role", "analyst", "--name", "ana"]) == 0
    finally:
        get_settings.cache_clear()
    token = capsys.readouterr().out.strip().splitlines()[-1]
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json() == {"username": "ana", "display_name": "ana", "role": "analyst"}


def test_demo_loads_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    env = {"SURVEY_DATABASE_URL": url, "PATH": str(Path(sys.executable).parent)}
    run = [sys.executable, "-m", "survey_api.cli"]
    subprocess.run([*run, "db", "upgrade"], check=True, env=env, capture_output=True)
    first = subprocess.run([*run, "demo"], check=True, env=env, capture_output=True, text=True).stdout
    second = subprocess.run([*run, "demo"], check=True, env=env, capture_output=True, text=True).stdout
    assert "6 instruments" in first and " 0 new responses" not in first
    assert "tnv-demo / " in first
    assert second.strip().endswith(" 0 new responses")


def test_sign_in_with_a_password_gives_a_token(client: TestClient, db: Db) -> None:
    from survey_api.auth.service import create_user

    with db() as session:
        create_user(session, username="vol", role="volunteer", password="correct horse")
    wrong = client.post("/api/v1/auth/token", json={"username": "vol", "password": "nope"})
    assert wrong.status_code == 401
    token = client.post("/api/v1/auth/token", json={"username": "vol", "password": "correct horse"}).json()["token"]
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).json()["role"] == "volunteer"


def test_admin_endpoints_answer_401_then_403(client: TestClient, token_for: Any) -> None:
    assert client.get("/api/v1/units").status_code == 401
    assert client.get("/api/v1/units", headers=token_for("volunteer")).status_code == 200
    assert client.post("/api/v1/instruments/1/publish", headers=token_for("unit_manager")).status_code == 403


def test_units_are_dated_and_the_map_of_a_day_can_be_read(client: TestClient, db: Db, token_for: Any) -> None:
    from datetime import date

    from survey_api.db.models import OrgUnit

    with db() as session:
        old = OrgUnit(
            code="dak-nong",
            name="Tỉnh Đắk Nông",
            kind="province",
            valid_from=date(2004, 1, 1),
            valid_to=date(2025, 6, 30),
        )
        new = OrgUnit(code="lam-dong", name="Tỉnh Lâm Đồng", kind="province", valid_from=date(2025, 7, 1))
        session.add_all([old, new])
        session.flush()
        session.add(
            OrgUnit(
                code="cu-jut",
                name="Huyện Cư Jút",
                kind="district",
                parent_id=old.id,
                valid_from=date(2004, 1, 1),
                valid_to=date(2025, 6, 30),
            )
        )
    headers = token_for("analyst")
    before = client.get("/api/v1/units", params={"on": "2025-01-01"}, headers=headers).json()
    after = client.get("/api/v1/units", params={"on": "2025-08-01"}, headers=headers).json()
    assert {u["code"]: u["parent"] for u in before} == {"cu-jut": "dak-nong", "dak-nong": None}
    assert [u["code"] for u in after] == ["lam-dong"]
    everything = client.get("/api/v1/units", headers=headers).json()
    assert len(everything) == 3
