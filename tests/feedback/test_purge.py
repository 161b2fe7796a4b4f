"""Contact details are purged a set time after the item is closed: by `survey feedback purge`, by each server at
start, and at once on request."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from survey_api.cli import main
from survey_api.db.base import utcnow
from survey_api.db.models import AuditEntry, Feedback, FeedbackContact, FeedbackEvent
from survey_api.settings import Settings, get_settings
from survey_web.asgi import create_app
from tests.conftest import Db
from tests.feedback.conftest import item_id
from tests.feedback.helpers import CONTACT, leave_feedback
from tests.fieldwork.conftest import Person

API = "/api/v1/feedback"


@pytest.fixture
def cli_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`survey` commands run on the test's database."""
    monkeypatch.setenv("SURVEY_DATABASE_URL", database_url)
    monkeypatch.setenv("SURVEY_ENVIRONMENT", "test")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _closed(client: TestClient, manager: Person, reference: str, db: Db, days_ago: int) -> int:
    number = item_id(client, manager, reference)
    assert client.post(f"{API}/{number}/reply", json={"text": "Đã xử lý"}, headers=manager.headers).status_code == 200
    assert client.post(f"{API}/{number}/status", json={"status": "closed"}, headers=manager.headers).status_code == 200
    with db() as session:
        when = utcnow() - timedelta(days=days_ago)
        session.execute(update(Feedback).where(Feedback.id == number).values(closed_at=when))
    return number


def _kept(db: Db) -> set[int]:
    with db() as session:
        return set(session.scalars(select(FeedbackContact.feedback_id)))


def test_the_purge_command_deletes_contacts_past_the_retention_time(
    client: TestClient,
    db: Db,
    links: dict[str, str],
    managers: dict[str, Person],
    cli_database: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    manager = managers["d1"]
    old = _closed(client, manager, leave_feedback(client, links["d1"], contact=CONTACT), db, days_ago=31)
    recent = _closed(client, manager, leave_feedback(client, links["d1"], contact=CONTACT), db, days_ago=10)
    open_reference = leave_feedback(client, links["d1"], contact=CONTACT)
    still_open = item_id(client, manager, open_reference)
    assert _kept(db) == {old, recent, still_open}

    assert main(["feedback", "purge"]) == 0
    assert "contact details of 1 feedback items closed more than 30 days ago deleted" in capsys.readouterr().out
    assert _kept(db) == {recent, still_open}
    with db() as session:
        steps = session.scalars(select(FeedbackEvent.note).where(FeedbackEvent.action == "contact_purged")).all()
        assert steps == ["retention"]
        assert session.scalar(select(AuditEntry.detail).where(AuditEntry.action.like("%purge_expired"))) == {"count": 1}
    assert main(["feedback", "purge"]) == 0 and _kept(db) == {recent, still_open}  # idempotent
    assert main(["feedback", "purge", "--days", "7"]) == 0 and _kept(db) == {still_open}

    # On the citizen's request: at once, open or not (the reference as they may type it).
    assert main(["feedback", "purge", "--reference", open_reference.lower().replace("-", " ")]) == 0
    assert _kept(db) == set()
    assert main(["feedback", "purge", "--reference", open_reference]) == 2
    assert client.get(f"{API}/{still_open}/contact", headers=manager.headers).status_code == 404


def test_a_server_purges_at_start(
    client: TestClient, db: Db, settings: Settings, links: dict[str, str], managers: dict[str, Person]
) -> None:
    manager = managers["d1"]
    number = _closed(client, manager, leave_feedback(client, links["d1"], contact=CONTACT), db, days_ago=3)
    settings.feedback_contact_retention_days = 2
    with TestClient(create_app(settings)):
        pass
    assert _kept(db) == set()
    assert client.get(f"{API}/{number}", headers=manager.headers).json()["has_contact"] is False


def test_a_manager_purges_on_request(
    client: TestClient, db: Db, links: dict[str, str], managers: dict[str, Person]
) -> None:
    manager = managers["d1"]
    number = item_id(client, manager, leave_feedback(client, links["d1"], contact=CONTACT))
    assert client.delete(f"{API}/{number}/contact", headers=manager.headers).status_code == 204
    assert _kept(db) == set()
    assert client.delete(f"{API}/{number}/contact", headers=manager.headers).status_code == 404
