"""Shared fixtures: a freshly migrated database per test (SQLite file, or PostgreSQL when
SURVEY_TEST_DATABASE_URL is set), the real app over HTTP, and users with tokens."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
import uvicorn
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from survey_api import migrations
from survey_api.auth import security
from survey_api.auth.service import create_user, issue_token
from survey_api.db.engine import make_engine, transaction
from survey_api.settings import Settings
from survey_web.asgi import create_app

POSTGRES_URL = os.environ.get("SURVEY_TEST_DATABASE_URL")


def _admin_engine(url: str) -> Engine:
    return make_engine(make_url(url).set(database="postgres").render_as_string(hide_password=False)).execution_options(
        isolation_level="AUTOCOMMIT"
    )


# argon2id at its smallest cost: a staff sign-in in a test then takes microseconds instead of a third of a second.
# The tests check who gets in, not how hard the hash is to guess; a test about the hash's cost (a sign-in's timing)
# is marked ``real_password_hashing`` and keeps the production parameters.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "real_password_hashing: keeps argon2's production cost (other tests get a cheap one)"
    )


@pytest.fixture(autouse=True)
def fast_password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Cheap password hashes in this process, unless the test is marked ``real_password_hashing``."""
    if request.node.get_closest_marker("real_password_hashing") is None:
        monkeypatch.setattr(security, "_hasher", FAST_HASHER)
    security._dummy_hash.cache_clear()  # the unknown-user check hashes with the parameters in force
    yield
    security._dummy_hash.cache_clear()


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database to copy for each test."""
    if POSTGRES_URL is None:
        path = tmp_path_factory.mktemp("template") / "template.db"
        url = f"sqlite:///{path}"
        migrations.upgrade(url)
        yield url
        return
    base = make_url(POSTGRES_URL)
    # One template per pytest-xdist worker, so that workers never create the same database.
    name = f"{base.database}_template{os.environ.get('PYTEST_XDIST_WORKER', '')}"
    admin = _admin_engine(POSTGRES_URL)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    migrations.upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def database_url(template_database: str, tmp_path: Path) -> Iterator[str]:
    """A private copy of the migrated template for one test."""
    if POSTGRES_URL is None:
        path = tmp_path / "test.db"
        shutil.copyfile(make_url(template_database).database or "", path)
        yield f"sqlite:///{path}"
        return
    name = f"{make_url(POSTGRES_URL).database}_{uuid.uuid4().hex[:10]}"
    admin = _admin_engine(POSTGRES_URL)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(template_database).database}"'))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key="test-secret-" + "x" * 40, environment="test")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def sessions(client: TestClient) -> sessionmaker[Session]:
    """Sessions on the same database as the app."""
    factory: sessionmaker[Session] = client.app.state.sessionmaker  # type: ignore[attr-defined]
    return factory


Db = Callable[[], AbstractContextManager[Session]]


@pytest.fixture
def db(sessions: sessionmaker[Session]) -> Db:
    """``with db() as session:`` a committed unit of work on the app's database."""
    return lambda: transaction(sessions)


@pytest.fixture
def official(db: Db) -> dict[str, int]:
    """The shipped instruments, imported and published; maps code to version id."""
    from survey_api.instruments.service import load_official

    with db() as session:
        versions = {v.instrument.code: v.id for v in load_official(session)}
        ensure_test_point(session)
        return versions


# Every response belongs to a unit: ``tests.api.helpers.submission`` answers at this point unless told otherwise.
TEST_POINT = "test-point"


def ensure_test_point(session: Session) -> None:
    """The unit ``test-unit`` and its service point ``test-point`` (created once per database)."""
    from datetime import date

    from survey_api.db.models import OrgUnit, ServicePoint

    if session.query(ServicePoint).filter_by(code=TEST_POINT).one_or_none() is None:
        unit = OrgUnit(
            code="test-unit", name="Đơn vị thử", kind="district", sector="administrative", valid_from=date(2000, 1, 1)
        )
        session.add(unit)
        session.flush()
        session.add(ServicePoint(code=TEST_POINT, name="Điểm thử", unit_id=unit.id, kind="one_stop_counter"))
        session.flush()


@pytest.fixture
def token_for(db: Db) -> Callable[[str], dict[str, str]]:
    """Authorization headers for a new user with the given role."""

    def make(role: str) -> dict[str, str]:
        with db() as session:
            user = create_user(session, username=f"{role}-{uuid.uuid4().hex[:6]}", role=role)
            token = issue_token(session, user, name="test")
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def desks(db: Db) -> None:
    """A province with two districts (d1, d2), each with a one-stop desk (d1-desk, d2-desk)."""
    from datetime import date

    from survey_api.db.models import OrgUnit, ServicePoint

    with db() as session:
        province = OrgUnit(code="p", name="Tỉnh", kind="province", valid_from=date(2004, 1, 1))
        session.add(province)
        session.flush()
        for code in ("d1", "d2"):
            unit = OrgUnit(code=code, name=code, kind="district", parent_id=province.id, valid_from=date(2004, 1, 1))
            session.add(unit)
            session.flush()
            session.add(ServicePoint(code=f"{code}-desk", name=code, unit_id=unit.id, kind="one_stop_counter"))


def free_port() -> int:
    """A TCP port on the loopback that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def live_server(settings: Settings) -> Iterator[str]:
    """The whole application (API and pages) over real HTTP, on the test's database."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
