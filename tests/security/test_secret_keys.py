"""The development key kept in a file (shared by workers and restarts) and key rotation with previous keys."""

from __future__ import annotations

import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from survey_api.qr.signing import keyed_hash, link_path
from survey_api.secret_file import key_path
from survey_api.settings import Settings
from survey_web.asgi import create_app
from tests.conftest import Db
from tests.web.qr_helpers import make_point
from tests.web.test_qr_pages import answer, path_of

OLD = "old-secret-" + "o" * 40
NEW = "new-secret-" + "n" * 40


def test_two_settings_without_a_key_share_the_one_kept_beside_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/survey.db"
    first, second = Settings(database_url=url), Settings(database_url=url)
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 32
    kept = tmp_path / "survey.secret-key"
    assert kept.read_text().strip() == first.secret_key
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["survey.secret-key"]  # no temporary file left
    assert Settings(database_url=url, secret_key=NEW).secret_key == NEW  # a given key wins


def test_other_databases_keep_it_in_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert key_path("postgresql+psycopg://u@h/db") == Path(".survey-secret-key")
    assert key_path("sqlite://") == key_path("sqlite:///:memory:") == Path(".survey-secret-key")
    assert key_path("sqlite:///data/x.sqlite3") == Path("data/x.secret-key")
    key = Settings(database_url="postgresql+psycopg://u@h/db").secret_key
    assert (tmp_path / ".survey-secret-key").read_text().strip() == key


def test_workers_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    code = (
        "import sys; from survey_api.settings import Settings; "
        "print(Settings(database_url=sys.argv[1], environment='development').secret_key)"
    )
    url = f"sqlite:///{tmp_path}/survey.db"
    env = {"PATH": str(Path(sys.executable).parent)}
    workers = [
        subprocess.Popen([sys.executable, "-c", code, url], stdout=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
        for _ in range(8)
    ]
    keys = {worker.communicate(timeout=60)[0].strip() for worker in workers}
    assert len(keys) == 1 and len(keys.pop()) >= 32
    # and a restart reads it again
    again = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True, env=env, check=True)
    assert again.stdout.strip() == (tmp_path / "survey.secret-key").read_text().strip()


def test_an_unusable_key_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "survey.secret-key").write_text("short\n")
    with pytest.raises(ValidationError, match="no usable secret key"):
        Settings(database_url=f"sqlite:///{tmp_path}/survey.db")


def test_tests_get_a_key_per_process_and_production_still_needs_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/survey.db"
    assert (
        Settings(database_url=url, environment="test").secret_key
        != Settings(database_url=url, environment="test").secret_key
    )
    assert not list(tmp_path.iterdir())
    Settings(database_url=url)  # a development key file exists now: production still refuses
    with pytest.raises(ValidationError, match="SURVEY_SECRET_KEY must be set in production"):
        Settings(database_url=url, environment="production")


def test_previous_keys_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SURVEY_SECRET_KEY", NEW)
    monkeypatch.setenv("SURVEY_PREVIOUS_SECRET_KEYS", f'["{OLD}", "{NEW}", ""]')
    assert Settings().verification_keys == (NEW, OLD)


@pytest.fixture
def rotated(database_url: str) -> Iterator[TestClient]:
    """The app on the test's database after a rotation: signing with NEW, still accepting OLD."""
    after = Settings(database_url=database_url, secret_key=NEW, previous_secret_keys=[OLD], environment="test")
    with TestClient(create_app(after)) as client:
        yield client


@pytest.fixture
def before(database_url: str) -> Iterator[TestClient]:
    """The app on the test's database before the rotation: signing with OLD."""
    with TestClient(create_app(Settings(database_url=database_url, secret_key=OLD, environment="test"))) as client:
        yield client


@pytest.fixture
def admin(token_for: Any) -> dict[str, str]:
    return dict(token_for("admin"))


def test_links_posters_and_thank_you_pages_signed_before_a_rotation_still_work(
    before: TestClient,
    rotated: TestClient,
    db: Db,
    official: dict[str, int],
    admin: dict[str, str],
    database_url: str,
) -> None:
    point = make_point(before, db, admin)
    printed = point["link"]
    assert path_of(printed) == link_path(OLD, "desk", "sipas", 1)
    thanks = answer(before, printed).headers["location"]
    poster = point["poster"].removeprefix("http://testserver")

    assert answer(rotated, printed).status_code == 303  # the printed code answers after the rotation
    assert rotated.get(thanks).status_code == 200
    assert rotated.get(poster).status_code == 200
    listed = rotated.get("/api/v1/service-points", headers=admin).json()[0]
    assert path_of(listed["link"]) == link_path(NEW, "desk", "sipas", 1)  # new codes: the new key
    assert rotated.get(path_of(listed["link"])).status_code == 200
    forged = link_path("another-" + "k" * 40, "desk", "sipas", 1)
    assert rotated.get(forged).status_code == 404
    assert rotated.get(poster.replace("sig=", "sig=x")).status_code == 404

    # Once the old key is dropped from the previous keys, what it signed stops working.
    with TestClient(create_app(Settings(database_url=database_url, secret_key=NEW, environment="test"))) as dropped:
        assert dropped.get(path_of(printed)).status_code == 404
        assert dropped.get(thanks).status_code == 404
        assert dropped.get(poster).status_code == 404


def test_a_dossier_number_used_before_a_rotation_is_still_refused_after_it(
    before: TestClient, rotated: TestClient, db: Db, official: dict[str, int], admin: dict[str, str]
) -> None:
    point = make_point(before, db, admin, receipt=True, code="desk-r")
    assert answer(before, point["link"], receipt="HS-2026/000123").status_code == 303
    again = answer(rotated, point["link"], receipt="hs-2026/000123")
    assert again.status_code == 409
    assert answer(rotated, point["link"], receipt="HS-2026/000124").status_code == 303
    # the number answered after the rotation is hashed under the new key, and refused the same way
    assert answer(rotated, point["link"], receipt="HS-2026/000124").status_code == 409
    assert keyed_hash(NEW, "receipt:desk-r", "HS-2026/000124") != keyed_hash(OLD, "receipt:desk-r", "HS-2026/000124")


def test_a_device_that_answered_before_a_rotation_is_still_recognised(
    before: TestClient, rotated: TestClient, db: Db, official: dict[str, int], admin: dict[str, str]
) -> None:
    point = make_point(before, db, admin)
    assert answer(before, point["link"]).status_code == 303
    rotated.cookies.set("sv_device", before.cookies["sv_device"])
    assert answer(rotated, point["link"]).status_code == 303
    flagged = rotated.get("/api/v1/responses/flagged", headers=admin).json()
    assert [r["flags"] for r in flagged] == [["repeat_device"]]
